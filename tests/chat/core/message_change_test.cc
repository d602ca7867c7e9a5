#include "chat/core/message_change.h"

#include <gtest/gtest.h>

namespace chat {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;
constexpr int64_t kWindowS = 900;

StoredMessageFacts ByAlice(int64_t age_ms) { return {"alice", kNow - age_ms, false}; }

std::optional<ErrorCode> Check(MessageChange change, const Editor& editor,
                               const StoredMessageFacts& message) {
  auto error = CheckChange(change, editor, message, kNow, kWindowS);
  return error ? std::optional(error->code) : std::nullopt;
}

TEST(MessageChangeTest, AuthorEditsAndDeletesWithinTheWindowOnly) {
  const Editor alice{"alice", false, false};
  EXPECT_EQ(Check(MessageChange::kEdit, alice, ByAlice(0)), std::nullopt);
  EXPECT_EQ(Check(MessageChange::kDelete, alice, ByAlice(kWindowS * 1000)), std::nullopt);
  EXPECT_EQ(Check(MessageChange::kEdit, alice, ByAlice(kWindowS * 1000 + 1)),
            ErrorCode::kForbidden);
  EXPECT_EQ(Check(MessageChange::kDelete, alice, ByAlice(kWindowS * 1000 + 1)),
            ErrorCode::kForbidden);
}

TEST(MessageChangeTest, OthersAreForbiddenModeratorsMayOnlyDelete) {
  const Editor bob{"bob", false, false};
  const Editor moderator{"mod", true, false};
  EXPECT_EQ(Check(MessageChange::kEdit, bob, ByAlice(0)), ErrorCode::kForbidden);
  EXPECT_EQ(Check(MessageChange::kDelete, bob, ByAlice(0)), ErrorCode::kForbidden);
  EXPECT_EQ(Check(MessageChange::kDelete, moderator, ByAlice(100'000'000)), std::nullopt);
  EXPECT_EQ(Check(MessageChange::kEdit, moderator, ByAlice(0)), ErrorCode::kForbidden);
}

TEST(MessageChangeTest, AnonymousMessagesHaveNoAuthor) {
  const StoredMessageFacts anonymous{std::nullopt, kNow, false};
  EXPECT_EQ(Check(MessageChange::kEdit, Editor{"", false, false}, anonymous),
            ErrorCode::kForbidden);
  EXPECT_EQ(Check(MessageChange::kEdit, Editor{"alice", false, false}, anonymous),
            ErrorCode::kForbidden);
  EXPECT_EQ(Check(MessageChange::kEdit, Editor{"", false, true}, anonymous), std::nullopt);
}

TEST(MessageChangeTest, DeletedMessagesNeverChangeAgain) {
  StoredMessageFacts deleted = ByAlice(0);
  deleted.deleted = true;
  EXPECT_EQ(Check(MessageChange::kDelete, Editor{"mod", true, false}, deleted),
            ErrorCode::kAlreadyDeleted);
  EXPECT_EQ(Check(MessageChange::kEdit, Editor{"", false, true}, deleted),
            ErrorCode::kAlreadyDeleted);
}

TEST(MessageChangeTest, FactsFromAStoredDocument) {
  common::BsonPtr doc = common::NewBson();
  bson_oid_t id;
  bson_oid_init_from_string(&id, "65f000000000000000000001");
  BSON_APPEND_OID(doc.get(), "_id", &id);
  BSON_APPEND_UTF8(doc.get(), "userId", "alice");
  StoredMessageFacts facts = FactsOf(*doc);
  EXPECT_EQ(facts.user_id, "alice");
  EXPECT_EQ(facts.created_at_ms, int64_t{0x65f00000} * 1000);  // from the ObjectId
  EXPECT_FALSE(facts.deleted);
  BSON_APPEND_DATE_TIME(doc.get(), "createdAt", 1234);
  BSON_APPEND_DATE_TIME(doc.get(), "deletedAt", 5678);
  facts = FactsOf(*doc);
  EXPECT_EQ(facts.created_at_ms, 1234);
  EXPECT_TRUE(facts.deleted);
}

std::string Json(const common::BsonPtr& doc) {
  char* text = bson_as_canonical_extended_json(doc.get(), nullptr);
  std::string out = text;
  bson_free(text);
  return out;
}

TEST(MessageChangeTest, UpdateDocuments) {
  EXPECT_EQ(
      Json(EditUpdate("new", 7)),
      R"({ "$set" : { "content" : "new", "editedAt" : { "$date" : { "$numberLong" : "7" } }, )"
      R"("updatedAt" : { "$date" : { "$numberLong" : "7" } } } })");
  EXPECT_EQ(Json(DeleteUpdate(9)),
            R"({ "$unset" : { "content" : "" }, "$set" : { "deletedAt" : { "$date" : { )"
            R"("$numberLong" : "9" } }, "updatedAt" : { "$date" : { "$numberLong" : "9" } } } })");
  EXPECT_EQ(Json(NotDeletedCondition()), R"({ "deletedAt" : { "$exists" : false } })");
}

}  // namespace
}  // namespace chat
