// Checks of the page's own modules, run inside the served page by
// browser_test.py through WebDriver's "execute async script": this file is
// the body of a function whose last argument is the callback; it answers with
// the list of failed checks (empty when all pass). The modules are imported
// from the server, exactly as the page loads them.
const done = arguments[arguments.length - 1];
(async () => {
  const failures = [];
  const check = (name, actual, expected) => {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a !== e) failures.push(`${name}: expected ${e}, got ${a}`);
  };
  const { MessageStore, compareMessages } = await import("/message_store.js");
  const { backoffDelay, streamUrl } = await import("/stream.js");
  const settings = await import("/settings.js");
  const { ApiError, describeError, fetchHistory } = await import("/api.js");
  const { Timeline } = await import("/timeline.js");

  const msg = (id, createdAt, content = "c" + id) => ({ _id: id, username: "u", content, createdAt });

  // MessageStore: order by _id alone (the server's order), each id once,
  // whatever createdAt says (it may lag behind on a host with a slow clock).
  const store = new MessageStore();
  check("add to empty", store.add(msg("b", "2026-01-01T00:00:02.000Z")), 0);
  check("add lower id goes first", store.add(msg("a", "2026-01-01T00:00:05.000Z")), 0);
  check("add highest id goes last", store.add(msg("d", "2026-01-01T00:00:01.000Z")), 2);
  check("in between by id", store.add(msg("c", "2026-01-01T00:00:02.000Z")), 2);
  check("duplicate id ignored", store.add(msg("b", "2026-01-01T00:00:09.000Z", "changed")), -1);
  check("not a message ignored", store.add({ _id: "x" }), -1);
  check("null ignored", store.add(null), -1);
  check("order", store.list().map((m) => m._id), ["a", "b", "c", "d"]);
  check("first copy kept", store.list()[1].content, "cb");
  check("size", store.size, 4);
  check("compare equal", compareMessages(msg("a", "t"), msg("a", "u")), 0);
  check("compare by id", compareMessages(msg("6b0b0097007b01c8ffffffff", "2"), msg("6b0b0097007b01c900000000", "1")), -1);

  // Edits replace in place; deletes remove for good (a late history copy of
  // a deleted message does not bring it back).
  check("replace known", store.replace(msg("c", "2026-01-01T00:00:02.000Z", "edited")), 2);
  check("replaced content", store.get("c").content, "edited");
  check("replace unknown", store.replace(msg("z", "t")), -1);
  check("remove", store.remove("b"), 1);
  check("order after remove", store.list().map((m) => m._id), ["a", "c", "d"]);
  check("remove again", store.remove("b"), -1);
  check("removed stays out", store.add(msg("b", "t")), -1);
  check("removed not replaced", store.replace(msg("b", "t")), -1);
  check("size after remove", store.size, 3);

  // Backoff: 1 s doubling to 30 s, jitter ±20 %, never outside [1 s, 30 s].
  check("first delay, low jitter", backoffDelay(0, () => 0), 1000);
  check("first delay, high jitter", backoffDelay(0, () => 1), 1200);
  check("fourth delay", backoffDelay(3, () => 0.5), 8000);
  check("capped", backoffDelay(5, () => 1), 30000);
  check("capped far out", backoffDelay(1000, () => 0), 24000);
  let previous = 0;
  for (let attempt = 0; attempt < 12; attempt++) {
    const delay = backoffDelay(attempt, () => 0.5);
    if (delay < previous) failures.push(`backoff shrinks at attempt ${attempt}`);
    previous = delay;
  }
  check("stream url", streamUrl("general", ""), "/api/stream-messages?room=general");
  check("stream url resumes", streamUrl("a-b", "82AB"), "/api/stream-messages?room=a-b&lastEventId=82AB");

  // Validation mirrors the API (code points, not UTF-16 units).
  check("room ok", settings.roomError("Room_1-x"), "");
  check("room 64", settings.roomError("r".repeat(64)), "");
  check("room 65", settings.roomError("r".repeat(65)) !== "", true);
  check("room space", settings.roomError("a b") !== "", true);
  check("room empty", settings.roomError("") !== "", true);
  check("name ok", settings.nameError(" ada "), "");
  check("name blank", settings.nameError("   ") !== "", true);
  check("name 64 emoji", settings.nameError("\u{1F600}".repeat(64)), "");
  check("name 65 chars", settings.nameError("n".repeat(65)) !== "", true);
  check("name tab", settings.nameError("a\tb") !== "", true);
  check("content newline ok", settings.contentError("a\nb"), "");
  check("content tab", settings.contentError("a\tb") !== "", true);
  check("content 2000", settings.contentError("x".repeat(2000)), "");
  check("content 2001", settings.contentError("x".repeat(2001)) !== "", true);
  check("content blank", settings.contentError(" \n ") !== "", true);
  const loc = (search, hash) => ({ search, hash });
  check("room from query", settings.roomFromLocation(loc("?room=abc", "")), "abc");
  check("room from hash", settings.roomFromLocation(loc("", "#room=xyz")), "xyz");
  check("query wins", settings.roomFromLocation(loc("?room=q", "#room=h")), "q");
  check("invalid room ignored", settings.roomFromLocation(loc("?room=a%20b", "")), "");
  check("room url", settings.roomUrl(new URL("http://h/?room=a#room=b"), "c"), "/?room=c");

  // API errors: the server's JSON error becomes an ApiError.
  try {
    await fetchHistory("not a room");
    failures.push("fetchHistory accepted an invalid room");
  } catch (error) {
    check("api error class", error instanceof ApiError, true);
    check("api error status/code", [error.status, error.code], [400, "invalid_room"]);
  }
  const limited = describeError(new ApiError(429, "rate_limited", "Too many.", 3));
  check("429 says retry", limited.includes("retry in 3 s"), true);
  check("400 is the server's message", describeError(new ApiError(400, "x", "Bad room.", null)), "Bad room.");

  // Timeline: markup stays text, duplicates are dropped, DOM order = store order.
  const scroller = document.createElement("div");
  const list = document.createElement("ol");
  scroller.append(list);
  const timeline = new Timeline(list, scroller);
  check("timeline adds", timeline.add([msg("2", "2026-01-01T00:00:02Z", "<b>bold</b>\nline")]), 1);
  check("timeline dedupes", timeline.add([msg("2", "2026-01-01T00:00:02Z")]), 0);
  check("timeline inserts older first", timeline.add([msg("1", "2026-01-01T00:00:01Z")]), 1);
  check("dom order", [...list.children].map((li) => li.dataset.id), ["1", "2"]);
  check("no element from text", list.querySelector("b"), null);
  check("text kept", list.children[1].querySelector(".content").textContent, "<b>bold</b>\nline");
  timeline.clear();
  check("clear", [timeline.size, list.children.length], [0, 0]);

  done(failures);
})().catch((error) => done([`the checks threw: ${(error && error.stack) || error}`]));
