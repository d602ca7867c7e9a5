#include "chat/core/room.h"

namespace chat {

bool IsValidRoom(std::string_view room) {
  if (room.empty() || room.size() > kMaxRoomLength) return false;
  for (char c : room) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace chat
