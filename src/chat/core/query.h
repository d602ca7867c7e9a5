// Query-string parsing (application/x-www-form-urlencoded) and the typed
// parameters of the two GET endpoints.
//
// Decisions:
// - '&' separates pairs, empty pairs and pairs with an empty name are
//   skipped, a pair without '=' has an empty value; '+' is a space; %XX is a byte (hex either
//   case); a '%' not followed by two hex digits, or a key or value that is not UTF-8 after
//   decoding, is invalid_query_string.
// - A repeated key (after decoding) is duplicate_parameter: "first wins" and
//   "last wins" differ between proxies and frameworks, so refusing is the
//   only reading nobody can disagree with.
// - At most kMaxQueryBytes bytes and kMaxQueryParameters pairs.
// - Unknown parameters are ignored; an empty value is treated like any other
//   value (so `room=` is invalid_room), except lastEventId= which means "none",
//   as an empty Last-Event-ID does for browsers.
//
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/core/api_error.h"

namespace chat {

inline constexpr size_t kMaxQueryBytes = 4096;
inline constexpr size_t kMaxQueryParameters = 32;
inline constexpr int kMaxBackfill = 500;
inline constexpr int kMaxHistoryLimit = 200;
inline constexpr int kDefaultHistoryLimit = 50;

class QueryParams {
 public:
  // Pairs in query order; keys are unique.
  explicit QueryParams(std::vector<std::pair<std::string, std::string>> pairs)
      : pairs_(std::move(pairs)) {}

  std::optional<std::string_view> Find(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

std::expected<QueryParams, ApiError> ParseQueryString(std::string_view query);

// GET /api/stream-messages
struct StreamParams {
  std::string room;                          // default "general"
  int backfill = 0;                          // 0..kMaxBackfill
  std::optional<std::string> last_event_id;  // valid per resume_token.h
};

// `last_event_id_header` is the Last-Event-ID request header when present
// (CGI: HTTP_LAST_EVENT_ID). A non-empty header wins over `lastEventId`.
// Errors name the field: "room", "backfill", "lastEventId" or "Last-Event-ID".
std::expected<StreamParams, ApiError> ParseStreamParams(
    std::string_view query, std::optional<std::string_view> last_event_id_header);

// GET /api/messages
struct HistoryParams {
  std::string room;                  // default "general"
  int limit = kDefaultHistoryLimit;  // 1..kMaxHistoryLimit
  std::optional<bson_oid_t> before;  // only messages with a smaller _id
};

std::expected<HistoryParams, ApiError> ParseHistoryParams(std::string_view query);

}  // namespace chat
