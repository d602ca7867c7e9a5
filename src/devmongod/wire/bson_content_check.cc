#include "devmongod/wire/bson_content_check.h"

#include <cstring>

namespace devmongod::wire {
namespace {

bool IsUtf8(const char* text, size_t length) {
  return bson_utf8_validate(text, length, /*allow_null=*/true);
}

std::string CheckDocument(const bson_t& document, int depth);

// Iterates `iter` to its end, recursing into nested documents.
std::string CheckElements(bson_iter_t* iter, int depth) {
  while (bson_iter_next(iter)) {
    if (!bson_utf8_validate(bson_iter_key(iter), bson_iter_key_len(iter), /*allow_null=*/false)) {
      return "a key is not valid UTF-8";
    }
    uint32_t length = 0;
    switch (bson_iter_type(iter)) {
      case BSON_TYPE_UTF8: {
        const char* text = bson_iter_utf8(iter, &length);
        if (!IsUtf8(text, length)) return "a string value is not valid UTF-8";
        break;
      }
      case BSON_TYPE_SYMBOL: {
        const char* text = bson_iter_symbol(iter, &length);
        if (!IsUtf8(text, length)) return "a symbol is not valid UTF-8";
        break;
      }
      case BSON_TYPE_CODE: {
        const char* text = bson_iter_code(iter, &length);
        if (!IsUtf8(text, length)) return "JavaScript code is not valid UTF-8";
        break;
      }
      case BSON_TYPE_REGEX: {
        const char* options = nullptr;
        const char* pattern = bson_iter_regex(iter, &options);
        if (!IsUtf8(pattern, std::strlen(pattern)) || !IsUtf8(options, std::strlen(options))) {
          return "a regular expression is not valid UTF-8";
        }
        break;
      }
      case BSON_TYPE_DBPOINTER: {
        const char* collection = nullptr;
        const bson_oid_t* oid = nullptr;
        bson_iter_dbpointer(iter, &length, &collection, &oid);
        if (!IsUtf8(collection, length)) return "a DBPointer is not valid UTF-8";
        break;
      }
      case BSON_TYPE_CODEWSCOPE: {
        uint32_t scope_length = 0;
        const uint8_t* scope_data = nullptr;
        const char* code = bson_iter_codewscope(iter, &length, &scope_length, &scope_data);
        if (!IsUtf8(code, length)) return "JavaScript code is not valid UTF-8";
        bson_t scope;
        if (!bson_init_static(&scope, scope_data, scope_length)) return "a code scope is corrupt";
        if (std::string why = CheckDocument(scope, depth + 1); !why.empty()) return why;
        break;
      }
      case BSON_TYPE_DOCUMENT:
      case BSON_TYPE_ARRAY: {
        if (depth + 1 > kMaxBsonNestingDepth) {
          return "nested deeper than " + std::to_string(kMaxBsonNestingDepth) + " levels";
        }
        bson_iter_t child;
        if (!bson_iter_recurse(iter, &child)) return "a nested document is corrupt";
        if (std::string why = CheckElements(&child, depth + 1); !why.empty()) return why;
        break;
      }
      default:
        break;
    }
  }
  // bson_iter_next also stops at a malformed element (or a stray NUL type
  // byte before the end); only then is err_off non-zero.
  if (iter->err_off != 0) return "an element is corrupt";
  return "";
}

std::string CheckDocument(const bson_t& document, int depth) {
  if (depth > kMaxBsonNestingDepth) {
    return "nested deeper than " + std::to_string(kMaxBsonNestingDepth) + " levels";
  }
  bson_iter_t iter;
  if (!bson_iter_init(&iter, &document)) return "the document frame is corrupt";
  return CheckElements(&iter, depth);
}

}  // namespace

std::string CheckBsonContent(const bson_t& document) { return CheckDocument(document, 0); }

}  // namespace devmongod::wire
