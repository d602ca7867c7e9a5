// Room names: the one rule shared by the POST body, the stream query and the
// history query. A document stored without `room` belongs to kDefaultRoom.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace chat {

inline constexpr std::string_view kDefaultRoom = "general";
inline constexpr size_t kMaxRoomLength = 64;

// ^[A-Za-z0-9_-]{1,64}$
bool IsValidRoom(std::string_view room);

}  // namespace chat
