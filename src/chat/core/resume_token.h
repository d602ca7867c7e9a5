// SSE event id <-> change-stream resume token.
//
// Real MongoDB and devmongod both give resume tokens of the form
// {_data: "<hex string>"}; the SSE id is that string, so a reconnecting
// browser's Last-Event-ID resumes the change stream exactly where it was.
// Anything else (binary _data, extra fields) is refused rather than guessed:
// the caller then has no id to send and the client cannot resume there.
//
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

#include "common/bson_ptr.h"

namespace chat {

inline constexpr size_t kMaxEventIdLength = 1024;

// Non-empty, at most kMaxEventIdLength characters, only [0-9A-Fa-f].
bool IsValidEventId(std::string_view id);

// The token's `_data` string, if it is a valid event id. Errors are one-line
// reasons for the log.
std::expected<std::string, std::string> EventIdFromResumeToken(const bson_t& token);

// {_data: "<id>"} for a valid id; an error reason otherwise.
std::expected<common::BsonPtr, std::string> ResumeTokenFromEventId(std::string_view id);

}  // namespace chat
