// Timeline: renders a room's MessageStore into an <ol>, in order, each
// message once. Text is only ever set through textContent, never parsed as
// HTML, so a message such as "<img onerror=…>" shows as the characters typed.
// Keeps the view at the newest message unless the reader scrolled up, and
// keeps the reader's place when older messages are added above.
// Messages the reader may change get Edit / Delete buttons; an edit or a
// delete (the reader's own, or another browser's from the stream) changes the
// message in place or takes it out.
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
  // Who may change what: {userId, moderator, anyone}; and what a change does:
  // {edit(message, text) -> Promise<message>, remove(message) -> Promise}.
  #permissions = { userId: "", moderator: false, anyone: false };
  #actions = null;

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

  setPermissions(permissions, actions) {
    this.#permissions = { ...this.#permissions, ...permissions };
    this.#actions = actions;
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

  // An edited message (same _id): re-rendered where it is. Unknown ids are
  // ignored (not loaded yet: history will bring the edited text).
  update(message) {
    const index = this.#store.replace(message);
    if (index < 0) return false;
    const old = this.#list.children[index];
    if (old) old.replaceWith(this.#render(message));
    return true;
  }

  // A deleted message leaves the timeline.
  remove(id) {
    const index = this.#store.remove(id);
    if (index < 0) return false;
    this.#list.children[index]?.remove();
    return true;
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

    if (message.editedAt) {
      const edited = document.createElement("span");
      edited.className = "edited";
      edited.textContent = "(edited)";
      meta.append(" ", edited);
    }
    item.append(meta, content);
    const actions = this.#renderActions(message, item, content);
    if (actions) item.append(actions);
    return item;
  }

  #canEdit(message) {
    const p = this.#permissions;
    return p.anyone || (p.userId !== "" && message.userId === p.userId);
  }

  #renderActions(message, item, content) {
    if (!this.#actions) return null;
    const canEdit = this.#canEdit(message);
    const canDelete = canEdit || this.#permissions.moderator;
    if (!canEdit && !canDelete) return null;
    const bar = document.createElement("div");
    bar.className = "actions";
    const error = document.createElement("p");
    error.className = "error";
    error.setAttribute("aria-live", "polite");
    const button = (label, onClick) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link";
      b.textContent = label;
      b.addEventListener("click", onClick);
      bar.append(b);
    };
    if (canEdit) button("Edit", () => this.#startEdit(message, item, content, error));
    if (canDelete) {
      button("Delete", async () => {
        try {
          await this.#actions.remove(message);
          this.remove(message._id);
        } catch (failure) {
          error.textContent = this.#actions.describe(failure);
        }
      });
    }
    bar.append(error);
    return bar;
  }

  // Inline editing: the text becomes a box with Save and Cancel.
  #startEdit(message, item, content, error) {
    const box = document.createElement("textarea");
    box.className = "edit-box";
    box.value = message.content;
    box.setAttribute("aria-label", "Edit message");
    const save = document.createElement("button");
    save.type = "button";
    save.className = "primary";
    save.textContent = "Save";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary";
    cancel.textContent = "Cancel";
    const form = document.createElement("div");
    form.className = "edit";
    form.append(box, save, cancel);
    content.replaceWith(form);
    box.focus();
    cancel.addEventListener("click", () => form.replaceWith(content));
    save.addEventListener("click", async () => {
      save.disabled = true;
      try {
        const edited = await this.#actions.edit(message, box.value);
        if (!this.update(edited)) form.replaceWith(content);
      } catch (failure) {
        error.textContent = this.#actions.describe(failure);
        save.disabled = false;
      }
    });
  }
}
