#include "chat/core/json_writer.h"

#include "chat/core/utf8.h"

namespace chat {
namespace {

void AppendUnicodeEscape(std::string& out, char32_t cp) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  out += kHex[(cp >> 12) & 0xF];
  out += kHex[(cp >> 8) & 0xF];
  out += kHex[(cp >> 4) & 0xF];
  out += kHex[cp & 0xF];
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (size_t pos = 0; pos < text.size();) {
    const auto decoded = DecodeUtf8At(text, pos);
    if (!decoded) {
      AppendUnicodeEscape(out, 0xFFFD);
      ++pos;  // resynchronise on the next byte
      continue;
    }
    const char32_t cp = decoded->code_point;
    switch (cp) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (cp < 0x20 || cp == 0x7F || cp == 0x2028 || cp == 0x2029) {
          AppendUnicodeEscape(out, cp);
        } else {
          out.append(text.substr(pos, decoded->length));
        }
    }
    pos += decoded->length;
  }
  out += '"';
}

}  // namespace chat
