// Message ids whose order is the posting order (issue #10).
//
// History pages and backfill sort by _id, so the _id must order messages the
// way their authors saw them: if a post's 201 reached a client before another
// post was sent, the first must sort before the second, whichever worker,
// process or host handled each. A clock alone cannot promise that (two
// workers may read the same tick; two hosts' clocks disagree), so a new id's
// leading bytes are the larger of
//   * the current time, to the microsecond, and
//   * the newest id already stored in the collection, plus one,
// read from the database just before the insert. Once a post is
// acknowledged its id is stored, so every later post's id is greater, on any
// host, whatever its clock says: the database is the one source of order.
//
// Layout (big-endian): seconds(4) | milliseconds(2) | microseconds(2) |
// random(4). The first four bytes stay the standard ObjectId seconds (tools
// that read an ObjectId's time still work) and milliseconds sit where ids of
// earlier versions kept them. The first eight bytes, read as one number, are
// the "order key"; the random bytes only keep ids of concurrent posts
// (same key from two workers) apart.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>

namespace chat {

// The order key of a moment given in microseconds since the Unix epoch.
uint64_t OrderKeyAt(int64_t unix_us);

// The order key of an existing id (its first eight bytes).
uint64_t OrderKeyOf(const bson_oid_t& id);

// The key for a new message: now, unless that does not sort after the
// newest stored id.
uint64_t NextOrderKey(int64_t now_unix_us, const std::optional<bson_oid_t>& newest_stored);

// The wall-clock millisecond a key stands for (the message's createdAt):
// never decreases as keys grow, so createdAt agrees with the order.
int64_t OrderKeyMs(uint64_t key);

// Pure layout: key(8) | random(4).
bson_oid_t ComposeMessageId(uint64_t key, uint32_t random);

}  // namespace chat
