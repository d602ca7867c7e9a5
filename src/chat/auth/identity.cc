#include "chat/auth/identity.h"

#include <algorithm>

namespace chat::auth {

bool RoomAllowed(const Identity& identity, std::string_view room) {
  if (!identity.rooms) return true;
  return std::any_of(identity.rooms->begin(), identity.rooms->end(), [room](const std::string& p) {
    const std::string_view pattern(p);
    if (pattern.ends_with('*')) return room.starts_with(pattern.substr(0, pattern.size() - 1));
    return room == pattern;
  });
}

bool IsModerator(const Identity& identity) {
  return std::find(identity.roles.begin(), identity.roles.end(), "moderator") !=
         identity.roles.end();
}

}  // namespace chat::auth
