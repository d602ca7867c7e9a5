// The chat page's wiring: the join form, one room session at a time (history +
// live stream into a Timeline), the composer (composer.js) and the connection
// indicator. Data flows: fetchHistory / ResilientStream / postMessage -> Timeline (which
// deduplicates by _id), so a message shows once whichever path brings it.
// Runs on the page's single event loop; no state outside the closures below.

import { describeError, fetchHistory } from "./api.js";
import { wireComposer } from "./composer.js";
import {
  DEFAULT_ROOM,
  loadName,
  nameError,
  roomError,
  roomFromLocation,
  roomUrl,
  saveName,
} from "./settings.js";
import { ResilientStream } from "./stream.js";
import { Timeline } from "./timeline.js";

const HISTORY_PAGE = 50;
// If the stream has not opened by then (pool full, slow network), history is
// shown anyway; it is merged again once the stream is live.
const HISTORY_FALLBACK_MS = 3000;
const HISTORY_RETRY_MS = 5000;

const STATE_TEXT = {
  idle: "Not connected",
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline — waiting for the network",
};

function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html lacks #${id}`);
  return element;
}

function main() {
  const ui = {
    status: byId("status"),
    roomLabel: byId("room-label"),
    roomName: byId("room-name"),
    changeRoom: byId("change-room"),
    join: byId("join"),
    joinName: byId("join-name"),
    joinNameError: byId("join-name-error"),
    joinRoom: byId("join-room"),
    joinRoomError: byId("join-room-error"),
    chat: byId("chat"),
    scroller: byId("scroller"),
    loadOlder: byId("load-older"),
    historyNote: byId("history-note"),
    messages: byId("messages"),
    composer: byId("composer"),
    message: byId("message"),
    send: byId("send"),
    sendError: byId("send-error"),
  };
  const timeline = new Timeline(ui.messages, ui.scroller);
  let session = null; // the room being shown, see enterRoom()

  function showState(state) {
    ui.status.dataset.state = state;
    ui.status.textContent = STATE_TEXT[state] ?? state;
  }

  function showFieldError(input, output, message) {
    output.textContent = message;
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  // -- history ---------------------------------------------------------------
  // Loads the newest page and merges it. Runs once at a time; a request made
  // while one is in flight runs again afterwards, because the one in flight
  // may have been answered before the stream was open.
  async function loadLatest(s) {
    if (s.loading) {
      s.loadAgain = true;
      return;
    }
    s.loading = true;
    try {
      do {
        s.loadAgain = false;
        const page = await fetchHistory(s.room, { limit: HISTORY_PAGE, signal: s.abort.signal });
        if (s !== session) return;
        timeline.add(page.messages);
        if (!s.historyLoaded) {
          s.historyLoaded = true;
          s.older = page.next;
          ui.loadOlder.hidden = s.older === null;
          timeline.scrollToNewest();
        }
      } while (s.loadAgain);
      ui.historyNote.textContent = timeline.size === 0 ? "No messages yet. Say hello!" : "";
    } catch (error) {
      if (s !== session || s.abort.signal.aborted) return;
      ui.historyNote.textContent = `History could not be loaded: ${describeError(error)}`;
      clearTimeout(s.retryTimer);
      s.retryTimer = setTimeout(() => loadLatest(s), HISTORY_RETRY_MS);
    } finally {
      s.loading = false;
    }
  }

  async function loadOlder() {
    const s = session;
    if (!s || s.older === null || ui.loadOlder.disabled) return;
    ui.loadOlder.disabled = true;
    try {
      const page = await fetchHistory(s.room, {
        before: s.older,
        limit: HISTORY_PAGE,
        signal: s.abort.signal,
      });
      if (s !== session) return;
      timeline.add(page.messages);
      s.older = page.next;
      ui.historyNote.textContent = "";
    } catch (error) {
      if (s !== session || s.abort.signal.aborted) return;
      ui.historyNote.textContent = `Older messages could not be loaded: ${describeError(error)}`;
    } finally {
      ui.loadOlder.disabled = false;
      if (s === session && s.older === null) {
        // The button disappears; keep keyboard focus inside the history.
        const hadFocus = document.activeElement === ui.loadOlder;
        ui.loadOlder.hidden = true;
        if (hadFocus) ui.scroller.focus();
      }
    }
  }

  // -- rooms -----------------------------------------------------------------
  function leaveRoom() {
    if (!session) return;
    session.stream.stop();
    session.abort.abort();
    clearTimeout(session.fallbackTimer);
    clearTimeout(session.retryTimer);
    session = null;
    timeline.clear();
    showState("idle");
  }

  function enterRoom(room, name) {
    leaveRoom();
    const s = {
      room,
      name,
      older: null,
      historyLoaded: false,
      loading: false,
      loadAgain: false,
      abort: new AbortController(),
      fallbackTimer: 0,
      retryTimer: 0,
      stream: null,
    };
    session = s;
    timeline.setOwnName(name);
    ui.loadOlder.hidden = true;
    ui.historyNote.textContent = "Loading messages…";
    ui.roomName.textContent = room;
    ui.roomLabel.hidden = false;
    ui.changeRoom.hidden = false;
    ui.join.hidden = true;
    ui.chat.hidden = false;
    document.title = `#${room} — Chat`;
    s.stream = new ResilientStream(room, {
      onMessage: (message) => {
        if (s === session) timeline.add([message]);
      },
      // An open stream that could not resume from an id starts "now": load
      // history after it is open so nothing falls between the two.
      onOpen: ({ resumed }) => {
        if (!resumed || !s.historyLoaded) loadLatest(s);
      },
      onReset: () => loadLatest(s),
      onState: showState,
    });
    s.stream.start();
    s.fallbackTimer = setTimeout(() => {
      if (!s.historyLoaded) loadLatest(s);
    }, HISTORY_FALLBACK_MS);
  }

  function showJoinForm() {
    leaveRoom();
    ui.chat.hidden = true;
    ui.roomLabel.hidden = true;
    ui.changeRoom.hidden = true;
    ui.join.hidden = false;
    document.title = "Chat";
    ui.joinName.value = ui.joinName.value || loadName(localStorage);
    ui.joinRoom.value = ui.joinRoom.value || roomFromLocation(location) || DEFAULT_ROOM;
    (ui.joinName.value ? ui.joinRoom : ui.joinName).focus();
  }

  ui.join.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = ui.joinName.value.trim();
    const room = ui.joinRoom.value.trim();
    const nameProblem = nameError(name);
    const roomProblem = roomError(room);
    showFieldError(ui.joinName, ui.joinNameError, nameProblem);
    showFieldError(ui.joinRoom, ui.joinRoomError, roomProblem);
    if (nameProblem || roomProblem) {
      (nameProblem ? ui.joinName : ui.joinRoom).focus();
      return;
    }
    saveName(localStorage, name);
    if (roomFromLocation(location) !== room) history.pushState(null, "", roomUrl(location, room));
    enterRoom(room, name);
    ui.message.focus();
  });

  ui.changeRoom.addEventListener("click", showJoinForm);
  ui.loadOlder.addEventListener("click", loadOlder);

  window.addEventListener("popstate", () => {
    const room = roomFromLocation(location);
    const name = loadName(localStorage);
    if (room && nameError(name) === "") {
      if (!session || session.room !== room) enterRoom(room, name);
    } else {
      showJoinForm();
    }
  });

  // A page kept in the back/forward cache must not hold its stream open.
  window.addEventListener("pagehide", () => session?.stream.suspend());
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) session?.stream.resume();
  });

  wireComposer(
    { form: ui.composer, box: ui.message, button: ui.send, error: ui.sendError },
    () => session,
    (message, target) => {
      if (target !== session) return;
      timeline.add([message]);
      timeline.scrollToNewest();
    },
  );

  // -- start -----------------------------------------------------------------
  const room = roomFromLocation(location);
  const name = loadName(localStorage);
  if (room && nameError(name) === "") {
    ui.joinName.value = name;
    ui.joinRoom.value = room;
    enterRoom(room, name);
  } else {
    showJoinForm();
  }
}

main();
