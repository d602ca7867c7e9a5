#include "chat/auth/json_object.h"

#include <cstring>
#include <set>

namespace chat::auth {

common::CjsonPtr ParseJsonObject(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return nullptr;
  const std::string copy(text);
  const char* end = nullptr;
  common::CjsonPtr json(cJSON_ParseWithOpts(copy.c_str(), &end, /*require_null_terminated=*/true));
  if (!json || !cJSON_IsObject(json.get())) return nullptr;
  std::set<std::string_view> names;
  for (const cJSON* member = json->child; member != nullptr; member = member->next) {
    if (!names.insert(member->string).second) return nullptr;
  }
  return json;
}

std::optional<std::string> StringMember(const cJSON& object, const char* name, bool* wrong_type) {
  const cJSON* member = cJSON_GetObjectItemCaseSensitive(&object, name);
  if (member == nullptr) return std::nullopt;
  if (!cJSON_IsString(member) || member->valuestring == nullptr) {
    if (wrong_type) *wrong_type = true;
    return std::nullopt;
  }
  return std::string(member->valuestring);
}

}  // namespace chat::auth
