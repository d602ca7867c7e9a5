// MessageStore: the messages of one room, each kept once (by _id), in
// timeline order. Pure data, no DOM, so it can be checked on its own.
// History pages, the live stream and POST answers all feed the same store;
// whichever delivers a message first wins and the others are ignored, which
// is what makes "no loss, no repeat" hold across reconnects and reloads.
// Single-threaded (the page's event loop); not shared between rooms.

// Order: by _id, the server's canonical order. History pages and backfill
// are sorted by _id, and a new message's id sorts after every message stored
// before it was posted (see the README, "Message order"), so _id order is
// posting order. The live stream delivers in commit order, which can differ
// from _id order for posts made at the same moment; placing every message by
// its _id gives every reader of a room the same sequence, however its
// messages arrived. Ids are 24 lowercase hex digits, so text order is byte
// order.
export function compareMessages(a, b) {
  if (a._id === b._id) return 0;
  return a._id < b._id ? -1 : 1;
}

export function isMessage(value) {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof value._id === "string" &&
    value._id.length > 0 &&
    typeof value.username === "string" &&
    typeof value.content === "string"
  );
}

export class MessageStore {
  #byId = new Map();
  #ordered = []; // sorted by compareMessages

  get size() {
    return this.#ordered.length;
  }

  has(id) {
    return this.#byId.has(id);
  }

  get(id) {
    return this.#byId.get(id) ?? null;
  }

  // The messages in timeline order (a copy).
  list() {
    return this.#ordered.slice();
  }

  // Adds one message; returns its index in timeline order, or -1 when it was
  // already known or is not a message.
  add(message) {
    if (!isMessage(message) || this.#byId.has(message._id)) return -1;
    this.#byId.set(message._id, message);
    const index = this.#insertionIndex(message);
    this.#ordered.splice(index, 0, message);
    return index;
  }

  // Replaces a known message by its edited version (same _id, so the same
  // place); returns its index, or -1 when the message is not shown.
  replace(message) {
    if (!isMessage(message) || !this.#byId.get(message._id)) return -1;
    this.#byId.set(message._id, message);
    const index = this.#insertionIndex(message);
    this.#ordered[index] = message;
    return index;
  }

  // Removes a (deleted) message; returns the index it had, or -1. Its id
  // stays known, so a late copy from a history page does not bring it back.
  remove(id) {
    const message = this.#byId.get(id);
    if (!message) return -1;
    const index = this.#insertionIndex(message);
    this.#ordered.splice(index, 1);
    this.#byId.set(id, null);
    return index;
  }

  // Binary search; live messages almost always belong at the end, so that
  // case is checked first.
  #insertionIndex(message) {
    const list = this.#ordered;
    if (list.length === 0 || compareMessages(list[list.length - 1], message) < 0) {
      return list.length;
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareMessages(list[mid], message) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
