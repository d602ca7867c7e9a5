// Fuzz target: the request-header checks of the workers (method,
// Content-Type, Content-Length) and the error responses they produce.
// Input: "<method>\n<Content-Type>\n<Content-Length>"; a missing line is an
// absent header. Properties (abort on violation), each checked against an
// independent reading of the rule: a method passes exactly when it is one of
// the allowed; an accepted Content-Type is application/json (any case, OWS
// around it) with no charset other than UTF-8; an accepted Content-Length
// is all digits and equals its decimal value, at most the limit; every error
// has the status of its code and its response head is one well-formed block.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "chat/core/http.h"

namespace {

constexpr size_t kLimit = 16 * 1024;

void Check(bool condition) {
  if (!condition) std::abort();
}

std::optional<std::string_view> NextLine(std::string_view& rest, bool& more) {
  if (!more) return std::nullopt;
  const size_t newline = rest.find('\n');
  std::string_view line = rest.substr(0, newline);
  if (newline == std::string_view::npos) {
    more = false;
    rest = {};
  } else {
    rest = rest.substr(newline + 1);
  }
  return line;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The response head must be "Status: ..." lines ending in one blank line,
// with no line break smuggled into a header.
void CheckResponse(const chat::ApiError& error) {
  const std::string response = chat::ErrorResponse(error);
  Check(response.rfind("Status: " + std::to_string(error.status()) + " ", 0) == 0);
  const size_t end = response.find("\r\n\r\n");
  Check(end != std::string::npos);
  const std::string_view head(response.data(), end);
  for (size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\n') Check(i > 0 && head[i - 1] == '\r');
    if (head[i] == '\r') Check(i + 1 < head.size() && head[i + 1] == '\n');
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  bool more = true;
  const std::optional<std::string_view> method = NextLine(rest, more);
  const std::optional<std::string_view> content_type = NextLine(rest, more);
  const std::optional<std::string_view> content_length = NextLine(rest, more);

  const bool allowed = method && (*method == "POST" || *method == "GET" || *method == "HEAD");
  if (auto error = chat::CheckMethod(method, {"POST", "GET", "HEAD"})) {
    Check(!allowed);
    Check(error->status() == 405);
    CheckResponse(*error);
  } else {
    Check(allowed);
  }

  if (auto error = chat::CheckJsonContentType(content_type)) {
    Check(error->status() == 415);
    CheckResponse(*error);
  } else {
    Check(content_type.has_value());
    const std::string type = Lower(Trim(content_type->substr(0, content_type->find(';'))));
    Check(type == "application/json");
    // Every charset parameter names UTF-8.
    std::string_view parameters = *content_type;
    parameters.remove_prefix(std::min(parameters.size(), parameters.find(';')));
    while (!parameters.empty()) {
      parameters.remove_prefix(1);  // the ';'
      const std::string_view parameter = parameters.substr(0, parameters.find(';'));
      parameters.remove_prefix(parameter.size());
      const size_t equals = parameter.find('=');
      if (equals == std::string_view::npos || Lower(Trim(parameter.substr(0, equals))) != "charset")
        continue;
      std::string value = Lower(Trim(parameter.substr(equals + 1)));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      Check(value == "utf-8" || value == "utf8");
    }
  }

  auto length = chat::ParseContentLength(content_length, kLimit);
  if (length) {
    if (!content_length || content_length->empty()) {
      Check(!length->has_value());
    } else {
      Check(length->has_value() && **length <= kLimit);
      size_t value = 0;
      for (char c : *content_length) {
        Check(c >= '0' && c <= '9');
        value = value * 10 + static_cast<size_t>(c - '0');
        Check(value <= kLimit);
      }
      Check(value == **length);
    }
  } else {
    Check(length.error().status() == 400 || length.error().status() == 413);
    CheckResponse(length.error());
  }
  return 0;
}
