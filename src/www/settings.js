// The user's identity and room: validation with the API's rules, the room in
// the address (?room= or #room=, so a link can be shared) and the name kept in
// localStorage. No network, no DOM beyond location/history/localStorage.

export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_ROOM = "general";
export const MAX_NAME_CHARS = 64;
export const MAX_CONTENT_CHARS = 2000;
const NAME_KEY = "chat.username";

// Code points, as the API counts them (not UTF-16 units).
function charCount(text) {
  return [...text].length;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f]/;

// Each validator returns an error message, or "" when the value is fine.
export function roomError(room) {
  return ROOM_PATTERN.test(room)
    ? ""
    : "Room names use 1–64 letters, digits, “-” or “_”.";
}

export function nameError(name) {
  const trimmed = name.trim();
  if (trimmed === "") return "Please enter a name.";
  if (charCount(trimmed) > MAX_NAME_CHARS) return `Names are at most ${MAX_NAME_CHARS} characters.`;
  if (CONTROL.test(trimmed)) return "Names cannot contain control characters.";
  return "";
}

export function contentError(content) {
  const trimmed = content.trim();
  if (trimmed === "") return "Type a message first.";
  const count = charCount(trimmed);
  if (count > MAX_CONTENT_CHARS) {
    return `Messages are at most ${MAX_CONTENT_CHARS} characters (this one has ${count}).`;
  }
  if (CONTROL_EXCEPT_NEWLINE.test(trimmed)) return "Messages cannot contain control characters.";
  return "";
}

// The room named in the address, or "" when none (or an invalid one) is given.
export function roomFromLocation(location) {
  const fromQuery = new URLSearchParams(location.search).get("room");
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, "")).get("room");
  const room = fromQuery ?? fromHash ?? "";
  return roomError(room) === "" ? room : "";
}

export function roomUrl(location, room) {
  const url = new URL(location.href);
  url.searchParams.set("room", room);
  url.hash = "";
  return url.pathname + url.search;
}

// localStorage may be unavailable (privacy modes, storage disabled); the page
// then simply does not remember the name.
export function loadName(storage) {
  try {
    return storage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

export function saveName(storage, name) {
  try {
    storage.setItem(NAME_KEY, name);
  } catch {
    // Not remembered; nothing else depends on it.
  }
}
