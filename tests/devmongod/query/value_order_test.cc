// CompareValues: MongoDB's cross-type order and the value order within each
// type, as a table of (a, b, expected sign) plus properties over the table.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bson_test_util.h"
#include "devmongod/query/query.h"

namespace devmongod::query {
namespace {

using testing::Value;

struct OrderCase {
  const char* a;
  const char* b;
  int expected;  // sign of CompareValues(a, b)
};

int Sign(int v) { return (v > 0) - (v < 0); }

const OrderCase kCases[] = {
    // Numbers compare by value whatever their BSON type.
    {"1", "1.0", 0},
    {"1", R"({"$numberLong": "1"})", 0},
    {R"({"$numberLong": "1"})", "1.0", 0},
    {"1", "2", -1},
    {"1.5", "1", 1},
    {"-1.5", "-1", -1},
    {"2147483647", R"({"$numberLong": "2147483648"})", -1},
    {"-0.0", "0", 0},
    // int64 against double is exact: 2^53 + 1 is not 2^53.
    {R"({"$numberLong": "9007199254740993"})", "9007199254740992.0", 1},
    {R"({"$numberLong": "9223372036854775807"})", "9223372036854775808.0", -1},
    {R"({"$numberLong": "-9223372036854775808"})", "-9223372036854775808.0", 0},
    {R"({"$numberLong": "5"})", R"({"$numberDouble": "Infinity"})", -1},
    {R"({"$numberLong": "5"})", R"({"$numberDouble": "-Infinity"})", 1},
    // NaN equals NaN and sorts below every number.
    {R"({"$numberDouble": "NaN"})", R"({"$numberDouble": "NaN"})", 0},
    {R"({"$numberDouble": "NaN"})", R"({"$numberDouble": "-Infinity"})", -1},
    {R"({"$numberDouble": "NaN"})", "0", -1},
    {R"({"$numberDouble": "NaN"})", "null", 1},
    // decimal128.
    {R"({"$numberDecimal": "1.0"})", "1", 0},
    {R"({"$numberDecimal": "1.10"})", R"({"$numberDecimal": "1.1"})", 0},
    {R"({"$numberDecimal": "1E+3"})", "999", 1},
    {R"({"$numberDecimal": "2.5"})", "2.5", 0},
    {R"({"$numberDecimal": "2.5"})", "2", 1},
    {R"({"$numberDecimal": "-2.5"})", R"({"$numberDecimal": "-2.4"})", -1},
    {R"({"$numberDecimal": "0E-10"})", "-0.0", 0},
    {R"({"$numberDecimal": "12345678901234567890123"})",
     R"({"$numberLong": "9223372036854775807"})", 1},
    {R"({"$numberDecimal": "-Infinity"})", R"({"$numberLong": "-9223372036854775808"})", -1},
    {R"({"$numberDecimal": "NaN"})", R"({"$numberDouble": "NaN"})", 0},
    {R"({"$numberDecimal": "NaN"})", R"({"$numberDecimal": "-Infinity"})", -1},
    {R"({"$numberDecimal": "Infinity"})", R"({"$numberDouble": "Infinity"})", 0},
    // The canonical type order.
    {R"({"$minKey": 1})", "null", -1},
    {R"({"$undefined": true})", "null", -1},
    {"null", "-1e308", -1},
    {"5", R"("5")", -1},
    {R"("a")", R"({"$symbol": "a"})", 0},
    {R"("zzz")", "{}", -1},
    {"{}", "[]", -1},
    {"[]", R"({"$binary": {"base64": "", "subType": "00"}})", -1},
    {R"({"$binary": {"base64": "AA==", "subType": "00"}})",
     R"({"$oid": "000000000000000000000000"})", -1},
    {R"({"$oid": "ffffffffffffffffffffffff"})", "false", -1},
    {"true", R"({"$date": {"$numberLong": "-1"}})", -1},
    {R"({"$date": {"$numberLong": "9999999999999"}})", R"({"$timestamp": {"t": 0, "i": 0}})", -1},
    {R"({"$timestamp": {"t": 4294967295, "i": 1}})",
     R"({"$regularExpression": {"pattern": "", "options": ""}})", -1},
    {R"({"$regularExpression": {"pattern": "z", "options": ""}})", R"({"$code": ""})", -1},
    {R"({"$code": "z"})", R"({"$maxKey": 1})", -1},
    {R"({"$maxKey": 1})", R"({"$maxKey": 1})", 0},
    {R"({"$minKey": 1})", R"({"$minKey": 1})", 0},
    {"null", "null", 0},
    // Strings: bytes, then length.
    {R"("abc")", R"("abd")", -1},
    {R"("ab")", R"("abc")", -1},
    {R"("B")", R"("a")", -1},
    {R"("é")", R"("z")", 1},
    {R"("")", R"("")", 0},
    // Objects: field by field, type before name before value.
    {R"({"a": 1})", R"({"a": 1.0})", 0},
    {R"({"a": 1})", R"({"a": 2})", -1},
    {R"({"a": 1})", R"({"b": 0})", -1},
    {R"({"b": 1})", R"({"a": "x"})", -1},
    {R"({"a": 1})", R"({"a": 1, "b": 1})", -1},
    {R"({"a": {"b": [1, 2]}})", R"({"a": {"b": [1, 3]}})", -1},
    {R"({"a": 1, "b": 2})", R"({"b": 2, "a": 1})", -1},
    // Arrays: element by element, then length.
    {"[1, 2]", "[1, 3]", -1},
    {"[1]", "[1, 0]", -1},
    {"[2]", "[1, 5]", 1},
    {"[1, 2]", "[1.0, 2.0]", 0},
    {"[[1]]", "[[1, 0]]", -1},
    // BinData: length, then subtype, then bytes.
    {R"({"$binary": {"base64": "/w==", "subType": "00"}})",
     R"({"$binary": {"base64": "AAA=", "subType": "00"}})", -1},
    {R"({"$binary": {"base64": "AA==", "subType": "05"}})",
     R"({"$binary": {"base64": "/w==", "subType": "00"}})", 1},
    {R"({"$binary": {"base64": "AQ==", "subType": "00"}})",
     R"({"$binary": {"base64": "Ag==", "subType": "00"}})", -1},
    // The other scalar types.
    {R"({"$oid": "000000000000000000000001"})", R"({"$oid": "000000000000000000000002"})", -1},
    {"false", "true", -1},
    {R"({"$date": {"$numberLong": "-5"}})", R"({"$date": {"$numberLong": "3"}})", -1},
    {R"({"$timestamp": {"t": 1, "i": 9}})", R"({"$timestamp": {"t": 2, "i": 0}})", -1},
    {R"({"$timestamp": {"t": 2, "i": 1}})", R"({"$timestamp": {"t": 2, "i": 0}})", 1},
    {R"({"$regularExpression": {"pattern": "a", "options": "i"}})",
     R"({"$regularExpression": {"pattern": "a", "options": "m"}})", -1},
    {R"({"$code": "a"})", R"({"$code": "b"})", -1},
    {R"({"$code": "a", "$scope": {"x": 1}})", R"({"$code": "a", "$scope": {"x": 2}})", -1},
};

TEST(CompareValuesTest, Table) {
  for (const OrderCase& c : kCases) {
    Value a(c.a);
    Value b(c.b);
    EXPECT_EQ(Sign(CompareValues(a.get(), b.get())), c.expected) << c.a << " vs " << c.b;
    EXPECT_EQ(Sign(CompareValues(b.get(), a.get())), -c.expected) << c.b << " vs " << c.a;
  }
}

// Every value of the table against every other: antisymmetric, reflexive,
// and transitive, i.e. a total preorder usable for sorting.
TEST(CompareValuesTest, IsATotalPreorderOverTheTable) {
  std::vector<Value> values;
  for (const OrderCase& c : kCases) {
    values.emplace_back(c.a);
    values.emplace_back(c.b);
  }
  for (const Value& a : values) {
    EXPECT_EQ(CompareValues(a.get(), a.get()), 0);
    for (const Value& b : values) {
      const int ab = Sign(CompareValues(a.get(), b.get()));
      ASSERT_EQ(ab, -Sign(CompareValues(b.get(), a.get())));
      for (const Value& c : values) {
        const int bc = Sign(CompareValues(b.get(), c.get()));
        if (ab <= 0 && bc <= 0) {
          ASSERT_LE(Sign(CompareValues(a.get(), c.get())), 0);
        }
      }
    }
  }
}

TEST(CompareValuesTest, DeepNestingDoesNotRecurse) {
  // A document nested far deeper than any call stack could recurse, built
  // directly (bson_new_from_json refuses such depth).
  auto build = [](uint32_t depth, uint8_t leaf) {
    // {a: {a: ... {a: leaf}}}: each level adds a length, type, key "a" and
    // terminator (8 bytes) around the 12-byte leaf document {a: int32}.
    std::vector<uint8_t> bytes;
    auto put_len = [&bytes](uint32_t len) {
      for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(len >> (8 * i)));
    };
    for (uint32_t level = 0; level < depth; ++level) {
      put_len(12 + 8 * (depth - level));
      bytes.insert(bytes.end(), {0x03, 'a', 0});
    }
    put_len(12);
    bytes.insert(bytes.end(), {0x10, 'a', 0, leaf, 0, 0, 0, 0});
    bytes.insert(bytes.end(), depth, 0);
    return common::BsonFromData(bytes.data(), bytes.size());
  };
  common::BsonPtr x = build(50000, 1);
  common::BsonPtr y = build(50000, 1);
  common::BsonPtr z = build(50000, 2);
  ASSERT_TRUE(x && y && z);
  bson_value_t vx{};
  bson_value_t vy{};
  bson_value_t vz{};
  vx.value_type = vy.value_type = vz.value_type = BSON_TYPE_DOCUMENT;
  vx.value.v_doc = {const_cast<uint8_t*>(bson_get_data(x.get())), x->len};
  vy.value.v_doc = {const_cast<uint8_t*>(bson_get_data(y.get())), y->len};
  vz.value.v_doc = {const_cast<uint8_t*>(bson_get_data(z.get())), z->len};
  EXPECT_EQ(CompareValues(vx, vy), 0);
  EXPECT_LT(CompareValues(vx, vz), 0);
  EXPECT_GT(CompareValues(vz, vx), 0);
}

}  // namespace
}  // namespace devmongod::query
