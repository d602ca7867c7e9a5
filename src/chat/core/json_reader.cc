#include "chat/core/json_reader.h"

#include <optional>

#include "chat/core/utf8.h"

namespace chat {
namespace {

// Recursive descent over the text; depth is bounded by kMaxJsonDepth, so the
// recursion is too. Members are collected only for the top-level object.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  std::expected<std::vector<JsonMember>, JsonReadError> ReadDocument() {
    SkipSpace();
    if (pos_ >= text_.size()) return Fail(JsonReadError::Kind::kInvalidJson);
    const bool is_object = text_[pos_] == '{';
    if (is_object) {
      if (!ReadObject(1, &members_)) return std::unexpected(error_);
    } else if (!ReadValue(1, nullptr)) {
      return std::unexpected(error_);
    }
    SkipSpace();
    if (pos_ != text_.size()) return Fail(JsonReadError::Kind::kInvalidJson);
    if (!is_object) return Fail(JsonReadError::Kind::kNotObject);
    return std::move(members_);
  }

 private:
  std::unexpected<JsonReadError> Fail(JsonReadError::Kind kind) {
    error_ = JsonReadError{kind, pos_, {}};
    return std::unexpected(error_);
  }
  bool SetError(JsonReadError::Kind kind) {
    if (!failed_) error_ = JsonReadError{kind, pos_, {}};
    failed_ = true;
    return false;
  }

  void SkipSpace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  bool Consume(char expected) {
    if (pos_ < text_.size() && text_[pos_] == expected) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool ConsumeLiteral(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal)
      return SetError(JsonReadError::Kind::kInvalidJson);
    pos_ += literal.size();
    return true;
  }

  // Reads any value; `type` (if not null) receives its type and, for a
  // string, `string_out` its decoded text.
  bool ReadValue(int depth, JsonType* type, std::string* string_out = nullptr) {
    if (pos_ >= text_.size()) return SetError(JsonReadError::Kind::kInvalidJson);
    JsonType found;
    bool ok;
    switch (text_[pos_]) {
      case '{':
        found = JsonType::kObject;
        ok = ReadObject(depth, nullptr);
        break;
      case '[':
        found = JsonType::kArray;
        ok = ReadArray(depth);
        break;
      case '"': {
        found = JsonType::kString;
        std::string scratch;
        ok = ReadString(string_out ? *string_out : scratch);
        break;
      }
      case 't':
        found = JsonType::kBool;
        ok = ConsumeLiteral("true");
        break;
      case 'f':
        found = JsonType::kBool;
        ok = ConsumeLiteral("false");
        break;
      case 'n':
        found = JsonType::kNull;
        ok = ConsumeLiteral("null");
        break;
      default:
        found = JsonType::kNumber;
        ok = ReadNumber();
    }
    if (ok && type) *type = found;
    return ok;
  }

  bool ReadObject(int depth, std::vector<JsonMember>* members) {
    if (depth > kMaxJsonDepth) return SetError(JsonReadError::Kind::kTooDeep);
    ++pos_;  // '{'
    SkipSpace();
    if (Consume('}')) return true;
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"')
        return SetError(JsonReadError::Kind::kInvalidJson);
      const size_t key_offset = pos_;
      std::string key;
      if (!ReadString(key)) return false;
      SkipSpace();
      if (!Consume(':')) return SetError(JsonReadError::Kind::kInvalidJson);
      SkipSpace();
      JsonMember member{std::move(key), JsonType::kNull, {}};
      if (!ReadValue(depth + 1, &member.type, &member.string_value)) return false;
      if (members) {
        for (const JsonMember& seen : *members) {
          if (seen.key == member.key) {
            pos_ = key_offset;
            SetError(JsonReadError::Kind::kDuplicateKey);
            error_.key = member.key;
            return false;
          }
        }
        members->push_back(std::move(member));
      }
      SkipSpace();
      if (Consume('}')) return true;
      if (!Consume(',')) return SetError(JsonReadError::Kind::kInvalidJson);
    }
  }

  bool ReadArray(int depth) {
    if (depth > kMaxJsonDepth) return SetError(JsonReadError::Kind::kTooDeep);
    ++pos_;  // '['
    SkipSpace();
    if (Consume(']')) return true;
    while (true) {
      SkipSpace();
      if (!ReadValue(depth + 1, nullptr)) return false;
      SkipSpace();
      if (Consume(']')) return true;
      if (!Consume(',')) return SetError(JsonReadError::Kind::kInvalidJson);
    }
  }

  bool ReadDigits() {
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool ReadNumber() {
    Consume('-');
    if (Consume('0')) {
      // a leading zero stands alone
    } else if (pos_ < text_.size() && text_[pos_] >= '1' && text_[pos_] <= '9') {
      ReadDigits();
    } else {
      return SetError(JsonReadError::Kind::kInvalidJson);
    }
    if (Consume('.') && !ReadDigits()) return SetError(JsonReadError::Kind::kInvalidJson);
    if (Consume('e') || Consume('E')) {
      if (!Consume('+')) Consume('-');
      if (!ReadDigits()) return SetError(JsonReadError::Kind::kInvalidJson);
    }
    return true;
  }

  std::optional<char32_t> ReadHex4() {
    if (text_.size() - pos_ < 4) return std::nullopt;
    char32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= static_cast<char32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<char32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<char32_t>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
    }
    return value;
  }

  // After "\u" has been consumed: one escape, or a surrogate pair of two.
  bool ReadUnicodeEscape(std::string& out) {
    const auto first = ReadHex4();
    if (!first) return SetError(JsonReadError::Kind::kInvalidJson);
    char32_t cp = *first;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return SetError(JsonReadError::Kind::kInvalidJson);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (!Consume('\\') || !Consume('u')) return SetError(JsonReadError::Kind::kInvalidJson);
      const auto second = ReadHex4();
      if (!second || *second < 0xDC00 || *second > 0xDFFF) {
        return SetError(JsonReadError::Kind::kInvalidJson);
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (*second - 0xDC00);
    }
    AppendUtf8(out, cp);
    return true;
  }

  bool ReadString(std::string& out) {
    ++pos_;  // opening quote
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return SetError(JsonReadError::Kind::kInvalidJson);
      if (c != '\\') {
        // Copy the whole run of plain characters at once; the text is valid
        // UTF-8, so multi-byte sequences copy through unchanged.
        size_t end = pos_ + 1;
        while (end < text_.size() && text_[end] != '"' && text_[end] != '\\' &&
               static_cast<unsigned char>(text_[end]) >= 0x20) {
          ++end;
        }
        out.append(text_.substr(pos_, end - pos_));
        pos_ = end;
        continue;
      }
      ++pos_;
      if (pos_ >= text_.size()) break;
      const char escape = text_[pos_++];
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out += escape;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          if (!ReadUnicodeEscape(out)) return false;
          break;
        default:
          --pos_;
          return SetError(JsonReadError::Kind::kInvalidJson);
      }
    }
    return SetError(JsonReadError::Kind::kInvalidJson);  // unterminated
  }

  std::string_view text_;
  size_t pos_ = 0;
  bool failed_ = false;
  JsonReadError error_{JsonReadError::Kind::kInvalidJson, 0, {}};
  std::vector<JsonMember> members_;
};

}  // namespace

std::string_view JsonTypeName(JsonType type) {
  switch (type) {
    case JsonType::kNull:
      return "null";
    case JsonType::kBool:
      return "boolean";
    case JsonType::kNumber:
      return "number";
    case JsonType::kString:
      return "string";
    case JsonType::kArray:
      return "array";
    case JsonType::kObject:
      return "object";
  }
  return "unknown";
}

std::expected<std::vector<JsonMember>, JsonReadError> ReadJsonObject(std::string_view text) {
  return Reader(text).ReadDocument();
}

}  // namespace chat
