// The chat page's wiring: the join form, one RoomSession at a time (history +
// live stream into a Timeline, room_session.js), the composer (composer.js)
// and the connection indicator. Data flows: history pages / the live stream /
// POST answers -> Timeline (which keeps each _id once, in _id order), so a
// message shows once, in its place, whichever path brings it.
// Runs on the page's single event loop; all state lives in the ChatPage.

import { deleteMessage, describeError, editMessage, fetchMe } from "./api.js";
import { wireComposer } from "./composer.js";
import { RoomSession } from "./room_session.js";
import {
  DEFAULT_ROOM,
  loadName,
  nameError,
  roomError,
  roomFromLocation,
  roomUrl,
  saveName,
} from "./settings.js";
import { Timeline } from "./timeline.js";

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

function findElements() {
  const ids = {
    status: "status",
    roomLabel: "room-label",
    roomName: "room-name",
    changeRoom: "change-room",
    who: "who",
    joinNameField: "join-name-field",
    joinNote: "join-note",
    join: "join",
    joinName: "join-name",
    joinNameError: "join-name-error",
    joinRoom: "join-room",
    joinRoomError: "join-room-error",
    chat: "chat",
    scroller: "scroller",
    loadOlder: "load-older",
    historyNote: "history-note",
    messages: "messages",
    composer: "composer",
    message: "message",
    send: "send",
    sendError: "send-error",
  };
  return Object.fromEntries(Object.entries(ids).map(([key, id]) => [key, byId(id)]));
}

function showFieldError(input, output, message) {
  output.textContent = message;
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

// The page: at most one RoomSession at a time, the join form otherwise.
class ChatPage {
  #ui = findElements();
  #timeline = new Timeline(this.#ui.messages, this.#ui.scroller);
  #session = null;
  // The signed-in identity ({auth, userId, name, ...}), {auth: "off"} when
  // the server does not authenticate, or null when it does and we are not.
  #me = { auth: "off" };
  // Settles once #me is known; the join form waits for it.
  #meKnown = Promise.resolve();

  get #signedIn() {
    return this.#me !== null && this.#me.auth !== "off";
  }

  async start() {
    // The join form is on screen before the server has said who we are: its
    // handler goes first, or an early Enter would submit the form natively
    // (a page load) instead of joining.
    this.#wireJoinForm();
    this.#meKnown = this.#whoAmI();
    await this.#meKnown;
    this.#wireHistoryButton();
    this.#wireNavigation();
    const ui = this.#ui;
    wireComposer(
      { form: ui.composer, box: ui.message, button: ui.send, error: ui.sendError },
      () => this.#session,
      (message, target) => target.addOwn(message),
    );
    const room = roomFromLocation(location);
    const name = this.#currentName();
    if (room && nameError(name) === "" && this.#me !== null) {
      ui.joinName.value = name;
      ui.joinRoom.value = room;
      this.#enterRoom(room, name);
    } else {
      this.#showJoinForm();
    }
  }

  // Asks the server who we are. With authentication on, the name is the
  // token's (the name field goes away) and Edit/Delete follow the token;
  // without a valid token the page says so instead of failing every request.
  async #whoAmI() {
    const ui = this.#ui;
    try {
      this.#me = await fetchMe();
    } catch (error) {
      // 401: sign-in needed. Anything else (an older server without
      // /api/me, a network error): carry on as without authentication.
      this.#me = error.status === 401 ? null : { auth: "off" };
    }
    const me = this.#me;
    ui.joinNameField.hidden = this.#signedIn || me === null;
    ui.who.hidden = !this.#signedIn;
    if (this.#signedIn) ui.who.textContent = `Signed in as ${me.name}`;
    ui.joinNote.textContent =
      me === null ? "This chat needs you to sign in first; reload the page once you have." : "";
    this.#timeline.setPermissions(
      {
        userId: this.#signedIn ? me.userId : "",
        moderator: this.#signedIn && me.moderator === true,
        anyone: me !== null && me.auth === "off" && me.moderationWithoutAuth === true,
      },
      {
        edit: (message, text) => editMessage(message._id, text),
        remove: (message) => deleteMessage(message._id),
        describe: describeError,
      },
    );
  }

  #currentName() {
    return this.#signedIn ? this.#me.name : loadName(localStorage);
  }

  #showState(state) {
    this.#ui.status.dataset.state = state;
    this.#ui.status.textContent = STATE_TEXT[state] ?? state;
  }

  // The "Load older" button; when it goes away, keyboard focus stays inside
  // the history.
  #showOlderAvailable(available) {
    const button = this.#ui.loadOlder;
    if (!available && document.activeElement === button) this.#ui.scroller.focus();
    button.hidden = !available;
  }

  #leaveRoom() {
    if (!this.#session) return;
    this.#session.stop();
    this.#session = null;
    this.#timeline.clear();
    this.#showState("idle");
  }

  #enterRoom(room, name) {
    this.#leaveRoom();
    const ui = this.#ui;
    this.#timeline.setOwnName(name);
    ui.roomName.textContent = room;
    ui.roomLabel.hidden = false;
    ui.changeRoom.hidden = false;
    ui.join.hidden = true;
    ui.chat.hidden = false;
    document.title = `#${room} — Chat`;
    this.#session = new RoomSession(room, name, this.#timeline, {
      onState: (state) => this.#showState(state),
      onNote: (text) => {
        ui.historyNote.textContent = text;
      },
      onOlderAvailable: (available) => this.#showOlderAvailable(available),
    });
    this.#session.start();
  }

  #showJoinForm() {
    this.#leaveRoom();
    const ui = this.#ui;
    ui.chat.hidden = true;
    ui.roomLabel.hidden = true;
    ui.changeRoom.hidden = true;
    ui.join.hidden = false;
    document.title = "Chat";
    ui.joinName.value = ui.joinName.value || this.#currentName();
    ui.joinRoom.value = ui.joinRoom.value || roomFromLocation(location) || DEFAULT_ROOM;
    (ui.joinName.value ? ui.joinRoom : ui.joinName).focus();
  }

  #wireJoinForm() {
    const ui = this.#ui;
    ui.join.addEventListener("submit", async (event) => {
      event.preventDefault();
      await this.#meKnown;
      if (this.#me === null) return;
      const name = this.#signedIn ? this.#me.name : ui.joinName.value.trim();
      const room = ui.joinRoom.value.trim();
      const nameProblem = nameError(name);
      const roomProblem = roomError(room);
      showFieldError(ui.joinName, ui.joinNameError, nameProblem);
      showFieldError(ui.joinRoom, ui.joinRoomError, roomProblem);
      if (nameProblem || roomProblem) {
        (nameProblem ? ui.joinName : ui.joinRoom).focus();
        return;
      }
      if (!this.#signedIn) saveName(localStorage, name);
      if (roomFromLocation(location) !== room) history.pushState(null, "", roomUrl(location, room));
      this.#enterRoom(room, name);
      ui.message.focus();
    });
    ui.changeRoom.addEventListener("click", () => this.#showJoinForm());
  }

  #wireHistoryButton() {
    const button = this.#ui.loadOlder;
    button.addEventListener("click", async () => {
      if (!this.#session || button.disabled) return;
      button.disabled = true;
      try {
        await this.#session.loadOlder();
      } finally {
        button.disabled = false;
      }
    });
  }

  #wireNavigation() {
    window.addEventListener("popstate", () => {
      const room = roomFromLocation(location);
      const name = this.#currentName();
      if (room && nameError(name) === "" && this.#me !== null) {
        if (!this.#session || this.#session.room !== room) this.#enterRoom(room, name);
      } else {
        this.#showJoinForm();
      }
    });
    // A page kept in the back/forward cache must not hold its stream open.
    window.addEventListener("pagehide", () => this.#session?.suspend());
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) this.#session?.resume();
    });
  }
}

new ChatPage().start();
