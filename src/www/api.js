// Fetch helpers for the chat's HTTP API (see README "HTTP API"). Every
// failure becomes an ApiError carrying the API's JSON error (code, message)
// or a network description, so callers show one kind of error.
// Stateless; safe to call concurrently.

export class ApiError extends Error {
  constructor(status, code, message, retryAfterSeconds) {
    super(message);
    this.name = "ApiError";
    this.status = status; // 0 = no HTTP answer (network down, aborted)
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds; // null when the server gave none
  }

  // 429 and 503 say "not now": the same request may succeed later.
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status === 503;
  }
}

async function errorFrom(response) {
  const retryAfter = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  const retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : null;
  let code = "http_" + response.status;
  let message = `The server answered ${response.status} ${response.statusText}.`.trim();
  try {
    const body = await response.json();
    if (body && body.error && typeof body.error.message === "string") {
      code = String(body.error.code ?? code);
      message = body.error.message;
    }
  } catch {
    // Not JSON (a proxy's page, say): keep the generic message.
  }
  return new ApiError(response.status, code, message, retryAfterSeconds);
}

async function request(url, options) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", cache: "no-store", ...options });
  } catch (cause) {
    if (options && options.signal && options.signal.aborted) throw cause;
    throw new ApiError(0, "network_error", "The chat server cannot be reached.", null);
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    throw new ApiError(response.status, "invalid_response", "The server's answer was not JSON.", null);
  }
}

// One page of a room's history, newest first: {messages: [...], next: id|null}.
export async function fetchHistory(room, { before = "", limit = 50, signal } = {}) {
  const params = new URLSearchParams({ room, limit: String(limit) });
  if (before) params.set("before", before);
  const body = await request("/api/messages?" + params, { signal });
  return {
    messages: Array.isArray(body.messages) ? body.messages : [],
    next: typeof body.next === "string" && body.next !== "" ? body.next : null,
  };
}

// Posts one message; resolves to the stored message as the server returns it.
export async function postMessage({ username, content, room }) {
  return request("/api/messages", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, content, room }),
  });
}

// Edits one's own message; resolves to the message as stored now.
export async function editMessage(id, content) {
  return request("/api/messages/" + encodeURIComponent(id), {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ content }),
  });
}

// Deletes a message (its author, or a moderator).
export async function deleteMessage(id) {
  await request("/api/messages/" + encodeURIComponent(id), { method: "DELETE" });
}

// Who the page is signed in as: {auth: "off"} when the server does not
// authenticate, else {auth, userId, name, rooms, roles, moderator}; throws an
// ApiError with status 401 when it does and the browser has no valid token.
export async function fetchMe() {
  return request("/api/me", {});
}

// A sentence for the user: the API's own message, plus when to retry.
export function describeError(error) {
  if (!(error instanceof ApiError)) return "Something went wrong; please try again.";
  if (error.status === 429 || error.status === 503) {
    const wait = error.retryAfterSeconds ? ` in ${error.retryAfterSeconds} s` : " in a moment";
    return `${error.message} Your message was not sent; please retry${wait}.`;
  }
  if (error.status === 0) return `${error.message} Your message was kept; retry when you are back online.`;
  return error.message;
}
