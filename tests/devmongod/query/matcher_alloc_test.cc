// Matcher::Matches and SortSpec::Less run on the change-stream fan-out hot
// path (every insert against every open cursor), so they must not allocate.
// This binary counts every C++ and libbson allocation made inside a measured
// scope.
//
// Replacing the global operator new is the only way to observe allocations,
// and it is necessarily process-wide; the counter below is therefore the one
// piece of global mutable state, confined to this test binary (hence its own
// executable rather than part of devmongod_query_test).
#include <bson/bson.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "bson_test_util.h"
#include "devmongod/query/query.h"

namespace {

std::atomic<long> g_allocations{0};

void* Counted(void* p) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void* CountingMalloc(size_t n) { return Counted(std::malloc(n)); }
void* CountingCalloc(size_t n, size_t size) { return Counted(std::calloc(n, size)); }
void* CountingRealloc(void* p, size_t n) { return Counted(std::realloc(p, n)); }
void* CountingAlignedAlloc(size_t alignment, size_t n) {
  return Counted(std::aligned_alloc(alignment, (n + alignment - 1) / alignment * alignment));
}

}  // namespace

void* operator new(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return Counted(p);
}
void* operator new(size_t n, std::align_val_t alignment) {
  void* p = CountingAlignedAlloc(static_cast<size_t>(alignment), n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }

namespace devmongod::query {
namespace {

using testing::Doc;

class AllocationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static const bson_mem_vtable_t vtable = {CountingMalloc, CountingCalloc,       CountingRealloc,
                                             std::free,      CountingAlignedAlloc, {}};
    bson_mem_set_vtable(&vtable);
  }
  static void TearDownTestSuite() { bson_mem_restore_vtable(); }

  // Allocations made by `body`.
  template <typename F>
  static long CountAllocations(F&& body) {
    const long before = g_allocations.load();
    body();
    return g_allocations.load() - before;
  }
};

TEST_F(AllocationTest, CounterSeesAllocations) {
  // Guards the test itself: a counter that never moves would pass anything.
  EXPECT_GT(CountAllocations([] { common::BsonPtr doc = common::NewBson(); }), 0);
  EXPECT_GT(CountAllocations([] { std::string s(100, 'x'); }), 0);
}

TEST_F(AllocationTest, MatchesDoesNotAllocate) {
  common::BsonPtr doc = Doc(R"({"_id": {"$oid": "0123456789abcdef01234567"}, "room": "general",
                              "author": "ann", "ts": {"$date": {"$numberLong": "1700000000000"}},
                              "n": 42, "tags": ["a", "b", "c"],
                              "meta": {"lang": "en", "refs": [{"id": 1}, {"id": 2}]}})");
  const char* filters[] = {
      R"({"room": "general"})",
      R"({"room": {"$in": ["random", "general", "help"]}})",
      R"({"n": {"$gt": 10}})",
      R"({"ts": {"$gte": {"$date": {"$numberLong": "1600000000000"}}}})",
      R"({"tags": "b"})",
      R"({"meta.lang": "en", "meta.refs.id": 2})",
      R"({"room": {"$ne": "x"}, "missing": {"$exists": false}})",
      R"({"$or": [{"author": "bob"}, {"n": {"$lte": 42}}]})",
      R"({"meta": {"lang": "en", "refs": [{"id": 1}, {"id": 2}]}})",
      R"({"operationType": "insert", "fullDocument.room": "general"})",
  };
  for (const char* json : filters) {
    auto matcher = Matcher::Compile(*Doc(json));
    ASSERT_TRUE(matcher.has_value()) << json;
    bool matched = false;
    EXPECT_EQ(CountAllocations([&] { matched = matcher->Matches(*doc); }), 0) << json;
    (void)matched;
  }
}

TEST_F(AllocationTest, SortLessDoesNotAllocate) {
  auto spec = SortSpec::Compile(*Doc(R"({"room": 1, "ts": -1, "tags": 1})"));
  ASSERT_TRUE(spec.has_value());
  common::BsonPtr a = Doc(R"({"room": "a", "ts": 5, "tags": [3, 1]})");
  common::BsonPtr b = Doc(R"({"room": "a", "ts": 5, "tags": [2]})");
  bool less = false;
  EXPECT_EQ(CountAllocations([&] { less = spec->Less(*a, *b); }), 0);
  EXPECT_TRUE(less);
}

}  // namespace
}  // namespace devmongod::query
