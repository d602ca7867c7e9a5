#!/usr/bin/python3
"""The chat page in headless Chromium against the whole stack (devmongod,
chat-pool, the FastCGI workers, nginx with its CSP): two pages in a room,
delivery across an nginx reload and a killed stream worker, text never parsed
as HTML, the page's own reconnect after the stream pool answered 503, older
history, and screenshots (desktop and 360x740, light and dark) written to
CHAT_WWW_ARTIFACTS for a human to look at."""
import json
import os
import signal
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "deploy"))
sys.path.insert(0, HERE)
from chat_stack import ChatStack, SseClient, wait_until  # noqa: E402
from webdriver import CHROMEDRIVER, CHROMIUM, ENTER, TAB, ChromeDriver  # noqa: E402

ARTIFACTS = os.environ.get("CHAT_WWW_ARTIFACTS") or os.path.join(os.getcwd(), "artifacts")
# Few stream slots so the test can fill the pool and see the page's 503 path.
STREAM_SLOTS = 4
# A short change history, so a page kept away long enough gets `event: reset`.
OPLOG_ENTRIES = 30
STACK = None
DRIVER = None
PAGES = []  # two browsers, reused by the tests

# The page's rendered messages as [id, author, content] in document order.
MESSAGES_JS = """
return [...document.querySelectorAll('#messages > li')].map(
  (li) => [li.dataset.id, li.querySelector('.author').textContent,
           li.querySelector('.content').textContent]);
"""
STATE_JS = "return document.getElementById('status').dataset.state;"
# WCAG contrast of text against the nearest opaque background, for the given
# selectors: [[selector, ratio]].
CONTRAST_JS = """
const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255;
  return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
  .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
const background = (el) => { for (; el; el = el.parentElement) {
  const c = rgb(getComputedStyle(el).backgroundColor);
  if (c.length === 3 || c[3] === 1) return c.slice(0, 3); } return [255, 255, 255]; };
return arguments[0].map((sel) => { const el = document.querySelector(sel);
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
  return [sel, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]; });
"""
CONTRAST_SELECTORS = ["#messages .content", "#messages .meta time", "#messages .author", "#status",
                      "#send", "#change-room", ".title"]


def setUpModule():
    global STACK, DRIVER
    os.makedirs(ARTIFACTS, exist_ok=True)
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            raise AssertionError("%s is missing: install Debian's chromium and chromium-driver "
                                 "(deploy/install-deps.sh)" % tool)
    STACK = ChatStack(env={"CHAT_HEARTBEAT_S": "1", "CHAT_RETRY_MS": "3000"},
                      stream_workers=STREAM_SLOTS, min_idle=1,
                      devmongod_args=("--oplog-entries", str(OPLOG_ENTRIES))).start()
    try:
        DRIVER = ChromeDriver(os.path.join(ARTIFACTS, "chromedriver.log"))
        PAGES.extend([DRIVER.new_browser(), DRIVER.new_browser()])
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if DRIVER:
        DRIVER.stop()
    if STACK:
        if sys.exc_info()[0] is not None or os.environ.get("CHAT_KEEP_STATE"):
            print("stack state in", STACK.state_dir)
        STACK.stop()


def room(name):
    return "%s-%d" % (name, os.getpid())


def url(path):
    return "http://127.0.0.1:%d%s" % (STACK.port, path)


def join(page, room_name, user):
    """Opens the page for a room, types the name into the join form, and waits
    until the stream is live."""
    page.get(url("/?room=" + room_name))
    page.execute("localStorage.clear();")
    page.get(url("/?room=" + room_name))
    page.wait_for("return !document.getElementById('join').hidden;", 30, "the join form")
    page.type_into("#join-name", user + ENTER)
    page.wait_for("return !document.getElementById('chat').hidden;", 30, "the chat view")
    page.wait_for("return document.getElementById('status').dataset.state === 'live';", 60,
                  "the stream to be live")


def wait_for_contents(page, expected, timeout=60, what="messages"):
    """Waits until the page shows exactly `expected` (contents, in order); on
    timeout says what it showed instead."""
    deadline = time.monotonic() + timeout
    shown = []
    while time.monotonic() < deadline:
        shown = [m[2] for m in page.execute(MESSAGES_JS)]
        if shown == expected:
            return
        time.sleep(0.2)
    raise AssertionError("%s: expected %r, page shows %r" % (what, expected, shown))


def connected_unix_socket_inodes():
    inodes = set()
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            fields = line.split()
            if len(fields) >= 7 and fields[5] == "03":  # SS_CONNECTED
                inodes.add(fields[6])
    return inodes


def stream_workers():
    """pids of the stream pool's workers that serve a request: those holding
    a connected Unix socket, i.e. a FastCGI connection from nginx (the
    listening socket on fd 0 is not connected, and the database connection an
    idle worker keeps for its next stream is TCP)."""
    pool = STACK.pools["stream"].pid
    connected = connected_unix_socket_inodes()
    busy = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != pool:
                continue
            fd_dir = "/proc/%s/fd" % entry
            links = [os.readlink(os.path.join(fd_dir, fd)) for fd in os.listdir(fd_dir)]
        except (OSError, ValueError, IndexError):
            continue  # exited meanwhile
        if any(link.startswith("socket:[") and link[8:-1] in connected for link in links):
            busy.append(int(entry))
    return busy


def is_running(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def post_all(room_name, contents):
    ids = []
    for content in contents:
        status, _, body = STACK.post("api", content, room_name)
        if status != 201:
            raise AssertionError("POST %r answered %d: %r" % (content, status, body))
        ids.append(body["_id"])
    return ids


def both_pages_in(name):
    """Blank pages (no stream left open), then alice and bob in a new room."""
    blank_pages()
    r = room(name)
    a, b = PAGES
    join(a, r, "alice")
    join(b, r, "bob")
    return r, a, b


def blank_pages():
    for page in PAGES:
        page.get("about:blank")
    # Browsers leaving close their streams; the workers notice within a heartbeat.
    wait_until(lambda: STACK.pool_status("stream")["busy"] == 0, 60, "no busy stream worker")


class Modules(unittest.TestCase):
    def test_page_modules_inside_the_browser(self):
        a = PAGES[0]
        a.get(url("/?room=" + room("modules")))
        with open(os.path.join(HERE, "module_checks.js")) as f:
            failures = a.execute_async(f.read())
        self.assertEqual(failures, [], "\n".join(failures))


class TwoPages(unittest.TestCase):
    def test_message_typed_with_enter_appears_once_in_both_pages(self):
        r = room("typed")
        a, b = PAGES
        join(a, r, "alice")
        join(b, r, "bob")
        a.type_into("#message", "hello from alice" + ENTER)
        for page in (a, b):
            wait_for_contents(page, ["hello from alice"], what="the typed message")
        # The POST answer and the stream both deliver it: still shown once.
        time.sleep(2)
        for page in (a, b):
            shown = page.execute(MESSAGES_JS)
            self.assertEqual(len(shown), 1, shown)
            self.assertEqual(shown[0][1], "alice")
        self.assertEqual(a.execute("return document.getElementById('message').value;"), "")
        self.assertEqual(a.execute("return document.getElementById('send-error').textContent;"), "")

    def test_shift_enter_is_a_newline_and_invalid_input_keeps_the_text(self):
        r = room("compose")
        a = PAGES[0]
        join(a, r, "alice")
        # Shift+Enter inserts a newline (WebDriver holds Shift until the end
        # of the sequence, so release it with NULL before Enter).
        a.type_into("#message", "line one\ue008\ue007\ue000line two" + ENTER)
        wait_for_contents(a, ["line one\nline two"], what="a two-line message")
        white_space = a.execute("return getComputedStyle(document.querySelector('#messages .content'))"
                                ".whiteSpace;")
        self.assertEqual(white_space, "pre-wrap")
        too_long = "x" * 2001
        a.execute("document.getElementById('message').value = arguments[0];", too_long)
        a.type_into("#message", ENTER)
        error = a.wait_for("return document.getElementById('send-error').textContent;", 10,
                           "an error next to the box")
        self.assertIn("2000", error)
        self.assertEqual(a.execute("return document.getElementById('message').value;"), too_long)
        self.assertEqual(len(a.execute(MESSAGES_JS)), 1)

    def test_nginx_reload_and_killed_stream_worker_lose_and_repeat_nothing(self):
        r, a, b = both_pages_in("survive")
        expected = ["m%02d" % i for i in range(12)]
        post_all(r, expected[0:3])
        for page in (a, b):
            wait_for_contents(page, expected[0:3], what="messages before the reload")
        STACK.reload_nginx()
        post_all(r, expected[3:6])
        busy = wait_until(lambda: stream_workers() if len(stream_workers()) == 2 else None, 30,
                          "the two pages' busy stream workers")
        os.kill(busy[0], signal.SIGKILL)
        post_all(r, expected[6:9])
        time.sleep(1.5)  # the page whose stream died reconnects meanwhile
        post_all(r, expected[9:12])
        for page in (a, b):
            wait_for_contents(page, expected, what="every message once, in order")
            ids = [m[0] for m in page.execute(MESSAGES_JS)]
            self.assertEqual(len(set(ids)), len(ids))
        time.sleep(2)  # a late duplicate would show up now
        for page in (a, b):
            wait_for_contents(page, expected, timeout=1, what="still every message once")
            self.assertEqual(page.execute(STATE_JS), "live")

    def test_both_pages_show_the_servers_order_for_concurrent_posts(self):
        # Four posters at once: the live stream delivers in commit order,
        # which for posts made at the same moment need not be _id order. Both
        # pages must still show one sequence, the one history gives, and a
        # page loaded afresh (history only) shows it too.
        r, a, b = both_pages_in("concurrent")
        threads = [threading.Thread(target=post_all, args=(r, ["p%d-%02d" % (t, i) for i in range(10)]))
                   for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        status, page = STACK.history("?room=%s&limit=200" % r)
        self.assertEqual(status, 200)
        in_order = [m["content"] for m in reversed(page["messages"])]
        self.assertEqual(len(in_order), 40)
        for each in (a, b):
            wait_for_contents(each, in_order, what="the server's order")
        b.get(url("/?room=" + r))
        wait_for_contents(b, in_order, what="the same order after a reload")

    def test_markup_in_a_message_is_shown_as_text(self):
        r = room("markup")
        a, b = PAGES
        join(a, r, "alice")
        join(b, r, "<b>bob</b>")
        payload = "<img src=x onerror=alert(1)>"
        a.type_into("#message", payload + ENTER)
        for page in (a, b):
            wait_for_contents(page, [payload], what="the markup message")
        time.sleep(1)  # an image error handler would have run by now
        for page in (a, b):
            self.assertIsNone(page.alert_text(), "a dialog opened")
            self.assertEqual(page.execute("return document.images.length;"), 0)
            self.assertEqual(page.execute("return document.querySelectorAll('#messages *').length;"),
                             5, "one message is li, meta, author, time and content only")
        b.type_into("#message", "hi" + ENTER)
        wait_for_contents(a, [payload, "hi"], what="the reply")
        self.assertEqual(a.execute(MESSAGES_JS)[1][1], "<b>bob</b>")
        self.assertEqual(a.execute("return document.querySelectorAll('#messages b').length;"), 0)


class OwnReconnect(unittest.TestCase):
    def test_page_reopens_after_503_with_its_last_event_id_and_reloads_on_reset(self):
        blank_pages()
        r = room("full")
        a = PAGES[0]
        join(a, r, "alice")
        post_all(r, ["before"])
        wait_for_contents(a, ["before"], what="the first message")
        (mine,) = wait_until(lambda: stream_workers() or None, 30, "the page's stream worker")
        # Fill every other slot, then take the page's slot the moment its
        # worker dies (its EventSource waits `retry:` = 3 s before trying).
        holders = [SseClient(STACK.port, "/api/stream-messages?room=filler")
                   for _ in range(STREAM_SLOTS - 1)]
        try:
            self.assertEqual([h.status for h in holders], [200] * (STREAM_SLOTS - 1))
            os.kill(mine, signal.SIGKILL)
            wait_until(lambda: not is_running(mine), 10, "the killed worker to be gone")
            last = wait_until(lambda: self._take_slot(holders), 10, "a free stream slot")
            self.assertEqual(last.status, 200)
            a.wait_for("return document.getElementById('status').dataset.state === 'reconnecting';",
                       30, "the page to show it is reconnecting")
            # More than the database keeps: resuming from the page's last id
            # fails, the stream says `event: reset` and the page reloads history.
            while_full = ["while full %02d" % i for i in range(OPLOG_ENTRIES + 10)]
            post_all(r, while_full)
            time.sleep(3)  # at least one 503 and a backoff pass
        finally:
            for h in holders:
                h.close()
        a.wait_for("return document.getElementById('status').dataset.state === 'live';", 90,
                   "the page to be live again")
        post_all(r, ["after"])
        wait_for_contents(a, ["before"] + while_full + ["after"],
                          what="the reopened stream (after a reset) and the reloaded history")
        # nginx logs a request when it ends: close the page's stream first.
        blank_pages()
        with open(os.path.join(STACK.state_dir, "nginx-access.log")) as f:
            log = "".join(line for line in f if "stream-messages?room=%s" % r in line)
        self.assertRegex(log, r"stream-messages\?room=%s[^ ]* HTTP/1.1\" 503" % r,
                         "the page's stream was never refused")
        self.assertRegex(log, r"stream-messages\?room=%s&lastEventId=[0-9A-Fa-f]+ HTTP/1.1\" 200" % r,
                         "the page did not reopen with ?lastEventId=")

    @staticmethod
    def _take_slot(holders):
        client = SseClient(STACK.port, "/api/stream-messages?room=filler")
        if client.status == 200:
            holders.append(client)
            return client
        client.close()
        return None


class SendErrors(unittest.TestCase):
    # Holds the page's next POST until window.releasePost(status, body) answers it.
    HOLD_POST_JS = """
window.realFetch = window.realFetch || window.fetch;
window.fetch = (url, options) => {
  if (!options || options.method !== 'POST') return window.realFetch(url, options);
  return new Promise((resolve) => {
    window.releasePost = (status, body) => resolve(new Response(JSON.stringify(body), {status,
      headers: {'Content-Type': 'application/json', 'Retry-After': '1'}}));
  });
};
"""

    def test_api_errors_are_shown_next_to_the_box_and_the_text_is_kept(self):
        r = room("errors")
        a = PAGES[0]
        join(a, r, "alice")
        # A real API error: a lone surrogate is not valid JSON for the server.
        a.execute("document.getElementById('message').value = 'bad \\ud800 text';")
        a.type_into("#message", ENTER)
        error = a.wait_for("return document.getElementById('send-error').textContent;", 30,
                           "the server's error")
        self.assertIn("not valid JSON", error)
        self.assertTrue(a.execute("return document.getElementById('message').value === "
                                  "'bad \\ud800 text';"), "the text was not kept")
        # 429: disabled while sending, then told to retry, text kept.
        a.execute("document.getElementById('message').value = 'retry me';")
        a.execute(self.HOLD_POST_JS)
        a.type_into("#message", ENTER)
        a.wait_for("return typeof window.releasePost === 'function';", 10, "the held POST")
        self.assertEqual(a.execute("return [document.getElementById('send').disabled, "
                                   "document.getElementById('message').readOnly];"), [True, True])
        a.execute("window.releasePost(429, {error: {code: 'rate_limited', "
                  "message: 'Too many messages; slow down and retry.'}});")
        error = a.wait_for("return document.getElementById('send-error').textContent;", 10,
                           "the rate-limit error")
        self.assertIn("retry in 1 s", error)
        self.assertEqual(a.execute("return [document.getElementById('send').disabled, "
                                   "document.getElementById('message').readOnly, "
                                   "document.getElementById('message').value];"),
                         [False, False, "retry me"])
        # Retrying for real sends it once and clears the error.
        a.execute("window.fetch = window.realFetch;")
        a.type_into("#message", ENTER)
        wait_for_contents(a, ["retry me"], what="the retried message")
        self.assertEqual(a.execute("return document.getElementById('send-error').textContent;"), "")


class Offline(unittest.TestCase):
    NETWORK = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}

    def test_offline_is_shown_and_nothing_is_lost_when_back(self):
        blank_pages()
        r = room("offline")
        a = PAGES[0]
        join(a, r, "alice")
        post_all(r, ["one"])
        wait_for_contents(a, ["one"], what="the first message")
        a.cdp("Network.enable", {})
        try:
            a.cdp("Network.emulateNetworkConditions", dict(self.NETWORK, offline=True))
            a.wait_for("return document.getElementById('status').dataset.state === 'offline';", 30,
                       "the page to say it is offline")
            self.assertIn("Offline", a.execute("return document.getElementById('status').textContent;"))
            post_all(r, ["two"])
        finally:
            a.cdp("Network.emulateNetworkConditions", dict(self.NETWORK, offline=False))
            a.cdp("Network.disable", {})
        a.wait_for("return document.getElementById('status').dataset.state === 'live';", 60,
                   "the page to be live again")
        post_all(r, ["three"])
        wait_for_contents(a, ["one", "two", "three"], what="every message once after going online")


class Accessibility(unittest.TestCase):
    FOCUSED_JS = "return document.activeElement && (document.activeElement.id || " \
                 "document.activeElement.textContent.trim());"

    def tab_order(self, page, start, count):
        """Focuses #start, presses Tab `count` times; the focused elements in turn."""
        page.execute("document.getElementById(arguments[0]).focus();", start)
        order = []
        for _ in range(count):
            page.press(TAB)
            order.append(page.execute(self.FOCUSED_JS))
        return order

    def test_labels_status_and_keyboard_order(self):
        blank_pages()
        a = PAGES[0]
        a.get(url("/?room=" + room("keys")))
        a.execute("localStorage.clear();")
        a.get(url("/?room=" + room("keys")))
        a.wait_for("return !document.getElementById('join').hidden;", 30, "the join form")
        unlabeled = a.execute("return [...document.querySelectorAll('input, textarea')]"
                              ".filter((e) => e.labels.length === 0).map((e) => e.id);")
        self.assertEqual(unlabeled, [])
        self.assertEqual(a.execute("return document.getElementById('status').getAttribute('aria-live');"),
                         "polite")
        self.assertEqual(self.tab_order(a, "join-name", 2), ["join-room", "Join"])
        a.type_into("#join-name", "kim" + ENTER)
        a.wait_for("return document.getElementById('status').dataset.state === 'live';", 60, "live")
        self.assertEqual(a.execute("return document.activeElement.id;"), "message")
        self.assertEqual(self.tab_order(a, "change-room", 3), ["scroller", "message", "send"])
        outline = a.execute("document.getElementById('send').focus({focusVisible: true});"
                            "return getComputedStyle(document.getElementById('send')).outlineStyle;")
        self.assertEqual(outline, "solid", "focus must be visible")


class History(unittest.TestCase):
    AT_BOTTOM_JS = ("const s = document.getElementById('scroller');"
                    "return s.scrollHeight - s.scrollTop - s.clientHeight <= 48;")

    def test_load_older_and_scrolling(self):
        blank_pages()
        r = room("older")
        contents = ["h%02d" % i for i in range(60)]
        post_all(r, contents)
        a = PAGES[0]
        join(a, r, "alice")
        wait_for_contents(a, contents[10:], what="the newest 50")
        a.wait_for(self.AT_BOTTOM_JS, 10, "the view to start at the newest message")
        # Reading older messages: a new one must not pull the view down.
        a.execute("document.getElementById('scroller').scrollTop = 0;")
        post_all(r, ["while reading"])
        wait_for_contents(a, contents[10:] + ["while reading"], what="the live message")
        self.assertEqual(a.execute("return document.getElementById('scroller').scrollTop;"), 0)
        # Older messages go in above and keep the reader's place.
        first = a.execute("return document.querySelector('#messages > li').dataset.id;")
        self.assertTrue(a.execute("return !document.getElementById('load-older').hidden;"))
        a.click("#load-older")
        wait_for_contents(a, contents + ["while reading"], what="all messages after load older")
        a.wait_for("return document.getElementById('load-older').hidden;", 10,
                   "the button to go when history is exhausted")
        kept = a.execute("const s = document.getElementById('scroller').getBoundingClientRect();"
                         "const li = document.querySelector('#messages > li[data-id=\"' + arguments[0] +"
                         "'\"]').getBoundingClientRect(); return li.top >= s.top && li.top < s.bottom;",
                         first)
        self.assertTrue(kept, "the message that was at the top left the view")
        # Back at the bottom, new messages are followed again.
        a.execute("const s = document.getElementById('scroller'); s.scrollTop = s.scrollHeight;")
        post_all(r, ["followed"])
        wait_for_contents(a, contents + ["while reading", "followed"], what="the next live message")
        a.wait_for(self.AT_BOTTOM_JS, 10, "the view to follow the newest message")


class RoomAndName(unittest.TestCase):
    def test_room_from_the_address_and_remembered_name(self):
        blank_pages()
        r = room("remember")
        a = PAGES[0]
        join(a, r, "zoe")
        self.assertEqual(a.execute("return localStorage.getItem('chat.username');"), "zoe")
        post_all(r, ["hi zoe"])
        # A shared link with #room= opens the room directly with the stored name.
        a.get(url("/#room=" + r))
        a.wait_for("return document.getElementById('status').dataset.state === 'live';", 60, "live")
        self.assertTrue(a.execute("return document.getElementById('join').hidden;"))
        self.assertEqual(a.execute("return document.getElementById('room-name').textContent;"), r)
        wait_for_contents(a, ["hi zoe"], what="the room's history")
        # An invalid room in the form is refused with a message, not sent.
        a.click("#change-room")
        a.execute("document.getElementById('join-room').value = 'no spaces';")
        a.type_into("#join-room", ENTER)
        error = a.wait_for("return document.getElementById('join-room-error').textContent;", 10,
                           "the room error")
        self.assertIn("letters", error)
        self.assertEqual(a.execute("return document.getElementById('join-room')"
                                   ".getAttribute('aria-invalid');"), "true")


class EarlyJoin(unittest.TestCase):
    # Holds the page's GET /api/me until the test lets it through (installed
    # in every new document of the page through the DevTools protocol).
    HOLD_ME = """
        const realFetch = window.fetch.bind(window);
        let release;
        const gate = new Promise((resolve) => { release = resolve; });
        window.__releaseMe = () => release();
        window.fetch = (input, init) =>
            String(input && input.url ? input.url : input).includes("/api/me")
                ? gate.then(() => realFetch(input, init)) : realFetch(input, init);
    """

    def test_enter_before_the_server_says_who_we_are_still_joins(self):
        blank_pages()
        r = room("early")
        a = PAGES[0]
        a.get(url("/?room=" + r))
        a.execute("localStorage.clear();")
        added = a.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": self.HOLD_ME})
        try:
            a.get(url("/?room=" + r))
            # The form is on screen while /api/me is still unanswered: Enter
            # must not submit it natively (a page load that loses the join).
            a.wait_for("return !document.getElementById('join').hidden;", 30, "the join form")
            a.type_into("#join-name", "early" + ENTER)
            self.assertTrue(a.execute("return document.getElementById('chat').hidden;"))
            self.assertEqual(a.execute("return location.search;"), "?room=" + r)
            a.execute("window.__releaseMe();")
            a.wait_for("return !document.getElementById('chat').hidden;", 30, "the chat view")
            a.wait_for("return document.getElementById('status').dataset.state === 'live';", 60,
                       "the stream to be live")
            self.assertEqual(a.execute("return localStorage.getItem('chat.username');"), "early")
        finally:
            a.cdp("Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]})


class Screenshots(unittest.TestCase):
    def test_screenshots_desktop_and_phone_light_and_dark(self):
        blank_pages()
        r = room("look")
        post_all(r, ["Welcome to the room!", "Lines keep their breaks:\n- one\n- two",
                     "A long word: " + "supercalifragilistic" * 4,
                     "<img src=x onerror=alert(1)> stays text"])
        a = PAGES[0]
        join(a, r, "alice")
        a.type_into("#message", "My own message" + ENTER)
        wait_for_contents(a, ["Welcome to the room!", "Lines keep their breaks:\n- one\n- two",
                              "A long word: " + "supercalifragilistic" * 4,
                              "<img src=x onerror=alert(1)> stays text", "My own message"])
        sizes = {"desktop": (1280, 800, False), "phone": (360, 740, True)}
        written = []
        for size_name, (width, height, mobile) in sizes.items():
            a.cdp("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
            for scheme in ("light", "dark"):
                a.cdp("Emulation.setEmulatedMedia",
                      {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
                time.sleep(0.3)
                overflow = a.execute("return document.documentElement.scrollWidth - innerWidth;")
                self.assertLessEqual(overflow, 0, "%s/%s scrolls sideways" % (size_name, scheme))
                background = a.execute("return getComputedStyle(document.body).backgroundColor;")
                is_dark = background != "rgb(255, 255, 255)"
                self.assertEqual(is_dark, scheme == "dark", background)
                low = [(sel, round(ratio, 2)) for sel, ratio in a.execute(CONTRAST_JS, CONTRAST_SELECTORS)
                       if ratio < 4.5]
                self.assertEqual(low, [], "%s/%s: text contrast below 4.5:1" % (size_name, scheme))
                path = os.path.join(ARTIFACTS, "chat-%s-%s.png" % (size_name, scheme))
                self.assertGreater(a.screenshot(path), 1000)
                written.append(path)
        # The join form, at phone size in the light scheme.
        a.cdp("Emulation.setEmulatedMedia",
              {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
        a.click("#change-room")
        a.wait_for("return !document.getElementById('join').hidden;", 10, "the join form")
        path = os.path.join(ARTIFACTS, "join-phone-light.png")
        self.assertGreater(a.screenshot(path), 1000)
        written.append(path)
        a.cdp("Emulation.clearDeviceMetricsOverride", {})
        a.cdp("Emulation.setEmulatedMedia", {"features": []})
        print("screenshots:", *written, sep="\n  ")
        violations = [m for _, m in a.console() if "Content Security Policy" in m]
        self.assertEqual(violations, [], "the page breaks its CSP")


if __name__ == "__main__":
    unittest.main(verbosity=2)
