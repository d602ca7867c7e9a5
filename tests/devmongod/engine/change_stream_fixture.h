// The fixture of the change-stream engine tests: opening streams, getMores
// that must answer now, inserts, and reading tokens and ids from replies.
// Thread-safety: tests are single-threaded.
#pragma once

#include <string>
#include <vector>

#include "engine_test_support.h"

namespace devmongod::testing {

class ChangeStreamTest : public EngineTest {
 protected:
  // Opens a stream; returns the aggregate reply.
  common::BsonPtr Open(const std::string& db, const std::string& target,
                       const std::string& stage_options = "{}",
                       const std::string& more_stages = "") {
    return Ok(db, R"({"aggregate": )" + target +
                      R"(, "cursor": {}, "pipeline": [{"$changeStream": )" + stage_options + "}" +
                      more_stages + "]}");
  }
  Outcome GetMore(const std::string& db, int64_t id, const std::string& coll,
                  bool deadline_passed = false, uint64_t connection = 1) {
    return Run(
        db,
        R"({"getMore": )" + Long(id) + R"(, "collection": ")" + coll + R"(", "maxTimeMS": 500})",
        connection, deadline_passed);
  }
  // A getMore that must answer now (deadline passed if nothing is there).
  common::BsonPtr Next(const std::string& db, int64_t id, const std::string& coll) {
    Outcome outcome = GetMore(db, id, coll);
    if (outcome.kind == Outcome::Kind::kWait) outcome = GetMore(db, id, coll, true);
    EXPECT_EQ(outcome.kind, Outcome::Kind::kReply);
    return outcome.reply ? std::move(outcome.reply) : common::NewBson();
  }
  void Insert(const std::string& db, const std::string& coll, const std::string& docs) {
    Ok(db, R"({"insert": ")" + coll + R"(", "documents": [)" + docs + "]}");
  }
  static std::string TokenOf(const bson_t& doc, const std::string& path) {
    return Str(doc, path + "._data");
  }
  // The token document at `path` as JSON, for splicing into commands.
  static std::string TokenJson(const bson_t& doc, const std::string& path) {
    return ToJson(*Doc(doc, path));
  }
  static std::vector<int64_t> Ids(const bson_t& reply) {
    std::vector<int64_t> ids;
    for (const auto& event : Batch(reply)) ids.push_back(Int(*event, "documentKey._id"));
    return ids;
  }
};

}  // namespace devmongod::testing
