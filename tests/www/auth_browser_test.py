#!/usr/bin/python3
"""The chat page with authentication on (CHAT_AUTH=jwt), in headless
Chromium: tokens minted with PyJWT arrive as the HttpOnly cookie a site's
login would set; the page shows who it is signed in as instead of asking for
a name, offers Edit on one's own messages and Delete to moderators, and both
pages apply edits and deletes live. A page without a token says it must sign
in first."""
import os
import sys
import tempfile
import time
import unittest

import jwt

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "deploy"))
sys.path.insert(0, HERE)
from chat_stack import ChatStack  # noqa: E402
from webdriver import CHROMEDRIVER, CHROMIUM, ENTER, ChromeDriver  # noqa: E402

ARTIFACTS = os.environ.get("CHAT_WWW_ARTIFACTS") or os.path.join(os.getcwd(), "artifacts")
SECRET = "a browser-test HMAC secret, 32 bytes or more"
STACK = None
DRIVER = None

MESSAGES_JS = """
return [...document.querySelectorAll('#messages > li')].map((li) => ({
  id: li.dataset.id, content: li.querySelector('.content') ?
      li.querySelector('.content').textContent : null,
  edited: !!li.querySelector('.edited'),
  buttons: [...li.querySelectorAll('.actions button')].map((b) => b.textContent)}));
"""


def setUpModule():
    global STACK, DRIVER
    os.makedirs(ARTIFACTS, exist_ok=True)
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            raise AssertionError("%s is missing (deploy/install-deps.sh)" % tool)
    key_file = os.path.join(tempfile.mkdtemp(prefix="chat-auth-browser-"), "secret")
    with open(key_file, "w") as f:
        f.write(SECRET)
    STACK = ChatStack(env={"CHAT_AUTH": "jwt", "CHAT_JWT_KEY_FILE": key_file,
                           "CHAT_HEARTBEAT_S": "1"}, stream_workers=8, min_idle=1).start()
    try:
        DRIVER = ChromeDriver(os.path.join(ARTIFACTS, "chromedriver-auth.log"))
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if DRIVER:
        DRIVER.stop()
    if STACK:
        STACK.stop()


def token(sub, name, **claims):
    payload = {"sub": sub, "name": name, "exp": int(time.time()) + 3600}
    payload.update(claims)
    return jwt.encode(payload, SECRET, algorithm="HS256")


def url(path):
    return "http://127.0.0.1:%d%s" % (STACK.port, path)


def signed_in_page(room_name, tok):
    page = DRIVER.new_browser()
    page.get(url("/index.html"))  # the origin, to set its cookie
    page.add_cookie("chat_token", tok)
    page.console()  # the first load had no token: its 401 is expected
    page.get(url("/?room=" + room_name))
    page.wait_for("return document.getElementById('status').dataset.state === 'live';", 60,
                  "the stream to be live")
    return page


def wait_for(page, predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    shown = None
    while time.monotonic() < deadline:
        shown = page.execute(MESSAGES_JS)
        if predicate(shown):
            return shown
        time.sleep(0.2)
    raise AssertionError("%s: the page shows %r" % (what, shown))


class SignedIn(unittest.TestCase):
    def test_identity_edit_and_delete_live_in_two_pages(self):
        room_name = "auth-%d" % os.getpid()
        alice = signed_in_page(room_name, token("alice", "Alice"))
        moderator = signed_in_page(room_name, token("mod", "Mod", roles=["moderator"]))
        try:
            for page, name in ((alice, "Alice"), (moderator, "Mod")):
                self.assertEqual(page.execute("return document.getElementById('who').textContent;"),
                                 "Signed in as " + name)
                self.assertTrue(page.execute(
                    "return document.getElementById('join-name-field').hidden;"))
            alice.type_into("#message", "first version" + ENTER)
            own = wait_for(alice, lambda m: [x["content"] for x in m] == ["first version"],
                           "Alice's message on her page")
            self.assertEqual(own[0]["buttons"], ["Edit", "Delete"])
            theirs = wait_for(moderator, lambda m: [x["content"] for x in m] == ["first version"],
                              "Alice's message on the moderator's page")
            self.assertEqual(theirs[0]["buttons"], ["Delete"])

            alice.click("#messages .actions button")  # Edit
            alice.wait_for("return !!document.querySelector('.edit-box');", 30, "the edit box")
            alice.execute("document.querySelector('.edit-box').value = 'second version';")
            alice.click(".edit .primary")  # Save
            for page in (alice, moderator):
                wait_for(page, lambda m: m and m[0]["content"] == "second version" and m[0]["edited"],
                         "the edit shown live")

            moderator.click("#messages .actions button")  # Delete
            for page in (alice, moderator):
                wait_for(page, lambda m: m == [], "the delete shown live")
            self.assertEqual([c for c in alice.console() if c[0] == "SEVERE"], [])
        finally:
            alice.quit()
            moderator.quit()

    def test_without_a_token_the_page_asks_to_sign_in(self):
        page = DRIVER.new_browser()
        try:
            page.get(url("/?room=nobody"))
            page.wait_for("return document.getElementById('join-note').textContent.length > 0;", 30,
                          "the sign-in note")
            self.assertIn("sign in", page.execute(
                "return document.getElementById('join-note').textContent;"))
            self.assertTrue(page.execute("return document.getElementById('chat').hidden;"))
        finally:
            page.quit()


if __name__ == "__main__":
    unittest.main(verbosity=2)
