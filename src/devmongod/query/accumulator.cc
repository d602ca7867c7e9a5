#include "devmongod/query/accumulator.h"

#include <limits>

#include "devmongod/query/numeric_order.h"
#include "devmongod/query/query.h"
#include "devmongod/query/value_order.h"

namespace devmongod::query {

std::optional<AccumulatorOp> AccumulatorFromName(std::string_view name) {
  if (name == "$sum") return AccumulatorOp::kSum;
  if (name == "$min") return AccumulatorOp::kMin;
  if (name == "$max") return AccumulatorOp::kMax;
  if (name == "$first") return AccumulatorOp::kFirst;
  if (name == "$last") return AccumulatorOp::kLast;
  return std::nullopt;
}

void AccumulatorState::AddToSum(const bson_value_t& number) {
  if (number.value_type == BSON_TYPE_INT32 || number.value_type == BSON_TYPE_INT64) {
    const int64_t addend =
        number.value_type == BSON_TYPE_INT32 ? number.value.v_int32 : number.value.v_int64;
    saw_int64_ |= number.value_type == BSON_TYPE_INT64;
    // long double holds every int64 exactly on the platforms we build for.
    float_total_ += static_cast<long double>(addend);
    int_overflowed_ |= __builtin_add_overflow(int_total_, addend, &int_total_);
  } else if (IsNumberType(number.value_type)) {
    float_total_ += static_cast<long double>(NumberToDouble(number));
    saw_floating_ = true;
  }
}

void AccumulatorState::Add(const std::optional<bson_value_t>& value) {
  switch (op_) {
    case AccumulatorOp::kSum:
      if (value) AddToSum(*value);
      return;
    case AccumulatorOp::kMin:
    case AccumulatorOp::kMax: {
      if (!value || value->value_type == BSON_TYPE_NULL ||
          value->value_type == BSON_TYPE_UNDEFINED) {
        return;
      }
      const int c = have_value_ ? CompareValues(*value, value_) : 0;
      if (!have_value_ || (op_ == AccumulatorOp::kMin ? c < 0 : c > 0)) {
        value_ = *value;
        have_value_ = true;
      }
      return;
    }
    case AccumulatorOp::kFirst:
      if (have_value_) return;
      [[fallthrough]];
    case AccumulatorOp::kLast:
      value_ = value ? *value : NullValue();
      have_value_ = true;
      return;
  }
}

void AccumulatorState::AppendResult(bson_t* out, std::string_view field) const {
  const char* key = field.data();
  const int len = static_cast<int>(field.size());
  if (op_ != AccumulatorOp::kSum) {
    bson_append_value(out, key, len, have_value_ ? &value_ : &NullValue());
    return;
  }
  if (saw_floating_ || int_overflowed_) {
    bson_append_double(out, key, len, static_cast<double>(float_total_));
  } else if (saw_int64_ || int_total_ > std::numeric_limits<int32_t>::max() ||
             int_total_ < std::numeric_limits<int32_t>::min()) {
    bson_append_int64(out, key, len, int_total_);
  } else {
    bson_append_int32(out, key, len, static_cast<int32_t>(int_total_));
  }
}

}  // namespace devmongod::query
