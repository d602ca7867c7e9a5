#include "chat/core/query.h"

#include <gtest/gtest.h>

#include "chat/core/resume_token.h"
#include "chat/core/room.h"

namespace chat {
namespace {

std::string ErrorOf(const std::expected<QueryParams, ApiError>& result) {
  return result ? "ok" : std::string(result.error().code_name());
}

TEST(QueryTest, SplitsAndDecodes) {
  auto params = ParseQueryString("a=1&b=two+words&c=%41%62%2B%26%3d&d&&e=&f=x=y");
  ASSERT_TRUE(params);
  EXPECT_EQ(params->Find("a"), "1");
  EXPECT_EQ(params->Find("b"), "two words");
  EXPECT_EQ(params->Find("c"), "Ab+&=");
  EXPECT_EQ(params->Find("d"), "");
  EXPECT_EQ(params->Find("e"), "");
  EXPECT_EQ(params->Find("f"), "x=y");
  EXPECT_FALSE(params->Find("g"));
  EXPECT_EQ(params->pairs().size(), 6u);
}

TEST(QueryTest, DecodesKeysAndUtf8) {
  auto params = ParseQueryString("r%6Fom=caf%C3%A9&%F0%9F%98%80=1");
  ASSERT_TRUE(params);
  EXPECT_EQ(params->Find("room"), "caf\xc3\xa9");
  EXPECT_EQ(params->Find("\xf0\x9f\x98\x80"), "1");
}

TEST(QueryTest, PairsWithoutNameSkipped) {
  auto params = ParseQueryString("=a&=b&room=r");
  ASSERT_TRUE(params);
  EXPECT_EQ(params->pairs().size(), 1u);
  EXPECT_EQ(params->Find("room"), "r");
}

TEST(QueryTest, EmptyQuery) {
  auto params = ParseQueryString("");
  ASSERT_TRUE(params);
  EXPECT_TRUE(params->pairs().empty());
}

TEST(QueryTest, MalformedEscapes) {
  for (std::string_view query : {"a=%", "a=%4", "a=%G1", "a=%1G", "a=%%41", "%=1", "a=1&b=%"}) {
    EXPECT_EQ(ErrorOf(ParseQueryString(query)), "invalid_query_string") << query;
  }
}

TEST(QueryTest, InvalidUtf8AfterDecoding) {
  EXPECT_EQ(ErrorOf(ParseQueryString("a=%FF")), "invalid_query_string");
  EXPECT_EQ(ErrorOf(ParseQueryString("a=%C0%AF")), "invalid_query_string");
  EXPECT_EQ(ErrorOf(ParseQueryString("a=%ED%A0%80")), "invalid_query_string");
  EXPECT_EQ(ErrorOf(ParseQueryString("%E2%82=1")), "invalid_query_string");
}

TEST(QueryTest, DuplicatesAreRefused) {
  auto result = ParseQueryString("room=a&room=b");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code_name(), "duplicate_parameter");
  EXPECT_EQ(result.error().field, "room");
  // Also when only the decoded forms are equal.
  EXPECT_EQ(ErrorOf(ParseQueryString("room=a&r%6fom=b")), "duplicate_parameter");
}

TEST(QueryTest, Limits) {
  std::string many;
  for (size_t i = 0; i < kMaxQueryParameters; ++i) {
    many += 'k';
    many += std::to_string(i);
    many += "=v&";
  }
  EXPECT_EQ(ErrorOf(ParseQueryString(many)), "ok");
  EXPECT_EQ(ErrorOf(ParseQueryString(many + "extra=1")), "invalid_query_string");
  EXPECT_EQ(ErrorOf(ParseQueryString("a=" + std::string(kMaxQueryBytes - 2, 'x'))), "ok");
  EXPECT_EQ(ErrorOf(ParseQueryString("a=" + std::string(kMaxQueryBytes - 1, 'x'))),
            "invalid_query_string");
}

TEST(StreamParamsTest, Defaults) {
  auto params = ParseStreamParams("", std::nullopt);
  ASSERT_TRUE(params);
  EXPECT_EQ(params->room, "general");
  EXPECT_EQ(params->backfill, 0);
  EXPECT_FALSE(params->last_event_id);
}

TEST(StreamParamsTest, AllParametersAndUnknownIgnored) {
  auto params = ParseStreamParams("room=dev-1&backfill=500&lastEventId=abc123&_=169", std::nullopt);
  ASSERT_TRUE(params);
  EXPECT_EQ(params->room, "dev-1");
  EXPECT_EQ(params->backfill, 500);
  EXPECT_EQ(params->last_event_id, "abc123");
}

TEST(StreamParamsTest, BackfillBounds) {
  for (std::string_view bad :
       {"backfill=501", "backfill=-1", "backfill=", "backfill=1.0", "backfill=+1", "backfill=%201",
        "backfill=abc", "backfill=99999999999999999999"}) {
    auto params = ParseStreamParams(bad, std::nullopt);
    ASSERT_FALSE(params) << bad;
    EXPECT_EQ(params.error().code_name(), "invalid_parameter");
    EXPECT_EQ(params.error().field, "backfill");
  }
  EXPECT_EQ(ParseStreamParams("backfill=0", std::nullopt)->backfill, 0);
  EXPECT_EQ(ParseStreamParams("backfill=007", std::nullopt)->backfill, 7);
}

TEST(StreamParamsTest, InvalidRoom) {
  const std::vector<std::string> bad_rooms = {"room=", "room=a+b", "room=%C3%A9", "room=a.b",
                                              "room=" + std::string(kMaxRoomLength + 1, 'a')};
  for (const std::string& bad : bad_rooms) {
    auto params = ParseStreamParams(bad, std::nullopt);
    ASSERT_FALSE(params) << bad;
    EXPECT_EQ(params.error().code_name(), "invalid_room");
    EXPECT_EQ(params.error().field, "room");
  }
}

TEST(StreamParamsTest, LastEventIdHeaderWins) {
  EXPECT_EQ(ParseStreamParams("lastEventId=aaaa", "bbbb")->last_event_id, "bbbb");
  // Header wins even when the query value is invalid.
  EXPECT_EQ(ParseStreamParams("lastEventId=zz", "bbbb")->last_event_id, "bbbb");
  // An empty header is no header.
  EXPECT_EQ(ParseStreamParams("lastEventId=aaaa", "")->last_event_id, "aaaa");
  EXPECT_FALSE(ParseStreamParams("lastEventId=", std::nullopt)->last_event_id);
  EXPECT_FALSE(ParseStreamParams("", "")->last_event_id);
}

TEST(StreamParamsTest, InvalidIdsNameTheirSource) {
  auto from_header = ParseStreamParams("", "not-hex");
  ASSERT_FALSE(from_header);
  EXPECT_EQ(from_header.error().code_name(), "invalid_parameter");
  EXPECT_EQ(from_header.error().field, "Last-Event-ID");
  auto from_query = ParseStreamParams("lastEventId=%7B%7D", std::nullopt);
  ASSERT_FALSE(from_query);
  EXPECT_EQ(from_query.error().field, "lastEventId");
  EXPECT_FALSE(ParseStreamParams("", std::string(kMaxEventIdLength + 1, 'a')));
}

TEST(StreamParamsTest, QueryErrorsPropagate) {
  EXPECT_EQ(ParseStreamParams("room=a&room=b", std::nullopt).error().code_name(),
            "duplicate_parameter");
  EXPECT_EQ(ParseStreamParams("room=%zz", std::nullopt).error().code_name(),
            "invalid_query_string");
}

TEST(HistoryParamsTest, Defaults) {
  auto params = ParseHistoryParams("");
  ASSERT_TRUE(params);
  EXPECT_EQ(params->room, "general");
  EXPECT_EQ(params->limit, 50);
  EXPECT_FALSE(params->before);
}

TEST(HistoryParamsTest, AllParameters) {
  auto params = ParseHistoryParams("room=r&limit=200&before=6565F0B9C1A2B3C4D5E6F708");
  ASSERT_TRUE(params);
  EXPECT_EQ(params->room, "r");
  EXPECT_EQ(params->limit, 200);
  ASSERT_TRUE(params->before);
  char hex[25];
  bson_oid_to_string(&*params->before, hex);
  EXPECT_STREQ(hex, "6565f0b9c1a2b3c4d5e6f708");
}

TEST(HistoryParamsTest, InvalidValues) {
  struct Case {
    const char* query;
    const char* field;
  } cases[] = {{"limit=0", "limit"},
               {"limit=201", "limit"},
               {"limit=", "limit"},
               {"limit=ten", "limit"},
               {"before=", "before"},
               {"before=6565f0b9c1a2b3c4d5e6f70", "before"},
               {"before=6565f0b9c1a2b3c4d5e6f7080", "before"},
               {"before=6565f0b9c1a2b3c4d5e6f70g", "before"},
               {"before=%7B%22%24gt%22%3A%22%22%7D", "before"},
               {"room=a%20b", "room"}};
  for (const Case& c : cases) {
    auto params = ParseHistoryParams(c.query);
    ASSERT_FALSE(params) << c.query;
    EXPECT_EQ(params.error().field, c.field) << c.query;
    EXPECT_EQ(params.error().status(), 400);
  }
}

}  // namespace
}  // namespace chat
