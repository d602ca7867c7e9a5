// CGI/FastCGI request metadata checks and response heads, shared by the two
// FastCGI programs. Inputs are the CGI variables nginx passes
// (REQUEST_METHOD, CONTENT_TYPE, CONTENT_LENGTH), as optional string views:
// nullopt = variable absent.
//
// Decisions:
// - Method not in the endpoint's list → 405 with `Allow`.
// - Content-Type must be application/json (case-insensitive, parameters
//   allowed; a charset parameter must say utf-8, since the body is read as
//   UTF-8) → else 415. Absent Content-Type is 415 too.
// - CONTENT_LENGTH absent or empty → nullopt: read at most limit+1 bytes and
//   answer 413 if that many arrive. Not plain digits → 400
//   invalid_content_length. Larger than the limit → 413 before reading.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <expected>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/core/api_error.h"

namespace chat {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// "OK", "Created", ...; "Unknown" for codes we never send.
std::string_view ReasonPhrase(int status);

// "Status: 201 Created\r\n" + "Name: value\r\n"... + "\r\n". CR, LF and NUL
// inside names or values become spaces, so a header can never split.
std::string FormatResponseHead(int status, const HeaderList& headers);

// Head (JSON content type, no-store, the error's own headers) + ErrorBody.
std::string ErrorResponse(const ApiError& error);

// nullopt when `method` is allowed; else 405 with Allow: "GET, HEAD".
std::optional<ApiError> CheckMethod(std::optional<std::string_view> method,
                                    std::initializer_list<std::string_view> allowed);

std::optional<ApiError> CheckJsonContentType(std::optional<std::string_view> content_type);

std::expected<std::optional<size_t>, ApiError> ParseContentLength(
    std::optional<std::string_view> content_length, size_t limit);

// 413 payload_too_large for a body over `limit` bytes.
ApiError PayloadTooLarge(size_t limit);

// 503 database_unavailable with Retry-After.
ApiError DatabaseUnavailable(int retry_after_s);

}  // namespace chat
