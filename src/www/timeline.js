// Timeline: renders a room's MessageStore into an <ol>, in order, each
// message once. Text is only ever set through textContent, never parsed as
// HTML, so a message such as "<img onerror=…>" shows as the characters typed.
// Keeps the view at the newest message unless the reader scrolled up, and
// keeps the reader's place when older messages are added above.
// Single-threaded (the page's event loop); one instance per room view.

import { MessageStore } from "./message_store.js";

// Within this many pixels of the bottom counts as "reading the newest".
const STICK_THRESHOLD_PX = 48;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export class Timeline {
  #list;
  #scroller;
  #store = new MessageStore();
  #ownName = "";

  // list: the <ol>; scroller: the element that scrolls (its ancestor).
  constructor(list, scroller) {
    this.#list = list;
    this.#scroller = scroller;
  }

  get size() {
    return this.#store.size;
  }

  setOwnName(name) {
    this.#ownName = name;
  }

  clear() {
    this.#store = new MessageStore();
    this.#list.replaceChildren();
  }

  // Adds messages from any source; known ids are ignored. Returns how many
  // were new.
  add(messages) {
    const atBottom = this.#isAtBottom();
    const heightBefore = this.#scroller.scrollHeight;
    const topBefore = this.#scroller.scrollTop;
    let added = 0;
    let addedAbove = false;
    for (const message of messages) {
      const index = this.#store.add(message);
      if (index < 0) continue;
      added += 1;
      const next = this.#list.children[index] ?? null;
      if (next !== null) addedAbove = true;
      this.#list.insertBefore(this.#render(message), next);
    }
    if (added === 0) return 0;
    if (atBottom) {
      this.scrollToNewest();
    } else if (addedAbove) {
      // Older messages went in above what the reader is looking at: shift by
      // the added height so the same messages stay in view.
      this.#scroller.scrollTop = topBefore + (this.#scroller.scrollHeight - heightBefore);
    }
    return added;
  }

  scrollToNewest() {
    this.#scroller.scrollTop = this.#scroller.scrollHeight;
  }

  #isAtBottom() {
    const s = this.#scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= STICK_THRESHOLD_PX;
  }

  #render(message) {
    const item = document.createElement("li");
    item.className = "message";
    item.dataset.id = message._id;
    if (this.#ownName !== "" && message.username === this.#ownName) item.classList.add("own");

    const meta = document.createElement("div");
    meta.className = "meta";
    const author = document.createElement("span");
    author.className = "author";
    author.textContent = message.username;
    meta.append(author);

    const created = new Date(message.createdAt);
    if (!Number.isNaN(created.getTime())) {
      const time = document.createElement("time");
      time.dateTime = created.toISOString();
      time.title = fullFormat.format(created);
      time.textContent = timeFormat.format(created);
      meta.append(" ", time);
    }

    const content = document.createElement("p");
    content.className = "content";
    content.textContent = message.content;

    item.append(meta, content);
    return item;
  }
}
