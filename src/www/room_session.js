// RoomSession: one room being shown — its live stream (ResilientStream) and
// its history pages — feeding one Timeline. Everything it starts (stream,
// timers, fetches) ends with stop(), so leaving a room leaves nothing behind.
// Single-threaded (the page's event loop); one instance per room shown.

import { describeError, fetchHistory } from "./api.js";
import { ResilientStream } from "./stream.js";

const HISTORY_PAGE = 50;
// If the stream has not opened by then (pool full, slow network), history is
// shown anyway; it is merged again once the stream is live.
const HISTORY_FALLBACK_MS = 3000;
const HISTORY_RETRY_MS = 5000;

export class RoomSession {
  #timeline;
  #view;
  #stream;
  #older = null; // the `next` of the last history page: where older messages start
  #historyLoaded = false;
  #loading = false;
  #loadAgain = false;
  #loadingOlder = false;
  #abort = new AbortController();
  #fallbackTimer = 0;
  #retryTimer = 0;
  #stopped = false;

  // view: onState(state), onNote(text), onOlderAvailable(bool) — how the
  // page shows the connection, history notes and the "Load older" button.
  constructor(room, name, timeline, view) {
    this.room = room;
    this.name = name;
    this.#timeline = timeline;
    this.#view = view;
    this.#stream = new ResilientStream(room, {
      onMessage: (message) => {
        if (!this.#stopped) timeline.add([message]);
      },
      onUpdate: (message) => {
        if (!this.#stopped) timeline.update(message);
      },
      onDelete: (deleted) => {
        if (!this.#stopped && typeof deleted._id === "string") timeline.remove(deleted._id);
      },
      // An open stream that could not resume from an id starts "now": load
      // history after it is open so nothing falls between the two.
      onOpen: ({ resumed }) => {
        if (!resumed || !this.#historyLoaded) this.#loadLatest();
      },
      onReset: () => this.#loadLatest(),
      onState: view.onState,
    });
  }

  start() {
    this.#view.onOlderAvailable(false);
    this.#view.onNote("Loading messages…");
    this.#stream.start();
    this.#fallbackTimer = setTimeout(() => {
      if (!this.#historyLoaded) this.#loadLatest();
    }, HISTORY_FALLBACK_MS);
  }

  stop() {
    this.#stopped = true;
    this.#stream.stop();
    this.#abort.abort();
    clearTimeout(this.#fallbackTimer);
    clearTimeout(this.#retryTimer);
  }

  // The page went into, or came back from, the back/forward cache.
  suspend() {
    this.#stream.suspend();
  }

  resume() {
    this.#stream.resume();
  }

  // A message this page posted (the POST answer): shown at once, the stream's
  // copy is then ignored.
  addOwn(message) {
    if (this.#stopped) return;
    this.#timeline.add([message]);
    this.#timeline.scrollToNewest();
  }

  // Loads the next page of older messages; false when there is none or one
  // is loading.
  async loadOlder() {
    if (this.#stopped || this.#older === null || this.#loadingOlder) return false;
    this.#loadingOlder = true;
    try {
      const page = await this.#fetch(this.#older);
      if (this.#stopped) return false;
      this.#timeline.add(page.messages);
      this.#older = page.next;
      this.#view.onNote("");
      return true;
    } catch (error) {
      if (!this.#stopped) {
        this.#view.onNote(`Older messages could not be loaded: ${describeError(error)}`);
      }
      return false;
    } finally {
      this.#loadingOlder = false;
      if (!this.#stopped && this.#older === null) this.#view.onOlderAvailable(false);
    }
  }

  #fetch(before) {
    const options = { limit: HISTORY_PAGE, signal: this.#abort.signal };
    if (before) options.before = before;
    return fetchHistory(this.room, options);
  }

  // Loads the newest page and merges it. Runs once at a time; a request made
  // while one is in flight runs again afterwards, because the one in flight
  // may have been answered before the stream was open.
  async #loadLatest() {
    if (this.#loading) {
      this.#loadAgain = true;
      return;
    }
    this.#loading = true;
    try {
      do {
        this.#loadAgain = false;
        const page = await this.#fetch(null);
        if (this.#stopped) return;
        this.#timeline.add(page.messages);
        if (!this.#historyLoaded) this.#firstPageLoaded(page);
      } while (this.#loadAgain);
      this.#view.onNote(this.#timeline.size === 0 ? "No messages yet. Say hello!" : "");
    } catch (error) {
      if (this.#stopped) return;
      this.#view.onNote(`History could not be loaded: ${describeError(error)}`);
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => this.#loadLatest(), HISTORY_RETRY_MS);
    } finally {
      this.#loading = false;
    }
  }

  #firstPageLoaded(page) {
    this.#historyLoaded = true;
    this.#older = page.next;
    this.#view.onOlderAvailable(this.#older !== null);
    this.#timeline.scrollToNewest();
  }
}
