#include "devmongod/query/value_order.h"

#include <array>
#include <cstring>
#include <vector>

#include "devmongod/query/numeric_order.h"
#include "devmongod/query/query.h"

namespace devmongod::query {
namespace {

int Sign(int v) { return (v > 0) - (v < 0); }

template <typename T>
int Compare3(T a, T b) {
  return (b < a) - (a < b);
}

int CompareBytes(const void* a, size_t len_a, const void* b, size_t len_b) {
  const size_t common = len_a < len_b ? len_a : len_b;
  const int c = common == 0 ? 0 : std::memcmp(a, b, common);
  if (c != 0) return Sign(c);
  return Compare3(len_a, len_b);
}

int CompareCStrings(const char* a, const char* b) {
  return CompareBytes(a, std::strlen(a), b, std::strlen(b));
}

bool HasChildren(bson_type_t type) {
  return type == BSON_TYPE_DOCUMENT || type == BSON_TYPE_ARRAY || type == BSON_TYPE_CODEWSCOPE;
}

// Compares two values of the same canonical rank without looking inside
// documents, arrays or a CodeWScope's scope (the caller descends into
// those). Returns 0 for containers.
int CompareSameRank(const bson_value_t& a, const bson_value_t& b) {
  switch (a.value_type) {
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      return CompareNumbers(a, b);
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL: {
      auto text = [](const bson_value_t& v, const char** data, size_t* len) {
        if (v.value_type == BSON_TYPE_UTF8) {
          *data = v.value.v_utf8.str;
          *len = v.value.v_utf8.len;
        } else {
          *data = v.value.v_symbol.symbol;
          *len = v.value.v_symbol.len;
        }
      };
      const char* da = nullptr;
      const char* db = nullptr;
      size_t la = 0;
      size_t lb = 0;
      text(a, &da, &la);
      text(b, &db, &lb);
      return CompareBytes(da, la, db, lb);
    }
    case BSON_TYPE_BINARY: {
      const auto& ba = a.value.v_binary;
      const auto& bb = b.value.v_binary;
      if (ba.data_len != bb.data_len) return Compare3(ba.data_len, bb.data_len);
      if (ba.subtype != bb.subtype) return Compare3<int>(ba.subtype, bb.subtype);
      return CompareBytes(ba.data, ba.data_len, bb.data, bb.data_len);
    }
    case BSON_TYPE_OID:
      return CompareBytes(a.value.v_oid.bytes, 12, b.value.v_oid.bytes, 12);
    case BSON_TYPE_BOOL:
      return Compare3<int>(a.value.v_bool, b.value.v_bool);
    case BSON_TYPE_DATE_TIME:
      return Compare3(a.value.v_datetime, b.value.v_datetime);
    case BSON_TYPE_TIMESTAMP: {
      const auto& ta = a.value.v_timestamp;
      const auto& tb = b.value.v_timestamp;
      if (ta.timestamp != tb.timestamp) return Compare3(ta.timestamp, tb.timestamp);
      return Compare3(ta.increment, tb.increment);
    }
    case BSON_TYPE_REGEX: {
      const int c = CompareCStrings(a.value.v_regex.regex, b.value.v_regex.regex);
      return c != 0 ? c : CompareCStrings(a.value.v_regex.options, b.value.v_regex.options);
    }
    case BSON_TYPE_DBPOINTER: {
      const auto& pa = a.value.v_dbpointer;
      const auto& pb = b.value.v_dbpointer;
      if (pa.collection_len != pb.collection_len) {
        return Compare3(pa.collection_len, pb.collection_len);
      }
      const int c =
          CompareBytes(pa.collection, pa.collection_len, pb.collection, pb.collection_len);
      return c != 0 ? c : CompareBytes(pa.oid.bytes, 12, pb.oid.bytes, 12);
    }
    case BSON_TYPE_CODE:
      return CompareBytes(a.value.v_code.code, a.value.v_code.code_len, b.value.v_code.code,
                          b.value.v_code.code_len);
    case BSON_TYPE_CODEWSCOPE:
      return CompareBytes(a.value.v_codewscope.code, a.value.v_codewscope.code_len,
                          b.value.v_codewscope.code, b.value.v_codewscope.code_len);
    default:
      // Null, Undefined, MinKey, MaxKey carry no value; containers are
      // compared by the caller.
      return 0;
  }
}

// Ranks first, then (for non-containers) contents.
int CompareShallow(const bson_value_t& a, const bson_value_t& b) {
  const int ra = CanonicalRank(a.value_type);
  const int rb = CanonicalRank(b.value_type);
  if (ra != rb) return Compare3(ra, rb);
  return CompareSameRank(a, b);
}

// A pair of iterators walking two containers in step.
struct Frame {
  bson_iter_t a;
  bson_iter_t b;
  bool compare_keys;  // objects compare field names, arrays do not
};

// The stack of containers being compared. Most values nest only a few
// levels, so the first frames live inline and deeper ones spill to the heap.
class FrameStack {
 public:
  bool empty() const { return size_ == 0; }
  Frame& top() { return size_ <= kInline ? inline_[size_ - 1] : overflow_.back(); }
  void push(const Frame& frame) {
    if (size_ < kInline) {
      inline_[size_] = frame;
    } else {
      overflow_.push_back(frame);
    }
    ++size_;
  }
  void pop() {
    if (size_ > kInline) overflow_.pop_back();
    --size_;
  }

 private:
  static constexpr size_t kInline = 6;
  std::array<Frame, kInline> inline_;
  std::vector<Frame> overflow_;
  size_t size_ = 0;
};

// Positions `iter` before the first element of the children of `v`; corrupt
// data reads as an empty container so the order stays deterministic.
void InitChildren(const bson_value_t& v, bson_iter_t* iter) {
  static constexpr uint8_t kEmpty[5] = {5, 0, 0, 0, 0};
  const uint8_t* data = nullptr;
  uint32_t len = 0;
  if (v.value_type == BSON_TYPE_CODEWSCOPE) {
    data = v.value.v_codewscope.scope_data;
    len = v.value.v_codewscope.scope_len;
  } else {
    data = v.value.v_doc.data;
    len = v.value.v_doc.data_len;
  }
  if (data == nullptr || !bson_iter_init_from_data(iter, data, len)) {
    bson_iter_init_from_data(iter, kEmpty, sizeof kEmpty);
  }
}

void PushChildren(const bson_value_t& a, const bson_value_t& b, FrameStack* stack) {
  Frame frame;
  InitChildren(a, &frame.a);
  InitChildren(b, &frame.b);
  // A CodeWScope's scope is a document, so its field names count.
  frame.compare_keys = a.value_type != BSON_TYPE_ARRAY;
  stack->push(frame);
}

}  // namespace

int CanonicalRank(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_MINKEY:
      return -1;
    case BSON_TYPE_EOD:
    case BSON_TYPE_UNDEFINED:
      return 0;
    case BSON_TYPE_NULL:
      return 5;
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      return 10;
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL:
      return 15;
    case BSON_TYPE_DOCUMENT:
      return 20;
    case BSON_TYPE_ARRAY:
      return 25;
    case BSON_TYPE_BINARY:
      return 30;
    case BSON_TYPE_OID:
      return 35;
    case BSON_TYPE_BOOL:
      return 40;
    case BSON_TYPE_DATE_TIME:
      return 45;
    case BSON_TYPE_TIMESTAMP:
      return 47;
    case BSON_TYPE_REGEX:
      return 50;
    case BSON_TYPE_DBPOINTER:
      return 55;
    case BSON_TYPE_CODE:
      return 60;
    case BSON_TYPE_CODEWSCOPE:
      return 65;
    case BSON_TYPE_MAXKEY:
      return 127;
  }
  return 0;  // unknown type bytes never reach here: libbson rejects them
}

bson_value_t ValueOf(const bson_iter_t& iter) {
  bson_iter_t copy = iter;  // bson_iter_value() writes into the iterator
  return *bson_iter_value(&copy);
}

const bson_value_t& NullValue() {
  static const bson_value_t kNull = [] {
    bson_value_t v{};
    v.value_type = BSON_TYPE_NULL;
    return v;
  }();
  return kNull;
}

int CompareValues(const bson_value_t& a, const bson_value_t& b) {
  const int top = CompareShallow(a, b);
  if (top != 0 || !HasChildren(a.value_type)) return top;
  FrameStack stack;
  PushChildren(a, b, &stack);
  while (!stack.empty()) {
    Frame& frame = stack.top();
    const bool more_a = bson_iter_next(&frame.a);
    const bool more_b = bson_iter_next(&frame.b);
    if (!more_a || !more_b) {
      if (more_a != more_b) return more_a ? 1 : -1;  // the shorter one is smaller
      stack.pop();
      continue;
    }
    const bson_value_t va = ValueOf(frame.a);
    const bson_value_t vb = ValueOf(frame.b);
    const int ra = CanonicalRank(va.value_type);
    const int rb = CanonicalRank(vb.value_type);
    if (ra != rb) return Compare3(ra, rb);
    if (frame.compare_keys) {
      const int keys = CompareCStrings(bson_iter_key(&frame.a), bson_iter_key(&frame.b));
      if (keys != 0) return keys;
    }
    const int c = CompareSameRank(va, vb);
    if (c != 0) return c;
    if (HasChildren(va.value_type)) PushChildren(va, vb, &stack);  // may invalidate `frame`
  }
  return 0;
}

}  // namespace devmongod::query
