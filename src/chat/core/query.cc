#include "chat/core/query.h"

#include "chat/core/resume_token.h"
#include "chat/core/room.h"
#include "chat/core/utf8.h"

namespace chat {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> DecodeComponent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;  // needs two more characters
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += c;
    }
  }
  if (!IsValidUtf8(out)) return std::nullopt;
  return out;
}

ApiError QueryError(std::string message) {
  return MakeError(ErrorCode::kInvalidQueryString, std::move(message));
}

ApiError ParameterError(std::string_view field, std::string message) {
  return MakeError(ErrorCode::kInvalidParameter, std::move(message), std::string(field));
}

// Plain decimal digits only (no sign, no spaces), within [min, max].
std::optional<int> ParseBoundedInt(std::string_view text, int min, int max) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < min || value > max) return std::nullopt;
  return value;
}

std::expected<std::string, ApiError> RoomParam(const QueryParams& params) {
  const auto room = params.Find("room");
  if (!room) return std::string(kDefaultRoom);
  if (!IsValidRoom(*room)) {
    return std::unexpected(MakeError(
        ErrorCode::kInvalidRoom, "The room must be 1 to 64 letters, digits, '_' or '-'.", "room"));
  }
  return std::string(*room);
}

std::expected<int, ApiError> IntParam(const QueryParams& params, std::string_view key, int min,
                                      int max, int fallback) {
  const auto text = params.Find(key);
  if (!text) return fallback;
  const auto value = ParseBoundedInt(*text, min, max);
  if (!value) {
    return std::unexpected(ParameterError(key, "The parameter must be an integer from " +
                                                   std::to_string(min) + " to " +
                                                   std::to_string(max) + "."));
  }
  return *value;
}

}  // namespace

std::optional<std::string_view> QueryParams::Find(std::string_view key) const {
  for (const auto& [name, value] : pairs_) {
    if (name == key) return value;
  }
  return std::nullopt;
}

std::expected<QueryParams, ApiError> ParseQueryString(std::string_view query) {
  if (query.size() > kMaxQueryBytes) {
    return std::unexpected(QueryError("The query string is longer than " +
                                      std::to_string(kMaxQueryBytes) + " bytes."));
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view piece = query.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) continue;
    if (pairs.size() == kMaxQueryParameters) {
      return std::unexpected(QueryError("The query string has more than " +
                                        std::to_string(kMaxQueryParameters) + " parameters."));
    }
    const size_t equals = piece.find('=');
    auto key = DecodeComponent(piece.substr(0, equals));
    auto value = DecodeComponent(equals == std::string_view::npos ? std::string_view()
                                                                  : piece.substr(equals + 1));
    if (!key || !value) {
      return std::unexpected(
          QueryError("The query string has a malformed %-escape or is not UTF-8 once decoded."));
    }
    if (key->empty()) continue;  // "=x" names no parameter we could ever read
    for (const auto& seen : pairs) {
      if (seen.first == *key) {
        return std::unexpected(MakeError(ErrorCode::kDuplicateParameter,
                                         "The query parameter is given more than once.", *key));
      }
    }
    pairs.emplace_back(std::move(*key), std::move(*value));
  }
  return QueryParams(std::move(pairs));
}

std::expected<StreamParams, ApiError> ParseStreamParams(
    std::string_view query, std::optional<std::string_view> last_event_id_header) {
  auto params = ParseQueryString(query);
  if (!params) return std::unexpected(std::move(params.error()));
  StreamParams result;
  auto room = RoomParam(*params);
  if (!room) return std::unexpected(std::move(room.error()));
  result.room = std::move(*room);
  auto backfill = IntParam(*params, "backfill", 0, kMaxBackfill, 0);
  if (!backfill) return std::unexpected(std::move(backfill.error()));
  result.backfill = *backfill;

  std::string_view field = "Last-Event-ID";
  std::optional<std::string_view> id = last_event_id_header;
  if (!id || id->empty()) {
    field = "lastEventId";
    id = params->Find("lastEventId");
  }
  if (id && !id->empty()) {
    if (!IsValidEventId(*id)) {
      return std::unexpected(ParameterError(field, "The last event id must be 1 to " +
                                                       std::to_string(kMaxEventIdLength) +
                                                       " hexadecimal digits."));
    }
    result.last_event_id = std::string(*id);
  }
  return result;
}

std::expected<HistoryParams, ApiError> ParseHistoryParams(std::string_view query) {
  auto params = ParseQueryString(query);
  if (!params) return std::unexpected(std::move(params.error()));
  HistoryParams result;
  auto room = RoomParam(*params);
  if (!room) return std::unexpected(std::move(room.error()));
  result.room = std::move(*room);
  auto limit = IntParam(*params, "limit", 1, kMaxHistoryLimit, kDefaultHistoryLimit);
  if (!limit) return std::unexpected(std::move(limit.error()));
  result.limit = *limit;
  if (const auto before = params->Find("before")) {
    // bson_oid_is_valid accepts hex of either case; it needs exactly 24.
    if (before->size() != 24 || !bson_oid_is_valid(before->data(), before->size())) {
      return std::unexpected(
          ParameterError("before", "The parameter must be a message id (24 hexadecimal digits)."));
    }
    bson_oid_t oid;
    const std::string text(*before);
    bson_oid_init_from_string(&oid, text.c_str());
    result.before = oid;
  }
  return result;
}

}  // namespace chat
