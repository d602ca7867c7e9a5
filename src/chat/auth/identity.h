// Who a verified token (or nginx's auth_request) says the caller is, and
// what that allows.
// Thread-safety: plain values; pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::auth {

struct Identity {
  std::string user_id;                            // "sub"
  std::string name;                               // the name claim, else sub
  std::optional<std::vector<std::string>> rooms;  // "rooms"; nullopt = every room
  std::vector<std::string> roles;                 // "roles"
  int64_t expires_at_s = 0;                       // "exp"; 0 = does not expire
};

// `room` is one of the identity's rooms: an exact name, or a "prefix-*"
// pattern (a trailing '*' matches any rest, also an empty one). Without a
// rooms claim every room is allowed.
bool RoomAllowed(const Identity& identity, std::string_view room);

// The roles hold "moderator".
bool IsModerator(const Identity& identity);

}  // namespace chat::auth
