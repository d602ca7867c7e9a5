#include "devmongod/query/numeric_order.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace devmongod::query {
namespace {

using U128 = unsigned __int128;

int Sign(bool less, bool greater) { return less ? -1 : (greater ? 1 : 0); }

template <typename T>
int Compare3(T a, T b) {
  return Sign(a < b, b < a);
}

// A decoded IEEE 754-2008 decimal128 (BID encoding, as BSON stores it).
struct Decimal {
  enum class Kind { kFinite, kInfinity, kNaN };
  Kind kind = Kind::kFinite;
  bool negative = false;
  U128 coefficient = 0;  // < 10^34 for canonical values; non-canonical ones read as 0
  int exponent = 0;      // unbiased
};

constexpr int kDecimalExponentBias = 6176;

U128 MaxCoefficient() {
  U128 v = 1;
  for (int i = 0; i < 34; ++i) v *= 10;
  return v - 1;
}

Decimal Decode(const bson_decimal128_t& d) {
  Decimal out;
  out.negative = (d.high >> 63) != 0;
  const uint64_t combination = (d.high >> 58) & 0x1f;
  if (combination == 0x1f) {
    out.kind = Decimal::Kind::kNaN;
    return out;
  }
  if (combination == 0x1e) {
    out.kind = Decimal::Kind::kInfinity;
    return out;
  }
  if (((d.high >> 61) & 0x3) == 0x3) {
    // The "11" form implies a coefficient above 10^34 - 1: non-canonical,
    // which the standard says to read as zero.
    out.exponent = static_cast<int>((d.high >> 47) & 0x3fff) - kDecimalExponentBias;
    return out;
  }
  out.exponent = static_cast<int>((d.high >> 49) & 0x3fff) - kDecimalExponentBias;
  U128 coefficient = (static_cast<U128>(d.high & 0x1ffffffffffffULL) << 64) | d.low;
  out.coefficient = coefficient > MaxCoefficient() ? 0 : coefficient;
  return out;
}

Decimal FromInt64(int64_t value) {
  Decimal out;
  out.negative = value < 0;
  // Negating in unsigned arithmetic is well defined even for INT64_MIN.
  const uint64_t magnitude =
      out.negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  out.coefficient = magnitude;
  return out;
}

int DigitCount(U128 v) {
  int digits = 0;
  while (v != 0) {
    v /= 10;
    ++digits;
  }
  return digits;
}

// Orders two finite, non-zero magnitudes.
int CompareMagnitudes(const Decimal& a, const Decimal& b) {
  const int digits_a = DigitCount(a.coefficient);
  const int digits_b = DigitCount(b.coefficient);
  const int adjusted_a = a.exponent + digits_a - 1;
  const int adjusted_b = b.exponent + digits_b - 1;
  if (adjusted_a != adjusted_b) return Compare3(adjusted_a, adjusted_b);
  // Same order of magnitude: pad the shorter coefficient so both have the
  // same number of digits (<= 34, so the product fits in 128 bits).
  U128 ca = a.coefficient;
  U128 cb = b.coefficient;
  for (int i = digits_a; i < digits_b; ++i) ca *= 10;
  for (int i = digits_b; i < digits_a; ++i) cb *= 10;
  return Compare3(ca, cb);
}

int CompareDecimals(const Decimal& a, const Decimal& b) {
  using Kind = Decimal::Kind;
  if (a.kind == Kind::kNaN || b.kind == Kind::kNaN) {
    return Sign(a.kind == Kind::kNaN && b.kind != Kind::kNaN,
                b.kind == Kind::kNaN && a.kind != Kind::kNaN);
  }
  // Map to a signed "class" so infinities and signs order before magnitudes.
  auto side = [](const Decimal& d) {
    if (d.kind == Kind::kInfinity) return d.negative ? -2 : 2;
    if (d.coefficient == 0) return 0;
    return d.negative ? -1 : 1;
  };
  const int sa = side(a);
  const int sb = side(b);
  if (sa != sb) return Compare3(sa, sb);
  if (sa == 0 || sa == 2 || sa == -2) return 0;
  const int magnitude = CompareMagnitudes(a, b);
  return sa > 0 ? magnitude : -magnitude;
}

int CompareDoubles(double a, double b) {
  const bool nan_a = std::isnan(a);
  const bool nan_b = std::isnan(b);
  if (nan_a || nan_b) return Sign(nan_a && !nan_b, nan_b && !nan_a);
  return Compare3(a, b);
}

// Exact: converting an int64 above 2^53 to double would round.
int CompareInt64ToDouble(int64_t i, double d) {
  if (std::isnan(d)) return 1;
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (d >= kTwoTo63) return -1;
  if (d < -kTwoTo63) return 1;
  const double truncated = std::trunc(d);  // in [-2^63, 2^63): fits int64
  const auto whole = static_cast<int64_t>(truncated);
  if (i != whole) return Compare3(i, whole);
  const double fraction = d - truncated;  // exact
  return Sign(fraction > 0, fraction < 0);
}

double DecimalToDouble(const bson_decimal128_t& d) {
  char text[BSON_DECIMAL128_STRING];
  bson_decimal128_to_string(&d, text);
  const Decimal decoded = Decode(d);
  if (decoded.kind == Decimal::Kind::kNaN) return std::numeric_limits<double>::quiet_NaN();
  if (decoded.kind == Decimal::Kind::kInfinity) {
    return decoded.negative ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
  }
  double out = 0;
  const char* end = text + std::strlen(text);
  // from_chars is locale independent and correctly rounded; on overflow it
  // leaves `out` untouched, so fall back to the signed infinity.
  auto result = std::from_chars(text, end, out);
  if (result.ec == std::errc::result_out_of_range) {
    const bool tiny = decoded.exponent < 0;
    if (tiny) return decoded.negative ? -0.0 : 0.0;
    return decoded.negative ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
  }
  return out;
}

int CompareDecimalToDouble(const bson_decimal128_t& dec, double d) {
  const Decimal decoded = Decode(dec);
  // Integral doubles in int64 range compare exactly through the integer path.
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) {
    return CompareDecimals(decoded, FromInt64(static_cast<int64_t>(d)));
  }
  if (decoded.kind == Decimal::Kind::kNaN || std::isnan(d)) {
    return CompareDoubles(
        decoded.kind == Decimal::Kind::kNaN ? std::numeric_limits<double>::quiet_NaN() : 0.0, d);
  }
  return CompareDoubles(DecimalToDouble(dec), d);
}

int64_t IntegerValue(const bson_value_t& v) {
  return v.value_type == BSON_TYPE_INT32 ? v.value.v_int32 : v.value.v_int64;
}

bool IsInteger(bson_type_t t) { return t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64; }

}  // namespace

bool IsNumberType(bson_type_t type) {
  return type == BSON_TYPE_INT32 || type == BSON_TYPE_INT64 || type == BSON_TYPE_DOUBLE ||
         type == BSON_TYPE_DECIMAL128;
}

int CompareNumbers(const bson_value_t& a, const bson_value_t& b) {
  const bson_type_t ta = a.value_type;
  const bson_type_t tb = b.value_type;
  if (IsInteger(ta) && IsInteger(tb)) return Compare3(IntegerValue(a), IntegerValue(b));
  if (ta == BSON_TYPE_DOUBLE && tb == BSON_TYPE_DOUBLE) {
    return CompareDoubles(a.value.v_double, b.value.v_double);
  }
  if (IsInteger(ta) && tb == BSON_TYPE_DOUBLE) {
    return CompareInt64ToDouble(IntegerValue(a), b.value.v_double);
  }
  if (ta == BSON_TYPE_DOUBLE && IsInteger(tb)) {
    return -CompareInt64ToDouble(IntegerValue(b), a.value.v_double);
  }
  // At least one decimal128 from here on.
  if (ta == BSON_TYPE_DECIMAL128 && tb == BSON_TYPE_DECIMAL128) {
    return CompareDecimals(Decode(a.value.v_decimal128), Decode(b.value.v_decimal128));
  }
  if (ta == BSON_TYPE_DECIMAL128 && IsInteger(tb)) {
    return CompareDecimals(Decode(a.value.v_decimal128), FromInt64(IntegerValue(b)));
  }
  if (IsInteger(ta) && tb == BSON_TYPE_DECIMAL128) {
    return CompareDecimals(FromInt64(IntegerValue(a)), Decode(b.value.v_decimal128));
  }
  if (ta == BSON_TYPE_DECIMAL128 && tb == BSON_TYPE_DOUBLE) {
    return CompareDecimalToDouble(a.value.v_decimal128, b.value.v_double);
  }
  if (ta == BSON_TYPE_DOUBLE && tb == BSON_TYPE_DECIMAL128) {
    return -CompareDecimalToDouble(b.value.v_decimal128, a.value.v_double);
  }
  return 0;  // not numbers: callers never ask, and 0 keeps the order consistent
}

bool IsNaN(const bson_value_t& number) {
  if (number.value_type == BSON_TYPE_DOUBLE) return std::isnan(number.value.v_double);
  if (number.value_type == BSON_TYPE_DECIMAL128) {
    return Decode(number.value.v_decimal128).kind == Decimal::Kind::kNaN;
  }
  return false;
}

double NumberToDouble(const bson_value_t& number) {
  switch (number.value_type) {
    case BSON_TYPE_INT32:
      return number.value.v_int32;
    case BSON_TYPE_INT64:
      return static_cast<double>(number.value.v_int64);
    case BSON_TYPE_DOUBLE:
      return number.value.v_double;
    case BSON_TYPE_DECIMAL128:
      return DecimalToDouble(number.value.v_decimal128);
    default:
      return 0;
  }
}

}  // namespace devmongod::query
