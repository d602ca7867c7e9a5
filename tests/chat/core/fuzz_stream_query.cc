// Fuzz target: query-string parsing and the stream/history parameters.
// Input: "<query>\n<Last-Event-ID header>" (no '\n': no header).
// Properties (abort on violation): accepted parameters obey their rules;
// errors are 400s naming a field where the code needs one.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "chat/core/query.h"
#include "chat/core/resume_token.h"
#include "chat/core/room.h"
#include "chat/core/utf8.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckError(const chat::ApiError& error) {
  Check(error.status() == 400);
  const bool needs_field = error.code == chat::ErrorCode::kInvalidParameter ||
                           error.code == chat::ErrorCode::kInvalidRoom ||
                           error.code == chat::ErrorCode::kDuplicateParameter;
  Check(!needs_field || !error.field.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view query = input.substr(0, newline);
  std::optional<std::string_view> header;
  if (newline != std::string_view::npos) header = input.substr(newline + 1);

  if (const auto params = chat::ParseQueryString(query)) {
    for (const auto& [key, value] : params->pairs()) {
      Check(chat::IsValidUtf8(key) && chat::IsValidUtf8(value));
      Check(params->Find(key) == value);  // keys are unique
    }
  } else {
    CheckError(params.error());
  }

  if (const auto stream = chat::ParseStreamParams(query, header)) {
    Check(chat::IsValidRoom(stream->room));
    Check(stream->backfill >= 0 && stream->backfill <= chat::kMaxBackfill);
    if (stream->last_event_id) {
      Check(chat::IsValidEventId(*stream->last_event_id));
      Check(chat::ResumeTokenFromEventId(*stream->last_event_id).has_value());
      if (header && !header->empty()) Check(*stream->last_event_id == *header);
    }
  } else {
    CheckError(stream.error());
  }

  if (const auto history = chat::ParseHistoryParams(query)) {
    Check(chat::IsValidRoom(history->room));
    Check(history->limit >= 1 && history->limit <= chat::kMaxHistoryLimit);
  } else {
    CheckError(history.error());
  }
  return 0;
}
