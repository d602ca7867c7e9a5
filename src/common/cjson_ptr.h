// Owning handles for cJSON trees and the strings cJSON prints.
//
// cJSON builds and prints JSON outside the request path: the pools' status
// files, the load client's report. Request bodies are read by the chat's own
// strict reader (chat/core/json_reader.h says why).
#pragma once

#include <cjson/cJSON.h>

#include <memory>
#include <string>

namespace common {

struct CjsonDeleter {
  void operator()(cJSON* json) const noexcept { cJSON_Delete(json); }
};
using CjsonPtr = std::unique_ptr<cJSON, CjsonDeleter>;

// One line of JSON; empty only if cJSON runs out of memory.
inline std::string PrintJson(const cJSON& json) {
  std::unique_ptr<char, decltype(&cJSON_free)> text(cJSON_PrintUnformatted(&json), cJSON_free);
  return text ? std::string(text.get()) : std::string();
}

}  // namespace common
