// The journal: data, indexes, change history and retryable writes survive a
// reopen; torn tails are tolerated; the dbpath is locked.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>

#include "engine_test_support.h"

namespace devmongod::testing {
namespace {

class PersistenceTest : public EngineTest {
 protected:
  void SetUp() override {
    options_.advertise = "localhost:27017";
    options_.dbpath = MakeDbPath();
    Open();
  }
  static uint64_t SeqOf(const std::string& token) {
    return std::stoull(token.substr(18, 16), nullptr, 16);
  }
};

TEST_F(PersistenceTest, DataIndexesAndResumeTokensSurviveReopen) {
  int64_t stream =
      Int(*Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {}}]})"),
          "cursor.id");
  Ok("db",
     R"({"createIndexes": "c", "indexes": [{"key": {"u": 1}, "name": "u_1", "unique": true}]})");
  Ok("db",
     R"({"insert": "c", "documents": [{"_id": 1, "u": 1}, {"_id": 2, "u": 2}, {"_id": 3, "u": 3}]})");
  Ok("db", R"({"delete": "c", "deletes": [{"q": {"_id": 2}, "limit": 1}]})");
  Ok("db", R"({"insert": "gone", "documents": [{"_id": 1}]})");
  Ok("db", R"({"drop": "gone"})");
  engine_->BeforeReplies();
  Outcome events = Run("db", R"({"getMore": )" + Long(stream) + R"(, "collection": "c"})");
  ASSERT_EQ(events.kind, Outcome::Kind::kReply);
  std::vector<common::BsonPtr> before = Batch(*events.reply);
  ASSERT_EQ(before.size(), 4u);  // 3 inserts + 1 delete
  const std::string last_token = Str(*before[3], "_id._data");

  wall_ms_ += 60'000;
  Open();
  common::BsonPtr docs = Ok("db", R"({"find": "c", "sort": {"_id": 1}})");
  std::vector<common::BsonPtr> found = Batch(*docs);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(Int(*found[0], "_id"), 1);
  EXPECT_EQ(Int(*found[1], "_id"), 3);
  EXPECT_EQ(Int(*Ok("db", R"({"count": "gone"})"), "n"), 0);
  EXPECT_EQ(
      Int(*Ok("db", R"({"insert": "c", "documents": [{"_id": 4, "u": 1}]})"), "writeErrors.0.code"),
      11000);

  Ok("db", R"({"insert": "c", "documents": [{"_id": 5, "u": 5}]})");

  // Resume from before the restart: exactly the events after the token (the
  // "gone" collection is out of scope, the refused insert made no event).
  common::BsonPtr resumed =
      Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream":
      {"resumeAfter": {"_data": ")" +
                   last_token + R"("}}}]})");
  std::vector<common::BsonPtr> after = Batch(*resumed);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(Str(*after[0], "operationType"), "insert");
  EXPECT_EQ(Int(*after[0], "documentKey._id"), 5);
}

// A high-water mark names a cluster time: after a restart it still resumes
// with exactly the events written after it was handed out.
TEST_F(PersistenceTest, HighWaterMarkTokenResumesAfterReopen) {
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1}]})");
  common::BsonPtr opened =
      Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {}}]})");
  const std::string mark = Str(*opened, "cursor.postBatchResumeToken._data");
  ASSERT_EQ(mark.substr(34), "02");
  Ok("db", R"({"insert": "c", "documents": [{"_id": 2}]})");
  engine_->BeforeReplies();
  wall_ms_ += 60'000;
  Open();
  Ok("db", R"({"insert": "c", "documents": [{"_id": 3}]})");
  common::BsonPtr resumed = Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [
      {"$changeStream": {"resumeAfter": {"_data": ")" +
                                         mark + R"("}}}]})");
  std::vector<common::BsonPtr> events = Batch(*resumed);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(Int(*events[0], "documentKey._id"), 2);
  EXPECT_EQ(Int(*events[1], "documentKey._id"), 3);
}

TEST_F(PersistenceTest, SequenceContinuesAfterReopen) {
  int64_t stream =
      Int(*Ok("db", R"({"aggregate": 1, "cursor": {}, "pipeline": [{"$changeStream": {}}]})"),
          "cursor.id");
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1}, {"_id": 2}]})");
  common::BsonPtr first = std::move(
      Run("db", R"({"getMore": )" + Long(stream) + R"(, "collection": "$cmd.aggregate"})").reply);
  std::vector<common::BsonPtr> events = Batch(*first);
  ASSERT_EQ(events.size(), 2u);
  const std::string token = Str(*events[1], "_id._data");
  Open();
  Ok("db", R"({"insert": "c", "documents": [{"_id": 3}]})");
  common::BsonPtr resumed =
      Ok("db", R"({"aggregate": 1, "cursor": {}, "pipeline": [{"$changeStream":
      {"resumeAfter": {"_data": ")" +
                   token + R"("}}}]})");
  std::vector<common::BsonPtr> next = Batch(*resumed);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(Int(*next[0], "documentKey._id"), 3);
  EXPECT_EQ(SeqOf(Str(*next[0], "_id._data")), SeqOf(token) + 1);
  EXPECT_GT(Str(*next[0], "_id._data"), token);  // cluster time moved forward too
}

TEST_F(PersistenceTest, RetryableWriteTableSurvivesReopen) {
  const std::string cmd = R"({"insert": "c", "documents": [{"_id": 1}],
      "lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAg==", "subType": "04"}}},
      "txnNumber": {"$numberLong": "3"}})";
  EXPECT_EQ(Int(*Ok("db", cmd), "n"), 1);
  Open();
  common::BsonPtr again = Ok("db", cmd);
  EXPECT_EQ(Int(*again, "n"), 1);
  EXPECT_FALSE(Has(*again, "writeErrors"));
}

TEST_F(PersistenceTest, TornTailIsDroppedAndTheRestKept) {
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1}, {"_id": 2}]})");
  engine_.reset();
  {
    std::ofstream journal(options_.dbpath + "/journal.bin", std::ios::app | std::ios::binary);
    journal.write("\x40\x00\x00\x00\x01\x02\x03\x04partial", 15);
  }
  Open();
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 2);
  Ok("db", R"({"insert": "c", "documents": [{"_id": 3}]})");
  Open();
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 3);
}

TEST_F(PersistenceTest, SecondEngineOnALockedDbpathFails) {
  auto second = OpenAnother();
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().find("in use by another devmongod"), std::string::npos)
      << second.error();
  engine_.reset();
  auto third = OpenAnother();
  EXPECT_TRUE(third.has_value());
}

// 4 x 13 MiB in one insert is more than one journal record may hold: the
// insert is journaled in chunks and replays whole.
TEST_F(PersistenceTest, HugeInsertIsJournaledInChunks) {
  const std::string blob(13 * 1024 * 1024, 'x');
  common::BsonPtr command = common::NewBson();
  BSON_APPEND_UTF8(command.get(), "insert", "big");
  bson_t docs;
  bson_append_array_begin(command.get(), "documents", -1, &docs);
  for (int i = 0; i < 4; ++i) {
    bson_t doc;
    std::string key = std::to_string(i);
    bson_append_document_begin(&docs, key.c_str(), -1, &doc);
    BSON_APPEND_INT32(&doc, "_id", i);
    bson_append_utf8(&doc, "blob", 4, blob.data(), static_cast<int>(blob.size()));
    bson_append_document_end(&docs, &doc);
  }
  bson_append_array_end(command.get(), &docs);
  Outcome outcome = RunCommand("db", std::move(command));
  ASSERT_EQ(outcome.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Int(*outcome.reply, "n"), 4) << Str(*outcome.reply, "errmsg");
  Open();
  EXPECT_EQ(Int(*Ok("db", R"({"count": "big"})"), "n"), 4);
  Ok("db", R"({"insert": "big", "documents": [{"_id": 9}]})");
}

TEST_F(PersistenceTest, CompactionKeepsStateHistoryAndRetryableWrites) {
  options_.compact_min_bytes = 1;
  options_.oplog_entries = 50;
  Open();
  const std::string journal = options_.dbpath + "/journal.bin";
  Ok("db",
     R"({"createIndexes": "c", "indexes": [{"key": {"u": 1}, "name": "u_1", "unique": true}]})");
  int64_t early =
      Int(*Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {}}]})"),
          "cursor.id");
  const std::string pad(1024, 'p');
  for (int i = 0; i < 200; ++i) {
    Ok("db", R"({"insert": "c", "documents": [{"_id": )" + std::to_string(i) + R"(, "u": )" +
                 std::to_string(i) + R"(, "pad": ")" + pad + R"("}]})");
  }
  Outcome first =
      Run("db", R"({"getMore": )" + Long(early) + R"(, "collection": "c", "batchSize": 1})");
  ASSERT_EQ(first.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Int(*first.reply, "code"), 286);  // 200 events > 50 kept
  Ok("db", R"({"delete": "c", "deletes": [{"q": {"_id": {"$lt": 190}}, "limit": 0}]})");
  Ok("db", R"({"insert": "gone", "documents": [{"_id": 1}]})");
  Ok("db", R"({"drop": "gone"})");
  int64_t late =
      Int(*Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {}}]})"),
          "cursor.id");
  const std::string retry = R"({"insert": "c", "documents": [{"_id": 500, "u": 500}],
      "lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAw==", "subType": "04"}}},
      "txnNumber": {"$numberLong": "1"}})";
  Ok("db", retry);
  Outcome events = Run("db", R"({"getMore": )" + Long(late) + R"(, "collection": "c"})");
  ASSERT_EQ(events.kind, Outcome::Kind::kReply);
  std::vector<common::BsonPtr> batch = Batch(*events.reply);
  ASSERT_EQ(batch.size(), 1u);
  const std::string token = Str(*batch[0], "_id._data");
  engine_.reset();
  const auto size_before = std::filesystem::file_size(journal);

  Open();
  const auto size_after = std::filesystem::file_size(journal);
  EXPECT_LT(size_after * 3, size_before) << size_before << " -> " << size_after;
  for (int reopen = 0; reopen < 2; ++reopen) {
    EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 11);
    EXPECT_EQ(Int(*Ok("db", R"({"count": "gone"})"), "n"), 0);
    common::BsonPtr again = Ok("db", retry);
    EXPECT_FALSE(Has(*again, "writeErrors"));
    EXPECT_EQ(Int(*Ok("db", R"({"insert": "c", "documents": [{"u": 195}]})"), "writeErrors.0.code"),
              11000);
    common::BsonPtr resumed =
        Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream":
        {"resumeAfter": {"_data": ")" +
                     token + R"("}}}]})");
    EXPECT_TRUE(Batch(*resumed).empty());
    Open();  // the second round replays the compacted journal (no new compaction: it is small)
  }
  Ok("db", R"({"insert": "c", "documents": [{"_id": 600, "u": 600}]})");
  common::BsonPtr resumed =
      Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream":
      {"resumeAfter": {"_data": ")" +
                   token + R"("}}}]})");
  std::vector<common::BsonPtr> next = Batch(*resumed);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(SeqOf(Str(*next[0], "_id._data")), SeqOf(token) + 1);
  EXPECT_EQ(Int(*next[0], "documentKey._id"), 600);
}

// A journal write that fails (here: the file-size limit) is never
// acknowledged, and the engine refuses further writes instead of
// acknowledging what it cannot make durable. Reads keep working.
TEST_F(PersistenceTest, JournalWriteFailureRefusesWrites) {
  int64_t stream =
      Int(*Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream": {}}]})"),
          "cursor.id");
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1}]})");
  Outcome first = Run("db", R"({"getMore": )" + Long(stream) + R"(, "collection": "c"})");
  ASSERT_EQ(first.kind, Outcome::Kind::kReply);
  const std::string token = ToJson(*Doc(*Batch(*first.reply)[0], "_id"));
  const uint64_t version = engine_->ChangeVersion();
  const auto size = std::filesystem::file_size(options_.dbpath + "/journal.bin");
  struct rlimit original;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &original), 0);
  struct sigaction ignore = {}, previous = {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGXFSZ, &ignore, &previous), 0);
  struct rlimit limited = original;
  limited.rlim_cur = size + 16;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
  Outcome failed = Run(
      "db",
      R"({"insert": "c", "documents": [{"_id": 2, "pad": "0123456789012345678901234567890123456789"}]})");
  Outcome refused = Run("db", R"({"insert": "c", "documents": [{"_id": 3}]})");
  setrlimit(RLIMIT_FSIZE, &original);
  sigaction(SIGXFSZ, &previous, nullptr);
  ASSERT_EQ(failed.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Double(*failed.reply, "ok"), 0.0);
  EXPECT_EQ(Int(*failed.reply, "code"), 1);
  ASSERT_EQ(refused.kind, Outcome::Kind::kReply);
  EXPECT_EQ(Int(*refused.reply, "code"), 1);
  Fails("db", R"({"create": "d"})", 1);
  // Memory matches the journal: the failed document is not visible and no
  // change event was published for it.
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 1);
  EXPECT_EQ(engine_->ChangeVersion(), version);
  EXPECT_TRUE(Batch(*Ok("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$changeStream":
      {"resumeAfter": )" + token + "}}]}"))
                  .empty());

  // After a restart only the acknowledged document is there.
  Open();
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 1);
  Ok("db", R"({"insert": "c", "documents": [{"_id": 2}]})");
}

TEST_F(PersistenceTest, FsyncPolicies) {
  for (auto policy : {EngineOptions::Fsync::kAlways, EngineOptions::Fsync::kInterval,
                      EngineOptions::Fsync::kNever}) {
    options_.fsync = policy;
    Open();
    Ok("db", R"({"insert": "p", "documents": [{}]})");
    engine_->BeforeReplies();
    mono_ms_ += 1000;
    engine_->OnTick(mono_ms_);
  }
  Open();
  EXPECT_EQ(Int(*Ok("db", R"({"count": "p"})"), "n"), 3);
}

}  // namespace
}  // namespace devmongod::testing
