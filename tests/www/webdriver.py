"""A small W3C WebDriver client over Python's standard library, driving
Debian's headless Chromium through Debian's chromedriver (same package
version, so they always match; nothing is downloaded).

Chromedriver runs in its own process group and dies with the test process;
every browser gets a fresh --user-data-dir that is removed on quit().
Not thread-safe: one test thread drives it.
"""
import base64
import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
ENTER = "\ue007"
TAB = "\ue004"
_LIBC = ctypes.CDLL(None, use_errno=True)

# The flags the project's brief asks for: no background traffic, no updates,
# no QUIC; --no-sandbox because tests may run as root in a container.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-dev-shm-usage", "--window-size=1280,800",
]


def _die_with_parent():
    _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class WebDriverError(AssertionError):
    def __init__(self, status, error, message):
        super().__init__("WebDriver %s (%d): %s" % (error, status, message))
        self.error = error


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromeDriver:
    """The chromedriver process; sessions (browsers) are made with new_browser()."""

    def __init__(self, log_path):
        self.port = _free_port()
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen([CHROMEDRIVER, "--port=%d" % self.port],
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     start_new_session=True, preexec_fn=_die_with_parent)
        self.browsers = []
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = self.call("GET", "/status")
                if status == 200 and body["value"].get("ready"):
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("chromedriver did not start; see %s" % log_path)
            time.sleep(0.1)

    def call(self, method, path, payload=None, timeout=120):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            body = json.dumps(payload).encode() if payload is not None else None
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"{}")
        finally:
            conn.close()

    def new_browser(self, extra_flags=()):
        browser = Browser(self, list(extra_flags))
        self.browsers.append(browser)
        return browser

    def stop(self):
        for browser in self.browsers:
            browser.quit()
        self.browsers = []
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # any browser left behind
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.wait()
        self.log.close()


class Browser:
    """One WebDriver session: a headless Chromium with its own profile."""

    def __init__(self, driver, extra_flags):
        self.driver = driver
        self.profile = tempfile.mkdtemp(prefix="chat-chromium-")
        options = {"binary": CHROMIUM,
                   "args": CHROMIUM_FLAGS + ["--user-data-dir=" + self.profile] + extra_flags}
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options,
            # Dialogs stay open so the test can see them (alert/text) instead
            # of chromedriver dismissing them and failing a later command.
            "unhandledPromptBehavior": "ignore",
            "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"script": 60000, "pageLoad": 60000, "implicit": 0}}}}
        try:
            self.session = self._checked("POST", "/session", caps)["sessionId"]
        except BaseException:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise

    def _checked(self, method, path, payload=None):
        status, body = self.driver.call(method, path, payload)
        value = body.get("value")
        if status != 200:
            value = value or {}
            raise WebDriverError(status, value.get("error", "?"), value.get("message", "")[:2000])
        return value

    def _cmd(self, method, path, payload=None):
        return self._checked(method, "/session/%s%s" % (self.session, path), payload)

    # -- commands --------------------------------------------------------------
    def get(self, url):
        self._cmd("POST", "/url", {"url": url})

    def add_cookie(self, name, value, http_only=True):
        """Sets a cookie for the current page's origin (the page must be open)."""
        self._cmd("POST", "/cookie", {"cookie": {"name": name, "value": value, "path": "/",
                                                 "httpOnly": http_only}})

    def execute(self, script, *args):
        return self._cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def execute_async(self, script, *args):
        return self._cmd("POST", "/execute/async", {"script": script, "args": list(args)})

    def find(self, css):
        return self._cmd("POST", "/element", {"using": "css selector", "value": css})[ELEMENT_KEY]

    def type_into(self, css, text):
        self._cmd("POST", "/element/%s/value" % self.find(css), {"text": text})

    def click(self, css):
        self._cmd("POST", "/element/%s/click" % self.find(css), {})

    def press(self, key):
        """Presses and releases one key on whatever has focus (e.g. TAB)."""
        self._cmd("POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]})

    def console(self):
        """Console messages since the last call: [(level, message)] (chromedriver's log)."""
        entries = self._cmd("POST", "/se/log", {"type": "browser"})
        return [(e.get("level", ""), e.get("message", "")) for e in entries]

    def alert_text(self):
        """The open dialog's text, or None when no dialog is open."""
        try:
            return self._cmd("GET", "/alert/text")
        except WebDriverError as e:
            if e.error == "no such alert":
                return None
            raise

    def cdp(self, command, params):
        """A Chrome DevTools Protocol command (chromedriver's vendor endpoint)."""
        return self._cmd("POST", "/goog/cdp/execute", {"cmd": command, "params": params})

    def screenshot(self, path):
        data = base64.b64decode(self._cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(data)
        return len(data)

    def wait_for(self, script, timeout, what, *args, interval=0.1):
        """Polls a script until it returns something truthy; fails naming `what`
        and the script's last answer."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.execute(script, *args)
            if value:
                return value
            time.sleep(interval)
        raise AssertionError("timed out after %.0f s waiting for %s (last: %r)" % (timeout, what, value))

    def quit(self):
        if self.session:
            try:
                self._cmd("DELETE", "")
            except (WebDriverError, OSError):
                pass
            self.session = None
        shutil.rmtree(self.profile, ignore_errors=True)
