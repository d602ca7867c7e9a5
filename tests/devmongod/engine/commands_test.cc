// Handshake, CRUD and catalog commands through Execute.
#include <gtest/gtest.h>

#include "engine_test_support.h"

namespace devmongod::testing {
namespace {

using CommandsTest = EngineTest;

TEST_F(CommandsTest, HelloHasDriverCheckedFieldsAndTypes) {
  for (const char* name : {"hello", "isMaster", "ismaster"}) {
    common::BsonPtr r = Ok("admin", std::string(R"({")") + name + R"(": 1, "helloOk": true})", 7);
    EXPECT_TRUE(Bool(*r, "ismaster"));
    EXPECT_TRUE(Bool(*r, "isWritablePrimary"));
    EXPECT_FALSE(Bool(*r, "secondary"));
    EXPECT_TRUE(Bool(*r, "helloOk"));
    EXPECT_EQ(Str(*r, "setName"), "rs0");
    EXPECT_EQ(TypeOf(*r, "setVersion"), BSON_TYPE_INT32);
    EXPECT_EQ(TypeOf(*r, "electionId"), BSON_TYPE_OID);
    EXPECT_EQ(Str(*r, "hosts.0"), "localhost:27017");
    EXPECT_EQ(Str(*r, "primary"), "localhost:27017");
    EXPECT_EQ(Str(*r, "me"), "localhost:27017");
    for (const char* field : {"minWireVersion", "maxWireVersion", "maxBsonObjectSize",
                              "maxMessageSizeBytes", "maxWriteBatchSize", "connectionId"}) {
      EXPECT_EQ(TypeOf(*r, field), BSON_TYPE_INT32) << field;
    }
    EXPECT_EQ(Int(*r, "maxWireVersion"), 17);
    EXPECT_EQ(Int(*r, "minWireVersion"), 0);
    EXPECT_EQ(Int(*r, "maxBsonObjectSize"), 16777216);
    EXPECT_EQ(Int(*r, "maxMessageSizeBytes"), 48000000);
    EXPECT_EQ(Int(*r, "maxWriteBatchSize"), 100000);
    EXPECT_EQ(Int(*r, "connectionId"), 7);
    EXPECT_EQ(Int(*r, "logicalSessionTimeoutMinutes"), 30);
    EXPECT_EQ(TypeOf(*r, "localTime"), BSON_TYPE_DATE_TIME);
    EXPECT_FALSE(Bool(*r, "readOnly"));
    EXPECT_EQ(TypeOf(*r, "lastWrite.opTime.ts"), BSON_TYPE_TIMESTAMP);
    EXPECT_EQ(TypeOf(*r, "lastWrite.opTime.t"), BSON_TYPE_INT64);
    EXPECT_EQ(TypeOf(*r, "lastWrite.lastWriteDate"), BSON_TYPE_DATE_TIME);
    EXPECT_EQ(TypeOf(*r, "lastWrite.majorityWriteDate"), BSON_TYPE_DATE_TIME);
    EXPECT_FALSE(Has(*r, "topologyVersion"));
    EXPECT_FALSE(Has(*r, "compression"));
    EXPECT_EQ(TypeOf(*r, "operationTime"), BSON_TYPE_TIMESTAMP);
    EXPECT_EQ(TypeOf(*r, "$clusterTime.clusterTime"), BSON_TYPE_TIMESTAMP);
    EXPECT_EQ(TypeOf(*r, "$clusterTime.signature.hash"), BSON_TYPE_BINARY);
    EXPECT_EQ(TypeOf(*r, "$clusterTime.signature.keyId"), BSON_TYPE_INT64);
  }
}

TEST_F(CommandsTest, HelloOverOpQueryWorksToo) {
  wire::Request request;
  request.header.op_code = wire::kOpQuery;
  request.full_collection_name = "admin.$cmd";
  request.database = "admin";
  request.command = Json(R"({"isMaster": 1})");
  ExecContext ctx;
  ctx.connection_id = 3;
  Outcome outcome = engine_->Execute(request, ctx);
  ASSERT_EQ(outcome.kind, Outcome::Kind::kReply);
  EXPECT_TRUE(Bool(*outcome.reply, "ismaster"));
}

TEST_F(CommandsTest, UnknownCommandIsCommandNotFound) {
  common::BsonPtr r = Fails("db", R"({"frobnicate": 1})", 59);
  EXPECT_EQ(Str(*r, "codeName"), "CommandNotFound");
  EXPECT_EQ(Str(*r, "errmsg"), "no such command: 'frobnicate'");
}

TEST_F(CommandsTest, BadArgumentTypesAreErrorsNamingTheField) {
  common::BsonPtr r = Fails("db", R"({"insert": "c", "documents": 5})", 14);
  EXPECT_NE(Str(*r, "errmsg").find("documents"), std::string::npos);
  Fails("db", R"({"insert": 5, "documents": []})", 73);
  Fails("db", R"({"find": "c", "filter": "x"})", 14);
  Fails("db", R"({"find": "c", "limit": "x"})", 14);
  Fails("db", R"({"find": "c", "skip": -1})", 2);
  Fails("db", R"({"find": "c", "batchSize": 1.5})", 14);
  Fails("db", R"({"getMore": "x", "collection": "c"})", 14);
  Fails("db", R"({"getMore": {"$numberLong": "1"}})", 9);
  Fails("db", R"({"delete": "c", "deletes": [{"q": {}, "limit": 5}]})", 2);
  Fails("db", R"({"insert": "c"})", 9);
  Fails("db", R"({"aggregate": "c", "pipeline": []})", 9);
  Fails("db", R"({"createIndexes": "c", "indexes": [{"name": "x"}]})", 9);
}

TEST_F(CommandsTest, InsertFindRoundTripWithSortSkipLimitProjection) {
  common::BsonPtr r = Ok("db", R"({"insert": "c", "documents": [
      {"_id": 1, "x": 3, "y": "a"}, {"_id": 2, "x": 1, "y": "b"}, {"_id": 3, "x": 2, "y": "c"},
      {"_id": 4, "x": 5, "y": "d"}]})");
  EXPECT_EQ(Int(*r, "n"), 4);
  EXPECT_FALSE(Has(*r, "writeErrors"));

  r = Ok("db", R"({"find": "c", "filter": {"x": {"$gte": 2}}, "sort": {"x": -1},
                   "skip": 1, "limit": 2, "projection": {"y": 1, "_id": 0}})");
  EXPECT_EQ(Str(*r, "cursor.ns"), "db.c");
  EXPECT_EQ(TypeOf(*r, "cursor.id"), BSON_TYPE_INT64);
  EXPECT_EQ(Int(*r, "cursor.id"), 0);
  std::vector<common::BsonPtr> docs = Batch(*r);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(ToJson(*docs[0]), R"({ "y" : "a" })");
  EXPECT_EQ(ToJson(*docs[1]), R"({ "y" : "c" })");
}

TEST_F(CommandsTest, SortWithLimitKeepsNaturalOrderForTies) {
  Ok("db",
     R"({"insert": "c", "documents": [{"_id": 1, "k": 2}, {"_id": 2, "k": 1}, {"_id": 3, "k": 2},
      {"_id": 4, "k": 1}, {"_id": 5, "k": 0}, {"_id": 6, "k": 2}]})");
  std::vector<int64_t> ids;
  for (const auto& d :
       Batch(*Ok("db", R"({"find": "c", "sort": {"k": -1}, "skip": 1, "limit": 3})"))) {
    ids.push_back(Int(*d, "_id"));
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{3, 6, 2}));
  ids.clear();
  for (const auto& d : Batch(*Ok("db", R"({"find": "c", "sort": {"k": 1}})")))
    ids.push_back(Int(*d, "_id"));
  EXPECT_EQ(ids, (std::vector<int64_t>{5, 2, 4, 1, 3, 6}));
}

// Index-assisted equality lookups must give exactly what a full scan gives:
// same documents, same (natural) order, for find, count and delete.
TEST_F(CommandsTest, IndexedEqualityMatchesAFullScan) {
  Ok("db",
     R"({"createIndexes": "indexed", "indexes": [{"key": {"room": 1, "_id": -1}, "name": "room"},
      {"key": {"n": 1}, "name": "n"}]})");
  std::string docs;
  const char* rooms[] = {R"("a")", R"("b")", "1", "1.0", R"({"$numberLong": "1"})", "null", "true"};
  for (int i = 0; i < 140; ++i) {
    if (i) docs += ",";
    docs += R"({"_id": )" + std::to_string((i * 37) % 140) + R"(, "room": )" + rooms[i % 7] +
            R"(, "n": )" + std::to_string(i % 3) + R"(, "x": )" + std::to_string(i % 2) + "}";
  }
  docs += R"(, {"_id": 1000, "n": 1})";  // no room at all
  for (const char* coll : {"indexed", "plain"}) {
    Ok("db", std::string(R"({"insert": ")") + coll + R"(", "documents": [)" + docs + "]}");
  }
  auto ids = [&](const std::string& coll, const std::string& filter, const std::string& extra) {
    std::vector<int64_t> out;
    common::BsonPtr r = Ok("db", R"({"find": ")" + coll + R"(", "filter": )" + filter +
                                     R"(, "batchSize": 1000)" + extra + "}");
    for (const auto& d : Batch(*r)) out.push_back(Int(*d, "_id"));
    return out;
  };
  for (const std::string filter :
       {R"({"room": "a"})", R"({"room": 1})", R"({"room": 1.0})", R"({"room": true})",
        R"({"room": "a", "x": 1})", R"({"x": 0, "room": "b"})", R"({"room": null})",
        R"({"room": "zzz"})", R"({"n": 2})", R"({"n": {"$numberLong": "1"}})", R"({"_id": 5})",
        R"({"_id": 5, "room": "b"})"}) {
    EXPECT_EQ(ids("indexed", filter, ""), ids("plain", filter, "")) << filter;
    EXPECT_EQ(ids("indexed", filter, R"(, "sort": {"_id": -1}, "limit": 3)"),
              ids("plain", filter, R"(, "sort": {"_id": -1}, "limit": 3)"))
        << filter;
    EXPECT_EQ(Int(*Ok("db", R"({"count": "indexed", "query": )" + filter + "}"), "n"),
              Int(*Ok("db", R"({"count": "plain", "query": )" + filter + "}"), "n"))
        << filter;
  }
  EXPECT_FALSE(ids("indexed", R"({"room": "a"})", "").empty());
  for (const char* coll : {"indexed", "plain"}) {
    Ok("db",
       std::string(R"({"delete": ")") + coll +
           R"(", "deletes": [{"q": {"room": "a"}, "limit": 1}, {"q": {"room": 1, "x": 0}, "limit": 0}]})");
  }
  EXPECT_EQ(ids("indexed", R"({"room": "a"})", ""), ids("plain", R"({"room": "a"})", ""));
  EXPECT_EQ(ids("indexed", R"({"room": 1})", ""), ids("plain", R"({"room": 1})", ""));
  // An array value makes the index multikey: lookups fall back to scanning,
  // so array elements still match.
  Ok("db", R"({"insert": "indexed", "documents": [{"_id": 2000, "room": ["a", "q"]}]})");
  std::vector<int64_t> with_array = ids("indexed", R"({"room": "q"})", "");
  EXPECT_EQ(with_array, std::vector<int64_t>{2000});
}

TEST_F(CommandsTest, InsertGeneratesObjectIdFirst) {
  Ok("db", R"({"insert": "c", "documents": [{"a": 1}]})");
  common::BsonPtr r = Ok("db", R"({"find": "c"})");
  std::vector<common::BsonPtr> docs = Batch(*r);
  ASSERT_EQ(docs.size(), 1u);
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init(&iter, docs[0].get()) && bson_iter_next(&iter));
  EXPECT_STREQ(bson_iter_key(&iter), "_id");
  EXPECT_EQ(bson_iter_type(&iter), BSON_TYPE_OID);
}

TEST_F(CommandsTest, BatchSizeAndGetMoreWalkTheWholeResult) {
  std::string docs;
  for (int i = 0; i < 25; ++i)
    docs += (i ? "," : "") + std::string(R"({"_id": )") + std::to_string(i) + "}";
  Ok("db", R"({"insert": "c", "documents": [)" + docs + "]}");
  common::BsonPtr r = Ok("db", R"({"find": "c", "batchSize": 10, "sort": {"_id": 1}})");
  int64_t id = Int(*r, "cursor.id");
  ASSERT_NE(id, 0);
  std::vector<int64_t> seen;
  for (const auto& d : Batch(*r)) seen.push_back(Int(*d, "_id"));
  while (id != 0) {
    r = Ok("db", R"({"getMore": )" + Long(id) + R"(, "collection": "c", "batchSize": 10})");
    for (const auto& d : Batch(*r)) seen.push_back(Int(*d, "_id"));
    EXPECT_TRUE(Has(*r, "cursor.nextBatch"));
    id = Int(*r, "cursor.id");
  }
  ASSERT_EQ(seen.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(seen[i], i);
}

TEST_F(CommandsTest, DefaultBatchIs101AndNegativeLimitIsSingleBatch) {
  std::string docs;
  for (int i = 0; i < 150; ++i)
    docs += (i ? "," : "") + std::string(R"({"_id": )") + std::to_string(i) + "}";
  Ok("db", R"({"insert": "c", "documents": [)" + docs + "]}");
  common::BsonPtr r = Ok("db", R"({"find": "c"})");
  EXPECT_EQ(Batch(*r).size(), 101u);
  EXPECT_NE(Int(*r, "cursor.id"), 0);
  r = Ok("db", R"({"find": "c", "limit": -5})");
  EXPECT_EQ(Batch(*r).size(), 5u);
  EXPECT_EQ(Int(*r, "cursor.id"), 0);
  r = Ok("db", R"({"find": "c", "singleBatch": true, "batchSize": 7})");
  EXPECT_EQ(Batch(*r).size(), 7u);
  EXPECT_EQ(Int(*r, "cursor.id"), 0);
}

TEST_F(CommandsTest, FindOnMissingCollectionIsEmpty) {
  common::BsonPtr r = Ok("db", R"({"find": "nothing"})");
  EXPECT_TRUE(Batch(*r).empty());
  EXPECT_EQ(Int(*r, "cursor.id"), 0);
}

TEST_F(CommandsTest, GetMoreErrors) {
  Fails("db", R"({"getMore": {"$numberLong": "12345"}, "collection": "c"})", 43);
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1}, {"_id": 2}, {"_id": 3}]})");
  common::BsonPtr r = Ok("db", R"({"find": "c", "batchSize": 1})");
  int64_t id = Int(*r, "cursor.id");
  Fails("db", R"({"getMore": )" + Long(id) + R"(, "collection": "other"})", 13);
}

TEST_F(CommandsTest, DuplicateIdOrderedStopsUnorderedContinues) {
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1}]})");
  common::BsonPtr r =
      Ok("db", R"({"insert": "c", "documents": [{"_id": 2}, {"_id": 1}, {"_id": 3}]})");
  EXPECT_EQ(Int(*r, "n"), 1);
  EXPECT_EQ(Int(*r, "writeErrors.0.index"), 1);
  EXPECT_EQ(Int(*r, "writeErrors.0.code"), 11000);
  EXPECT_EQ(Str(*r, "writeErrors.0.errmsg"),
            "E11000 duplicate key error collection: db.c index: _id_ dup key: { _id: 1 }");
  EXPECT_EQ(Int(*r, "writeErrors.0.keyPattern._id"), 1);
  EXPECT_EQ(Int(*r, "writeErrors.0.keyValue._id"), 1);
  EXPECT_FALSE(Has(*r, "writeErrors.1"));

  r = Ok("db", R"({"insert": "c", "ordered": false,
                   "documents": [{"_id": 1}, {"_id": 4}, {"_id": 2}, {"_id": 5}]})");
  EXPECT_EQ(Int(*r, "n"), 2);
  EXPECT_EQ(Int(*r, "writeErrors.0.index"), 0);
  EXPECT_EQ(Int(*r, "writeErrors.1.index"), 2);
  r = Ok("db", R"({"count": "c"})");
  EXPECT_EQ(Int(*r, "n"), 4);  // 1, 2, 4, 5
}

TEST_F(CommandsTest, NumericIdsCollideAcrossTypes) {
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1}]})");
  common::BsonPtr r = Ok("db", R"({"insert": "c", "documents": [{"_id": 1.0}]})");
  EXPECT_EQ(Int(*r, "writeErrors.0.code"), 11000);
}

TEST_F(CommandsTest, UniqueIndexEnforcedOnExistingAndLaterDocs) {
  Ok("db", R"({"insert": "c", "documents": [{"_id": 1, "u": "a"}, {"_id": 2, "u": "a"}]})");
  common::BsonPtr r = Fails(
      "db",
      R"({"createIndexes": "c", "indexes": [{"key": {"u": 1}, "name": "u_1", "unique": true}]})",
      11000);
  Ok("db", R"({"delete": "c", "deletes": [{"q": {"_id": 2}, "limit": 1}]})");
  r = Ok(
      "db",
      R"({"createIndexes": "c", "indexes": [{"key": {"u": 1}, "name": "u_1", "unique": true}]})");
  EXPECT_EQ(Int(*r, "numIndexesBefore"), 1);
  EXPECT_EQ(Int(*r, "numIndexesAfter"), 2);
  EXPECT_FALSE(Bool(*r, "createdCollectionAutomatically"));
  r = Ok("db", R"({"insert": "c", "documents": [{"_id": 3, "u": "a"}]})");
  EXPECT_EQ(Int(*r, "writeErrors.0.code"), 11000);
  EXPECT_NE(Str(*r, "writeErrors.0.errmsg").find("index: u_1 dup key: { u: \"a\" }"),
            std::string::npos)
      << Str(*r, "writeErrors.0.errmsg");
  // Missing fields index as null: only one document may lack `u`.
  r = Ok("db", R"({"insert": "c", "documents": [{"_id": 4}, {"_id": 5}]})");
  EXPECT_EQ(Int(*r, "n"), 1);
  EXPECT_EQ(Int(*r, "writeErrors.0.code"), 11000);
}

TEST_F(CommandsTest, CompoundUniqueIndex) {
  Ok("db",
     R"({"createIndexes": "c", "indexes": [{"key": {"a": 1, "b": -1}, "name": "ab", "unique": true}]})");
  common::BsonPtr r = Ok("db", R"({"insert": "c", "ordered": false, "documents": [
      {"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 1, "b": 1}]})");
  EXPECT_EQ(Int(*r, "n"), 2);
  EXPECT_EQ(Int(*r, "writeErrors.0.index"), 2);
  EXPECT_EQ(Int(*r, "writeErrors.0.keyValue.b"), 1);
}

TEST_F(CommandsTest, CreateIndexesConflictsAndNoOps) {
  common::BsonPtr r =
      Ok("db", R"({"createIndexes": "c", "indexes": [{"key": {"x": 1}, "name": "x_1"}]})");
  EXPECT_TRUE(Bool(*r, "createdCollectionAutomatically"));
  r = Ok("db", R"({"createIndexes": "c", "indexes": [{"key": {"x": 1}, "name": "x_1"}]})");
  EXPECT_EQ(Str(*r, "note"), "all indexes already exist");
  EXPECT_EQ(Int(*r, "numIndexesAfter"), 2);
  Fails("db", R"({"createIndexes": "c", "indexes": [{"key": {"y": 1}, "name": "x_1"}]})", 86);
}

TEST_F(CommandsTest, ListIndexesAndCollections) {
  Fails("db", R"({"listIndexes": "c"})", 26);
  Ok("db",
     R"({"createIndexes": "c", "indexes": [{"key": {"x": -1}, "name": "x_-1", "unique": true}]})");
  Ok("db", R"({"create": "d"})");
  common::BsonPtr r = Ok("db", R"({"listIndexes": "c"})");
  std::vector<common::BsonPtr> indexes = Batch(*r);
  ASSERT_EQ(indexes.size(), 2u);
  EXPECT_EQ(
      ToJson(*indexes[0]),
      R"({ "v" : { "$numberInt" : "2" }, "key" : { "_id" : { "$numberInt" : "1" } }, "name" : "_id_" })");
  EXPECT_EQ(Str(*indexes[1], "name"), "x_-1");
  EXPECT_TRUE(Bool(*indexes[1], "unique"));

  r = Ok("db", R"({"listCollections": 1})");
  EXPECT_EQ(Str(*r, "cursor.ns"), "db.$cmd.listCollections");
  std::vector<common::BsonPtr> colls = Batch(*r);
  ASSERT_EQ(colls.size(), 2u);
  EXPECT_EQ(Str(*colls[0], "name"), "c");
  EXPECT_EQ(Str(*colls[0], "type"), "collection");
  EXPECT_FALSE(Bool(*colls[0], "info.readOnly"));
  EXPECT_EQ(Str(*colls[0], "idIndex.name"), "_id_");
  EXPECT_TRUE(Has(*colls[0], "options"));

  r = Ok("db", R"({"listCollections": 1, "filter": {"name": "d"}, "nameOnly": true})");
  colls = Batch(*r);
  ASSERT_EQ(colls.size(), 1u);
  EXPECT_EQ(ToJson(*colls[0]), R"({ "name" : "d", "type" : "collection" })");
}

TEST_F(CommandsTest, CreateConflictAndDrop) {
  Ok("db", R"({"create": "c"})");
  Fails("db", R"({"create": "c"})", 48);
  Ok("db", R"({"drop": "c"})");
  common::BsonPtr r = Fails("db", R"({"drop": "c"})", 26);
  EXPECT_EQ(Str(*r, "codeName"), "NamespaceNotFound");
  EXPECT_EQ(Str(*r, "errmsg"), "ns not found");
  Ok("db", R"({"create": "c"})");
}

TEST_F(CommandsTest, CountAndDelete) {
  Ok("db", R"({"insert": "c", "documents": [{"k": 1}, {"k": 1}, {"k": 2}, {"k": 1}]})");
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c", "query": {"k": 1}})"), "n"), 3);
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c", "query": {"k": 1}, "skip": 1, "limit": 1})"), "n"), 1);
  EXPECT_EQ(Int(*Ok("db", R"({"count": "missing"})"), "n"), 0);
  EXPECT_EQ(Int(*Ok("db", R"({"delete": "c", "deletes": [{"q": {"k": 1}, "limit": 1}]})"), "n"), 1);
  EXPECT_EQ(Int(*Ok("db", R"({"delete": "c", "deletes": [{"q": {"k": 1}, "limit": 0}]})"), "n"), 2);
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 1);
}

TEST_F(CommandsTest, AggregatePipelineAndCountDocumentsShape) {
  Ok("db", R"({"insert": "c", "documents": [{"r": "a"}, {"r": "b"}, {"r": "a"}]})");
  common::BsonPtr r = Ok("db", R"({"aggregate": "c", "cursor": {},
      "pipeline": [{"$match": {"r": "a"}}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]})");
  std::vector<common::BsonPtr> docs = Batch(*r);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(Int(*docs[0], "n"), 2);
  Fails("db", R"({"aggregate": "c", "cursor": {}, "pipeline": [{"$bogus": {}}]})", 40324);
}

TEST_F(CommandsTest, PingBuildInfoAndEndSessions) {
  Ok("admin", R"({"ping": 1})");
  common::BsonPtr r = Ok("admin", R"({"buildInfo": 1})");
  EXPECT_EQ(Str(*r, "version"), "6.0.0");
  EXPECT_EQ(Int(*r, "versionArray.0"), 6);
  EXPECT_EQ(Int(*r, "bits"), 64);
  Ok("admin",
     R"({"endSessions": [{"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAA==", "subType": "04"}}}]})");
}

TEST_F(CommandsTest, RetryableInsertIsAppliedOnce) {
  const std::string cmd = R"({"insert": "c", "documents": [{"_id": 1}],
      "lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAQ==", "subType": "04"}}},
      "txnNumber": {"$numberLong": "7"}})";
  EXPECT_EQ(Int(*Ok("db", cmd), "n"), 1);
  common::BsonPtr again = Ok("db", cmd);
  EXPECT_EQ(Int(*again, "n"), 1);
  EXPECT_FALSE(Has(*again, "writeErrors"));  // a second real insert would be a duplicate
  EXPECT_EQ(Int(*Ok("db", R"({"count": "c"})"), "n"), 1);
  // A new txnNumber is a new write.
  std::string next = cmd;
  next.replace(next.find("\"7\""), 3, "\"8\"");
  EXPECT_EQ(Int(*Ok("db", next), "writeErrors.0.code"), 11000);
}

// A sorted, limited find by _id walks the _id index (as the chat's newest-id
// read does): the order is the index's, whatever the insertion order.
TEST_F(CommandsTest, FindSortedByIdWithALimitUsesTheIdOrder) {
  Ok("db", R"({"insert": "c", "documents": [{"_id": 3, "r": "a"}, {"_id": 1, "r": "b"},
      {"_id": 5, "r": "a"}, {"_id": 2, "r": "a"}, {"_id": 4, "r": "b"}]})");
  auto ids = [&](const std::string& command) {
    std::vector<int64_t> out;
    for (const auto& doc : Batch(*Ok("db", command))) out.push_back(Int(*doc, "_id"));
    return out;
  };
  EXPECT_EQ(ids(R"({"find": "c", "sort": {"_id": -1}, "limit": 2})"), (std::vector<int64_t>{5, 4}));
  EXPECT_EQ(ids(R"({"find": "c", "filter": {"r": "a", "_id": {"$lte": 4}}, "sort": {"_id": -1},
                   "limit": 1})"),
            (std::vector<int64_t>{3}));
  EXPECT_EQ(ids(R"({"find": "c", "sort": {"_id": 1}, "skip": 1, "limit": 2})"),
            (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(ids(R"({"find": "c", "filter": {"r": "b"}, "sort": {"_id": 1}})"),
            (std::vector<int64_t>{1, 4}));
}

}  // namespace
}  // namespace devmongod::testing
