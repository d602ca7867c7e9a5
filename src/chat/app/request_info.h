// The few CGI variables every handler reads. nginx passes a header the
// request lacks as an empty parameter (fastcgi_param always sets it), so an
// empty value and an absent one cannot be told apart: both are "not given".
#pragma once

#include <optional>
#include <string_view>

#include "chat/web/exchange.h"

namespace chat::app {

// The parameter's value, or nullopt when it is absent or empty.
inline std::optional<std::string_view> OptionalParam(const web::Exchange& exchange,
                                                     const char* name) {
  std::string_view value = exchange.Param(name);
  if (value.empty()) return std::nullopt;
  return value;
}

// The request path without the query: DOCUMENT_URI (nginx), else
// SCRIPT_NAME + PATH_INFO (CGI), else REQUEST_URI up to '?'.
inline std::string RequestPath(const web::Exchange& exchange) {
  if (auto uri = exchange.Param("DOCUMENT_URI"); !uri.empty()) return std::string(uri);
  std::string path =
      std::string(exchange.Param("SCRIPT_NAME")) + std::string(exchange.Param("PATH_INFO"));
  if (!path.empty()) return path;
  std::string_view request_uri = exchange.Param("REQUEST_URI");
  return std::string(request_uri.substr(0, request_uri.find('?')));
}

}  // namespace chat::app
