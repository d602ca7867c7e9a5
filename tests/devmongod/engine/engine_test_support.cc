#include "engine_test_support.h"

#include <stdlib.h>

#include <filesystem>

#include "devmongod/wire/wire_message.h"

namespace devmongod::testing {
namespace {

bool Find(const bson_t& doc, const std::string& path, bson_iter_t* out) {
  bson_iter_t iter;
  return bson_iter_init(&iter, &doc) && bson_iter_find_descendant(&iter, path.c_str(), out);
}

}  // namespace

common::BsonPtr Json(const std::string& json) {
  bson_error_t error;
  common::BsonPtr doc(bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                         static_cast<ssize_t>(json.size()), &error));
  if (!doc) {
    ADD_FAILURE() << "bad test JSON: " << error.message << " in " << json;
    return common::NewBson();
  }
  return doc;
}

bool Has(const bson_t& doc, const std::string& path) {
  bson_iter_t iter;
  return Find(doc, path, &iter);
}

bson_type_t TypeOf(const bson_t& doc, const std::string& path) {
  bson_iter_t iter;
  return Find(doc, path, &iter) ? bson_iter_type(&iter) : BSON_TYPE_EOD;
}

int64_t Int(const bson_t& doc, const std::string& path) {
  bson_iter_t iter;
  if (!Find(doc, path, &iter)) {
    ADD_FAILURE() << "no field " << path << " in " << ToJson(doc);
    return INT64_MIN;
  }
  if (BSON_ITER_HOLDS_DATE_TIME(&iter)) return bson_iter_date_time(&iter);
  return bson_iter_as_int64(&iter);
}

double Double(const bson_t& doc, const std::string& path) {
  bson_iter_t iter;
  if (!Find(doc, path, &iter)) {
    ADD_FAILURE() << "no field " << path << " in " << ToJson(doc);
    return -1;
  }
  return bson_iter_as_double(&iter);
}

bool Bool(const bson_t& doc, const std::string& path) {
  bson_iter_t iter;
  if (!Find(doc, path, &iter) || !BSON_ITER_HOLDS_BOOL(&iter)) {
    ADD_FAILURE() << "no bool " << path << " in " << ToJson(doc);
    return false;
  }
  return bson_iter_bool(&iter);
}

std::string Str(const bson_t& doc, const std::string& path) {
  bson_iter_t iter;
  if (!Find(doc, path, &iter) || !BSON_ITER_HOLDS_UTF8(&iter)) {
    ADD_FAILURE() << "no string " << path << " in " << ToJson(doc);
    return {};
  }
  return bson_iter_utf8(&iter, nullptr);
}

common::BsonPtr Doc(const bson_t& doc, const std::string& path) {
  bson_iter_t iter;
  if (!Find(doc, path, &iter) ||
      !(BSON_ITER_HOLDS_DOCUMENT(&iter) || BSON_ITER_HOLDS_ARRAY(&iter))) {
    ADD_FAILURE() << "no document " << path << " in " << ToJson(doc);
    return common::NewBson();
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  if (BSON_ITER_HOLDS_DOCUMENT(&iter)) {
    bson_iter_document(&iter, &len, &data);
  } else {
    bson_iter_array(&iter, &len, &data);
  }
  return common::BsonFromData(data, len);
}

std::vector<common::BsonPtr> Batch(const bson_t& reply) {
  const char* name = Has(reply, "cursor.firstBatch") ? "cursor.firstBatch" : "cursor.nextBatch";
  common::BsonPtr array = Doc(reply, name);
  std::vector<common::BsonPtr> docs;
  bson_iter_t iter;
  bson_iter_init(&iter, array.get());
  while (bson_iter_next(&iter)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&iter, &len, &data);
    docs.push_back(common::BsonFromData(data, len));
  }
  return docs;
}

std::string ToJson(const bson_t& doc) {
  common::BsonString s(bson_as_canonical_extended_json(&doc, nullptr));
  return s ? s.get() : "<invalid>";
}

std::string Long(int64_t value) { return R"({"$numberLong": ")" + std::to_string(value) + "\"}"; }

void EngineTest::SetUp() {
  options_.advertise = "localhost:27017";
  Open();
}

void EngineTest::TearDown() {
  engine_.reset();
  for (const std::string& dir : temp_dirs_) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
}

void EngineTest::Open() {
  engine_.reset();  // releases a dbpath lock before reopening
  auto opened = OpenEngine(options_, wall_ms_);
  ASSERT_TRUE(opened.has_value()) << opened.error();
  engine_ = std::move(*opened);
}

std::expected<std::unique_ptr<CommandHandler>, std::string> EngineTest::OpenAnother() {
  return OpenEngine(options_, wall_ms_);
}

std::string EngineTest::MakeDbPath() {
  char pattern[] = "/tmp/devmongod-engine-test-XXXXXX";
  const char* dir = mkdtemp(pattern);
  if (dir == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return "/nonexistent";
  }
  temp_dirs_.emplace_back(dir);
  return dir;
}

Outcome EngineTest::RunCommand(const std::string& db, common::BsonPtr command,
                               uint64_t connection) {
  wire::Request request;
  request.header.op_code = wire::kOpMsg;
  request.database = db;
  request.command = std::move(command);
  ExecContext ctx;
  ctx.connection_id = connection;
  ctx.now_wall_ms = wall_ms_;
  ctx.now_mono_ms = mono_ms_;
  return engine_->Execute(request, ctx);
}

Outcome EngineTest::Run(const std::string& db, const std::string& json, uint64_t connection,
                        bool deadline_passed, bool failpoint_applied) {
  wire::Request request;
  request.header.op_code = wire::kOpMsg;
  request.database = db;
  request.command = Json(json);
  ExecContext ctx;
  ctx.connection_id = connection;
  ctx.now_wall_ms = wall_ms_;
  ctx.now_mono_ms = mono_ms_;
  ctx.deadline_passed = deadline_passed;
  ctx.failpoint_applied = failpoint_applied;
  return engine_->Execute(request, ctx);
}

common::BsonPtr EngineTest::Ok(const std::string& db, const std::string& json,
                               uint64_t connection) {
  Outcome outcome = Run(db, json, connection);
  if (outcome.kind != Outcome::Kind::kReply || !outcome.reply) {
    ADD_FAILURE() << "no reply for " << json;
    return common::NewBson();
  }
  EXPECT_EQ(Double(*outcome.reply, "ok"), 1.0) << json << " -> " << ToJson(*outcome.reply);
  return std::move(outcome.reply);
}

common::BsonPtr EngineTest::Fails(const std::string& db, const std::string& json, int32_t code,
                                  uint64_t connection) {
  Outcome outcome = Run(db, json, connection);
  if (outcome.kind != Outcome::Kind::kReply || !outcome.reply) {
    ADD_FAILURE() << "no reply for " << json;
    return common::NewBson();
  }
  EXPECT_EQ(Double(*outcome.reply, "ok"), 0.0) << json << " -> " << ToJson(*outcome.reply);
  EXPECT_EQ(Int(*outcome.reply, "code"), code) << json << " -> " << ToJson(*outcome.reply);
  EXPECT_TRUE(Has(*outcome.reply, "codeName"));
  EXPECT_TRUE(Has(*outcome.reply, "errmsg"));
  EXPECT_EQ(TypeOf(*outcome.reply, "operationTime"), BSON_TYPE_TIMESTAMP);
  return std::move(outcome.reply);
}

}  // namespace devmongod::testing
