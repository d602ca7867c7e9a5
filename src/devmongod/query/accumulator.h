// $group accumulators: $sum, $min, $max, $first, $last. One
// AccumulatorState per (group, accumulator field) folds the values of that
// group's documents.
//
// $sum follows MongoDB's result types: int32 while every input is int32 and
// the total fits, int64 when an int64 is seen or int32 overflows, double
// when a double is seen or int64 overflows. Non-numeric values are ignored.
// Known limit: decimal128 inputs are summed as doubles (MongoDB would return
// a decimal).
// $min/$max ignore missing and null values (null when nothing is left);
// $first/$last take missing as null.
// Thread-safety: a state belongs to one pipeline run.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace devmongod::query {

enum class AccumulatorOp { kSum, kMin, kMax, kFirst, kLast };

// Maps "$sum" etc. to the operator; nullopt for anything else.
std::optional<AccumulatorOp> AccumulatorFromName(std::string_view name);

class AccumulatorState {
 public:
  explicit AccumulatorState(AccumulatorOp op) : op_(op) {}

  // `value` (nullopt: missing) must stay valid until AppendResult.
  void Add(const std::optional<bson_value_t>& value);
  void AppendResult(bson_t* out, std::string_view field) const;

 private:
  void AddToSum(const bson_value_t& number);

  AccumulatorOp op_;
  bool have_value_ = false;  // $min/$max/$first/$last
  bson_value_t value_{};
  // $sum: the exact integer total while it fits, and a wide floating total
  // that takes over once a double is seen or the integer total overflows.
  int64_t int_total_ = 0;
  long double float_total_ = 0;
  bool saw_int64_ = false;
  bool saw_floating_ = false;
  bool int_overflowed_ = false;
};

}  // namespace devmongod::query
