#include "devmongod/query/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cstring>

#include "devmongod/query/errors.h"

namespace devmongod::query {
namespace {

struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

// One ovector pair is enough: only "does it match" is asked, and PCRE2
// reports a match even when the captures do not fit. Made once per thread.
pcre2_match_data* ThreadMatchData() {
  thread_local std::unique_ptr<pcre2_match_data, MatchDataDeleter> data(
      pcre2_match_data_create(1, nullptr));
  return data.get();
}

}  // namespace

std::expected<Regex, Error> Regex::Compile(std::string_view pattern, std::string_view options) {
  uint32_t flags = PCRE2_UTF;
  for (char c : options) {
    switch (c) {
      case 'i':
        flags |= PCRE2_CASELESS;
        break;
      case 'm':
        flags |= PCRE2_MULTILINE;
        break;
      case 's':
        flags |= PCRE2_DOTALL;
        break;
      case 'x':
        flags |= PCRE2_EXTENDED;
        break;
      case 'u':
        break;
      default:
        return std::unexpected(
            LocationError(51108, std::string("invalid flag in regex options: ") + c));
    }
  }
  if (pattern.find('\0') != std::string_view::npos) {
    return std::unexpected(
        LocationError(51091, "Regular expression is invalid: it contains a NUL byte"));
  }
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   flags, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    return std::unexpected(LocationError(
        51091, "Regular expression is invalid: " + std::string(reinterpret_cast<char*>(message))));
  }
  Regex regex;
  regex.code_ = std::shared_ptr<const pcre2_code>(
      code, [](const pcre2_code* c) { pcre2_code_free(const_cast<pcre2_code*>(c)); });
  regex.pattern_ = std::string(pattern);
  regex.options_ = std::string(options);
  return regex;
}

bool Regex::Matches(std::string_view subject) const {
  pcre2_match_data* data = ThreadMatchData();
  if (code_ == nullptr || data == nullptr) return false;
  // Invalid UTF-8 in the subject is an error code (< 0), i.e. no match.
  const int rc = pcre2_match(code_.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()),
                             subject.size(), 0, 0, data, nullptr);
  return rc >= 0;
}

bool Regex::MatchesValue(const bson_value_t& value) const {
  switch (value.value_type) {
    case BSON_TYPE_UTF8:
      return Matches(std::string_view(value.value.v_utf8.str, value.value.v_utf8.len));
    case BSON_TYPE_SYMBOL:
      return Matches(std::string_view(value.value.v_symbol.symbol, value.value.v_symbol.len));
    case BSON_TYPE_REGEX: {
      const char* options = value.value.v_regex.options ? value.value.v_regex.options : "";
      return pattern_ == value.value.v_regex.regex && options_ == options;
    }
    default:
      return false;
  }
}

}  // namespace devmongod::query
