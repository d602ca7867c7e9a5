// Fuzz target: POST body validation and message JSON mapping.
// Properties checked (abort on violation):
// - an accepted body yields a message within every rule of message.h, whose
//   stored document maps back to one line of JSON that cJSON reads back to
//   the same fields;
// - whatever our strict reader accepts, cJSON accepts too;
// - a rejected body gets a 400 or 413 whose error body is one line;
// - the same bytes read as BSON never crash MessageJson, and any JSON it
//   returns is one line.
#include <cjson/cJSON.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "chat/core/json_reader.h"
#include "chat/core/message.h"
#include "chat/core/message_json.h"
#include "chat/core/room.h"
#include "chat/core/utf8.h"

namespace {

struct CjsonDeleter {
  void operator()(cJSON* json) const { cJSON_Delete(json); }
};

void Check(bool condition) {
  if (!condition) std::abort();
}

bool OneLine(const std::string& text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos &&
         text.find("\xe2\x80\xa8") == std::string::npos;
}

std::string FieldOf(const cJSON* object, const char* key) {
  const cJSON* item = cJSON_GetObjectItemCaseSensitive(object, key);
  Check(cJSON_IsString(item));
  return item->valuestring;
}

// cJSON copies at most 63 characters of a number before strtod, so longer
// (valid) numbers make it fail; the oracle skips such inputs.
bool HasLongNumber(std::string_view text) {
  size_t run = 0;
  for (char c : text) {
    const bool number_char =
        (c >= '0' && c <= '9') || c == 'e' || c == 'E' || c == '+' || c == '-' || c == '.';
    run = number_char ? run + 1 : 0;
    if (run > 60) return true;
  }
  return false;
}

void CheckAccepted(const chat::NewMessage& message) {
  Check(chat::IsValidUtf8(message.username) && chat::IsValidUtf8(message.content));
  const size_t name_length = chat::CountCodePoints(message.username);
  const size_t content_length = chat::CountCodePoints(message.content);
  Check(name_length >= 1 && name_length <= chat::kMaxUsernameCodePoints);
  Check(content_length >= 1 && content_length <= chat::kMaxContentCodePoints);
  Check(chat::IsValidRoom(message.room));
  Check(chat::TrimUnicodeSpace(message.username) == message.username);
  Check(chat::TrimUnicodeSpace(message.content) == message.content);
  for (char c : message.username) Check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F);
  for (char c : message.content) {
    Check(c == '\n' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F));
  }

  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "6565f0b9c1a2b3c4d5e6f708");
  const common::BsonPtr doc = chat::BuildMessageDocument(message, oid, 1795878761123);
  const auto json = chat::MessageJson(*doc);
  Check(json.has_value() && OneLine(*json));
  std::unique_ptr<cJSON, CjsonDeleter> parsed(cJSON_Parse(json->c_str()));
  Check(parsed != nullptr);
  Check(FieldOf(parsed.get(), "username") == message.username);
  Check(FieldOf(parsed.get(), "content") == message.content);
  Check(FieldOf(parsed.get(), "room") == message.room);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);

  const auto result = chat::ValidatePostBody(body);
  if (result) {
    CheckAccepted(*result);
  } else {
    Check(result.error().status() == 400 || result.error().status() == 413);
    Check(OneLine(chat::ErrorBody(result.error())));
  }

  if (chat::IsValidUtf8(body) && !HasLongNumber(body) && chat::ReadJsonObject(body)) {
    std::unique_ptr<cJSON, CjsonDeleter> parsed(cJSON_ParseWithLength(body.data(), body.size()));
    Check(parsed != nullptr);
  }

  if (const common::BsonPtr doc = common::BsonFromData(data, size)) {
    const auto json = chat::MessageJson(*doc);
    if (json) Check(OneLine(*json));
  }
  return 0;
}
