#include "devmongod/engine/cursor_registry.h"

namespace devmongod {

Cursor& CursorRegistry::Add(Cursor cursor) {
  int64_t id = 0;
  do {
    id = static_cast<int64_t>(random_() >> 1);  // positive, and never 0 (checked below)
  } while (id == 0 || cursors_.contains(id));
  cursor.id = id;
  return cursors_.emplace(id, std::move(cursor)).first->second;
}

Cursor* CursorRegistry::Find(int64_t id) {
  auto it = cursors_.find(id);
  return it == cursors_.end() ? nullptr : &it->second;
}

bool CursorRegistry::Erase(int64_t id) { return cursors_.erase(id) > 0; }

size_t CursorRegistry::ReapIdle(int64_t now_mono_ms, int64_t timeout_ms) {
  size_t reaped = std::erase_if(cursors_, [&](const auto& entry) {
    const Cursor& cursor = entry.second;
    return cursor.pinned_by == 0 && !cursor.no_timeout &&
           now_mono_ms - cursor.last_used_mono_ms > timeout_ms;
  });
  timed_out_ += reaped;
  return reaped;
}

void CursorRegistry::UnpinConnection(uint64_t connection_id, int64_t now_mono_ms) {
  for (auto& [id, cursor] : cursors_) {
    if (cursor.pinned_by == connection_id) {
      cursor.pinned_by = 0;
      // Idle from now on: the client may still come back with a getMore.
      cursor.last_used_mono_ms = now_mono_ms;
    }
  }
}

size_t CursorRegistry::no_timeout() const {
  size_t count = 0;
  for (const auto& [id, cursor] : cursors_) count += cursor.no_timeout ? 1 : 0;
  return count;
}

size_t CursorRegistry::pinned() const {
  size_t count = 0;
  for (const auto& [id, cursor] : cursors_) count += cursor.pinned_by != 0 ? 1 : 0;
  return count;
}

}  // namespace devmongod
