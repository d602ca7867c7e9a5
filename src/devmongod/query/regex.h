// Regular expressions for $regex, regex literals in filters and $in: PCRE2
// (Perl-compatible, as MongoDB's own engine), in UTF-8 mode, with MongoDB's
// options i (caseless), m (multiline), s (dot matches newline), x (extended)
// and u (UTF-8, always on). An option letter outside "imsxu" is 51108, a
// pattern PCRE2 rejects 51091, as in mongod.
// Thread-safety: a compiled Regex is immutable and may be shared; Matches
// uses a per-thread match buffer.
#pragma once

#include <bson/bson.h>

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "devmongod/query/query.h"

struct pcre2_real_code_8;

namespace devmongod::query {

class Regex {
 public:
  static std::expected<Regex, Error> Compile(std::string_view pattern, std::string_view options);

  // Whether the pattern matches somewhere in `subject` (not anchored).
  bool Matches(std::string_view subject) const;
  // MongoDB's regex test of one value: strings and symbols are searched; a
  // BSON regex matches when pattern and options are the same.
  bool MatchesValue(const bson_value_t& value) const;

  const std::string& pattern() const { return pattern_; }
  const std::string& options() const { return options_; }

 private:
  std::shared_ptr<const pcre2_real_code_8> code_;
  std::string pattern_;
  std::string options_;  // as given, for comparing with BSON regex values
};

}  // namespace devmongod::query
