// The message box: Enter sends, Shift+Enter adds a line; the box is read-only
// and the button disabled while a post is in flight; API errors are shown
// next to the box and the text is kept so the user can retry.
// Single-threaded (the page's event loop); one instance for the page.

import { describeError, postMessage } from "./api.js";
import { contentError } from "./settings.js";

// elements: {form, box, button, error}. currentTarget() returns the room and
// name to post as ({room, name}) or null when no room is open; onPosted gets
// the stored message the server answered with (the stream also brings it;
// the timeline keeps one copy).
export function wireComposer(elements, currentTarget, onPosted) {
  const { form, box, button, error } = elements;
  let sending = false;

  box.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    form.requestSubmit();
  });

  box.addEventListener("input", () => {
    if (error.textContent) error.textContent = "";
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const target = currentTarget();
    if (!target || sending) return;
    const text = box.value;
    const problem = contentError(text);
    if (problem) {
      error.textContent = problem;
      return;
    }
    sending = true;
    button.disabled = true;
    box.readOnly = true; // keeps focus and the text, blocks edits mid-send
    form.setAttribute("aria-busy", "true");
    try {
      const message = await postMessage({ username: target.name, content: text, room: target.room });
      error.textContent = "";
      box.value = "";
      onPosted(message, target);
    } catch (failure) {
      error.textContent = describeError(failure); // the text stays for a retry
    } finally {
      sending = false;
      button.disabled = false;
      box.readOnly = false;
      form.removeAttribute("aria-busy");
      box.focus();
    }
  });
}
