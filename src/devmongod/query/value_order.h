// MongoDB's total order over BSON values (the order used by comparisons,
// sort and $min/$max). CompareValues itself is declared in query.h; this
// header adds the pieces other query modules need.
//
// Canonical type order: MinKey < Undefined < Null < numbers < String/Symbol
// < Object < Array < BinData < ObjectId < Boolean < Date < Timestamp < Regex
// < DBPointer < Code < CodeWScope < MaxKey. Within a type: numbers by value
// (see numeric_order.h), strings by bytes, objects field by field (type,
// name, value), arrays element by element, BinData by length, subtype,
// bytes. Comparing nested values uses an explicit stack, so arbitrarily deep
// documents cannot overflow the call stack.
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

namespace devmongod::query {

// MongoDB's canonical type rank: values of different ranks never compare
// equal, and $gt/$lt only match values of the operand's rank.
int CanonicalRank(bson_type_t type);

// The value the iterator is positioned on (a view into the iterated buffer).
bson_value_t ValueOf(const bson_iter_t& iter);

// A BSON null, the value a missing field compares as.
const bson_value_t& NullValue();

}  // namespace devmongod::query
