// Ordering and conversion of BSON numbers (int32, int64, double, decimal128)
// by mathematical value, as MongoDB compares them: 1 == 1.0 == 1 (int64),
// NaN equals NaN and sorts below every other number, -0 equals 0.
//
// int32/int64/double compare exactly with each other (no rounding through
// double). decimal128 compares exactly with integers and other decimals; a
// decimal against a non-integral double is compared after rounding the
// decimal to the nearest double (exact mixed decimal/binary comparison would
// need arbitrary precision; a development server does not need it).
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

namespace devmongod::query {

bool IsNumberType(bson_type_t type);

// Both arguments must satisfy IsNumberType. Returns <0, 0, >0.
int CompareNumbers(const bson_value_t& a, const bson_value_t& b);

// True for a double or decimal128 NaN.
bool IsNaN(const bson_value_t& number);

// The value as a double (nearest; decimal128 through its string form).
double NumberToDouble(const bson_value_t& number);

}  // namespace devmongod::query
