// ResilientStream: one room's live messages over EventSource, kept alive.
//
// EventSource already reconnects by itself after a stream that answered 200
// ends or breaks, sending Last-Event-ID so the server resumes exactly. It
// gives up for good (readyState CLOSED) when a (re)connection answers
// non-200 - e.g. 503 while the stream pool is full. Then this wrapper opens a
// new EventSource itself after an exponential backoff with jitter (1 s up to
// 30 s), passing the last id it saw as ?lastEventId= because a new
// EventSource cannot set the header. It also reconnects at once when the
// browser comes back online or the tab becomes visible again.
//
// States reported through onState: "connecting", "live", "reconnecting",
// "offline". Single-threaded (the page's event loop); one instance per room.

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

// The wait before reconnect attempt `attempt` (0-based): doubling from 1 s,
// capped at 30 s, spread by ±20 % so many tabs do not return in lock-step.
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** Math.min(attempt, 16));
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, jittered)));
}

export function streamUrl(room, lastEventId) {
  const params = new URLSearchParams({ room });
  if (lastEventId) params.set("lastEventId", lastEventId);
  return "/api/stream-messages?" + params;
}

export class ResilientStream {
  #room;
  #handlers;
  #source = null;
  #lastEventId = "";
  #attempt = 0;
  #timer = 0;
  #state = "";
  #stopped = false;
  // Back online: the old connection may be a dead TCP socket (a changed
  // network) that would only time out much later, so always start afresh;
  // the last id makes that lossless.
  #onOnline = () => this.#reconnectSoon({ evenIfOpen: true });
  #onOffline = () => this.#setState("offline");
  #onVisibility = () => {
    if (document.visibilityState === "visible") this.#reconnectSoon();
  };

  // handlers: onMessage(message, id), onUpdate(message, id),
  // onDelete({_id, room, deletedAt}, id), onReset(info), onOpen({resumed}),
  // onState(state), onServerError(error) - all optional.
  constructor(room, handlers) {
    this.#room = room;
    this.#handlers = handlers;
  }

  get lastEventId() {
    return this.#lastEventId;
  }

  get state() {
    return this.#state;
  }

  start() {
    window.addEventListener("online", this.#onOnline);
    window.addEventListener("offline", this.#onOffline);
    document.addEventListener("visibilitychange", this.#onVisibility);
    this.#open();
  }

  // The page went into the back/forward cache (pagehide): let go of the
  // connection - every open stream pins a server worker - but keep the last
  // id, so resume() continues exactly where the page left off.
  suspend() {
    clearTimeout(this.#timer);
    this.#closeSource();
  }

  resume() {
    this.#attempt = 0;
    this.#open();
  }

  stop() {
    this.#stopped = true;
    window.removeEventListener("online", this.#onOnline);
    window.removeEventListener("offline", this.#onOffline);
    document.removeEventListener("visibilitychange", this.#onVisibility);
    clearTimeout(this.#timer);
    this.#closeSource();
  }

  #open() {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#closeSource();
    if (navigator.onLine === false) {
      // Nothing to try until the browser says it is online again.
      this.#setState("offline");
      return;
    }
    this.#setState(this.#state === "" ? "connecting" : "reconnecting");
    const source = new EventSource(streamUrl(this.#room, this.#lastEventId));
    this.#source = source;
    source.addEventListener("open", () => {
      if (source !== this.#source) return;
      this.#attempt = 0;
      this.#setState("live");
      // Without an id the server cannot resume: the caller fills any gap
      // from history (the stream is open now, so nothing later is missed).
      this.#emit("onOpen", { resumed: this.#lastEventId !== "" });
    });
    source.addEventListener("message", (event) => {
      if (source !== this.#source) return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return; // A frame we cannot read is skipped, not fatal.
      }
      if (event.lastEventId) this.#lastEventId = event.lastEventId;
      this.#emit("onMessage", message, event.lastEventId);
    });
    // Edits and deletes carry their own ids: resuming after one of them
    // continues after it, as after a message.
    for (const [name, handler] of [["update", "onUpdate"], ["delete", "onDelete"]]) {
      source.addEventListener(name, (event) => {
        if (source !== this.#source) return;
        const data = safeParse(event.data);
        if (event.lastEventId) this.#lastEventId = event.lastEventId;
        if (data) this.#emit(handler, data, event.lastEventId);
      });
    }
    source.addEventListener("reset", (event) => {
      if (source !== this.#source) return;
      this.#emit("onReset", safeParse(event.data));
    });
    source.addEventListener("error", (event) => this.#onError(source, event));
  }

  #onError(source, event) {
    if (source !== this.#source) return;
    if (typeof event.data === "string") {
      // The server's own `event: error` frame (database trouble); the stream
      // ends after it and EventSource reconnects by itself.
      this.#emit("onServerError", safeParse(event.data));
    }
    if (navigator.onLine === false) {
      this.#setState("offline");
    } else if (source.readyState === EventSource.CLOSED) {
      this.#scheduleReconnect();
    } else if (source.readyState === EventSource.CONNECTING) {
      this.#setState("reconnecting");
    }
  }

  #scheduleReconnect() {
    this.#closeSource();
    this.#setState(navigator.onLine === false ? "offline" : "reconnecting");
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#open(), backoffDelay(this.#attempt));
    this.#attempt += 1;
  }

  // online / visible again: if the stream is not healthy, try now rather than
  // wait out a long backoff.
  #reconnectSoon({ evenIfOpen = false } = {}) {
    if (this.#stopped) return;
    const source = this.#source;
    if (!evenIfOpen && source && source.readyState === EventSource.OPEN) return;
    this.#attempt = 0;
    this.#open();
  }

  #closeSource() {
    if (this.#source) {
      this.#source.close();
      this.#source = null;
    }
  }

  #setState(state) {
    if (state === this.#state) return;
    this.#state = state;
    this.#emit("onState", state);
  }

  #emit(name, ...args) {
    const handler = this.#handlers[name];
    if (typeof handler === "function") handler(...args);
  }
}

function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
