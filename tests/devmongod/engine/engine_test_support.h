// Test fixture for the devmongod engine: opens an engine in-process, runs
// commands written as (canonical extended) JSON through Execute with a fake
// clock, and reads reply fields by dotted path.
// Thread-safety: tests are single-threaded.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/bson_ptr.h"
#include "devmongod/engine/engine.h"

namespace devmongod::testing {

common::BsonPtr Json(const std::string& json);

// Reply field access by dotted path ("cursor.firstBatch.0.x").
bool Has(const bson_t& doc, const std::string& path);
bson_type_t TypeOf(const bson_t& doc, const std::string& path);
int64_t Int(const bson_t& doc, const std::string& path);
double Double(const bson_t& doc, const std::string& path);
bool Bool(const bson_t& doc, const std::string& path);
std::string Str(const bson_t& doc, const std::string& path);
common::BsonPtr Doc(const bson_t& doc, const std::string& path);
// The documents of cursor.firstBatch or cursor.nextBatch.
std::vector<common::BsonPtr> Batch(const bson_t& reply);
// Extended JSON of a document, for comparisons and messages.
std::string ToJson(const bson_t& doc);
// {"$numberLong": "<id>"}, for splicing cursor ids into JSON commands.
std::string Long(int64_t value);

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // (Re)opens the engine with `options_`.
  void Open();
  std::expected<std::unique_ptr<CommandHandler>, std::string> OpenAnother();
  // A fresh dbpath under /tmp, removed in TearDown.
  std::string MakeDbPath();

  Outcome Run(const std::string& db, const std::string& json, uint64_t connection = 1,
              bool deadline_passed = false, bool failpoint_applied = false);
  Outcome RunCommand(const std::string& db, common::BsonPtr command, uint64_t connection = 1);
  // Runs and expects {ok: 1}; returns the reply (an empty document on failure).
  common::BsonPtr Ok(const std::string& db, const std::string& json, uint64_t connection = 1);
  // Runs and expects {ok: 0, code}; returns the reply.
  common::BsonPtr Fails(const std::string& db, const std::string& json, int32_t code,
                        uint64_t connection = 1);

  EngineOptions options_;
  std::unique_ptr<CommandHandler> engine_;
  int64_t wall_ms_ = 1'700'000'000'000;
  int64_t mono_ms_ = 5'000'000;
  std::vector<std::string> temp_dirs_;
};

}  // namespace devmongod::testing
