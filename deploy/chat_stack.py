"""Starts the whole chat on loopback, for the end-to-end tests and for the
benchmark (deploy/bench.py), which is why it lives here and not with the
tests: devmongod (unless
MONGODB_URI is set), one chat-pool per program, and a real nginx rendered
from nginx/ with its own state folder and free ports. Everything is torn
down on stop(), on interpreter exit and on failure; nothing touches the
system's nginx.

Paths come from the environment CTest sets: CHAT_BIN_DIR (build/bin) and
CHAT_SOURCE_DIR (the repository).
"""
import atexit
import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN_DIR = os.environ.get("CHAT_BIN_DIR", "")
_LIBC = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # Runs in the child before exec: if the test process dies (even by
    # SIGKILL from a CTest timeout), the child gets SIGTERM and shuts down.
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


# A SIGTERM to the test must still run the clean-up registered with atexit.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
SOURCE_DIR = os.environ.get("CHAT_SOURCE_DIR", "")
IS_ROOT = os.geteuid() == 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))


class Process:
    """A child in its own process group, so stopping it also stops its children."""

    def __init__(self, name, argv, env=None, stdout=None, log_path=None, **popen_args):
        # popen_args: further subprocess.Popen settings (user, group, umask, cwd, ...).
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "ab") if log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=stdout or self.log, stderr=self.log,
                                     start_new_session=True, preexec_fn=_die_with_parent,
                                     **popen_args)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def send_signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.alive():
            try:
                os.kill(self.proc.pid, sig)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (workers of a pool) goes too.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.log is not subprocess.DEVNULL:
            self.log.close()
            self.log = subprocess.DEVNULL


class DevMongod:
    def __init__(self, state_dir, extra_args=()):
        self.state_dir = state_dir
        self.dbpath = os.path.join(state_dir, "db")
        os.makedirs(self.dbpath, exist_ok=True)
        self.extra_args = list(extra_args)
        self.port = 0
        self.process = None

    def start(self):
        argv = [os.path.join(BIN_DIR, "devmongod"), "--port", str(self.port), "--dbpath", self.dbpath,
                "--quiet"] + self.extra_args
        self.process = Process("devmongod", argv, stdout=subprocess.PIPE,
                               log_path=os.path.join(self.state_dir, "devmongod.log"))
        line = self.process.proc.stdout.readline().decode()
        m = re.match(r"^devmongod listening on (\S+):(\d+)$", line.strip())
        if not m:
            self.process.stop()
            raise AssertionError("devmongod did not start: %r (see %s)" % (line, self.process.log_path))
        self.port = int(m.group(2))
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.process:
            self.process.stop(sig)
            if self.process.proc.stdout:
                self.process.proc.stdout.close()
            self.process = None

    def uri(self, database="chat"):
        return "mongodb://127.0.0.1:%d/%s?replicaSet=rs0" % (self.port, database)


class ChatStack:
    def __init__(self, env=None, stream_workers=32, message_workers=4, min_idle=2,
                 post_rate=1000, devmongod_args=(), mongodb_uri=None, exec_workers=False,
                 idle_timeout_s=60, pool_env=None, messages_processes=0):
        self.state_dir = tempfile.mkdtemp(prefix="chat-stack-")
        # nginx's unprivileged workers must reach the sockets in here.
        os.chmod(self.state_dir, 0o711)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.stream_workers = stream_workers
        self.message_workers = message_workers
        self.min_idle = min_idle
        self.idle_timeout_s = idle_timeout_s
        self.post_rate = post_rate
        self.devmongod_args = devmongod_args
        self.mongodb_uri = mongodb_uri or os.environ.get("MONGODB_URI")
        # By default each program runs its own pool (`PROGRAM --pool`, workers
        # forked from it, as deployed); exec_workers=True puts chat-pool in
        # front instead, exec'ing a fresh program per worker.
        self.exec_workers = exec_workers
        # Extra environment for one pool only, e.g. {"messages": {...}}.
        self.pool_env = pool_env or {}
        # messages_processes=N: no messages pool; N separate `messages
        # --socket` processes instead (as spawn-fcgi or one systemd unit
        # each would run them), with nginx spreading requests round-robin.
        self.messages_processes = messages_processes
        self.db = None
        self.pools = {}
        self.nginx = None
        self.port = 0
        atexit.register(self.stop)

    # -- lifecycle -----------------------------------------------------------
    def start(self):
        try:
            # Both programs' metrics, as deployed (GET /metrics reads them).
            self.env.setdefault("CHAT_METRICS_DIR", os.path.join(self.state_dir, "metrics"))
            os.makedirs(self.env["CHAT_METRICS_DIR"], exist_ok=True)
            if self.mongodb_uri:
                self.env["MONGODB_URI"] = self.mongodb_uri
            else:
                self.db = DevMongod(self.state_dir, self.devmongod_args).start()
                self.env["MONGODB_URI"] = self.db.uri("chat_%d" % os.getpid())
            self.start_pool("stream", "stream-messages", self.stream_workers)
            if self.messages_processes:
                self.start_separate_messages_processes(self.messages_processes)
            else:
                self.start_pool("messages", "messages", self.message_workers)
            self.start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def start_pool(self, name, program, max_workers):
        sock = os.path.join(self.state_dir, name + ".sock")
        status = os.path.join(self.state_dir, name + ".status.json")
        if self.exec_workers:
            argv = [os.path.join(BIN_DIR, "chat-pool")]
        else:
            argv = [os.path.join(BIN_DIR, program), "--pool"]
        argv += ["--name", name, "--socket", sock,
                 "--min-idle", str(self.min_idle), "--max-workers", str(max_workers),
                 "--idle-timeout", str(self.idle_timeout_s), "--stop-timeout", "10",
                 "--status-file", status]
        if IS_ROOT:
            argv += ["--socket-group", "nogroup"]
        if self.exec_workers:
            argv += ["--", os.path.join(BIN_DIR, program)]
        if os.path.exists(status):  # a previous pool's
            os.remove(status)
        self.pools[name] = Process(name, argv, env=dict(self.env, **self.pool_env.get(name, {})),
                                   log_path=os.path.join(self.state_dir, name + ".log"))
        # The socket appears with no access and is opened up a moment later;
        # the status file is first written once that is done.
        wait_until(lambda: os.path.exists(sock) and os.path.exists(status), 10,
                   "the %s pool's socket" % name)

    def start_separate_messages_processes(self, count):
        sockets = []
        for i in range(count):
            sock = os.path.join(self.state_dir, "messages-%d.sock" % i)
            env = dict(self.env, **self.pool_env.get("messages", {}))
            self.pools["messages-%d" % i] = Process(
                "messages-%d" % i, [os.path.join(BIN_DIR, "messages"), "--socket", sock], env=env,
                log_path=os.path.join(self.state_dir, "messages.log"))
            wait_until(lambda: os.path.exists(sock), 10, "the socket of messages process %d" % i)
            os.chmod(sock, 0o666)  # nginx's unprivileged workers connect to it
            sockets.append(sock)
        self.messages_upstream = sockets

    def start_nginx(self):
        conf_dir = os.path.join(self.state_dir, "nginx")
        for attempt in range(5):
            self.port = free_port()
            render_env = dict(self.env, STATE_DIR=self.state_dir, LISTEN="127.0.0.1:%d" % self.port,
                              STREAM_SLOTS=str(self.stream_workers), POST_RATE=str(self.post_rate),
                              POST_BURST=str(self.post_rate * 2))
            subprocess.run(["sh", os.path.join(SOURCE_DIR, "deploy", "render-nginx.sh"), conf_dir, "dev"],
                           env=render_env, check=True)
            if self.messages_processes:
                self._spread_messages_upstream(os.path.join(conf_dir, "nginx.conf"))
            # SCHED_BATCH as deployed (deploy/run.sh, deploy/systemd).
            self.nginx = Process("nginx", ["chrt", "--batch", "0", "nginx", "-p", self.state_dir, "-c",
                                           os.path.join(conf_dir, "nginx.conf"), "-e",
                                           os.path.join(self.state_dir, "nginx-error.log")],
                                 log_path=os.path.join(self.state_dir, "nginx.out"))
            try:
                wait_until(lambda: self._accepts(self.port) or not self.nginx.alive(), 10, "nginx")
            except AssertionError:
                pass
            if self.nginx.alive() and self._accepts(self.port):
                return
            self.nginx.stop()
        raise AssertionError("nginx did not start; see %s" % self.state_dir)

    def _spread_messages_upstream(self, conf_path):
        with open(conf_path) as f:
            conf = f.read()
        servers = " ".join("server unix:%s;" % sock for sock in self.messages_upstream)
        conf, count = re.subn(r"upstream chat_messages \{[^}]*\}", "upstream chat_messages { %s }" % servers,
                              conf)
        assert count == 1, "no chat_messages upstream in " + conf_path
        with open(conf_path, "w") as f:
            f.write(conf)

    @staticmethod
    def _accepts(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    def reload_nginx(self):
        self.nginx.send_signal(signal.SIGHUP)

    def stop(self):
        if self.nginx:
            self.nginx.stop(signal.SIGTERM)
            self.nginx = None
        for pool in self.pools.values():
            pool.stop(signal.SIGTERM)
        self.pools = {}
        if self.db:
            self.db.stop()
            self.db = None
        if self.state_dir and os.path.isdir(self.state_dir):
            if os.environ.get("CHAT_KEEP_STATE"):
                print("state kept in", self.state_dir)
            else:
                shutil.rmtree(self.state_dir, ignore_errors=True)
            self.state_dir = None

    # -- HTTP helpers ----------------------------------------------------------
    def request(self, method, path, body=None, headers=None, timeout=15):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, dict(resp.getheaders()), data
        finally:
            conn.close()

    def post(self, username, content, room=None, timeout=15):
        payload = {"username": username, "content": content}
        if room is not None:
            payload["room"] = room
        status, headers, body = self.request("POST", "/api/messages", json.dumps(payload).encode(),
                                             {"Content-Type": "application/json"}, timeout)
        return status, headers, json.loads(body) if body else None

    def history(self, query=""):
        status, _, body = self.request("GET", "/api/messages" + query)
        return status, json.loads(body)

    def open_cursors(self):
        """metrics.cursor.open.total of the database, through PyMongo."""
        import pymongo
        client = pymongo.MongoClient(self.env["MONGODB_URI"], serverSelectionTimeoutMS=5000)
        try:
            return client.admin.command("serverStatus")["metrics"]["cursor"]["open"]["total"]
        finally:
            client.close()

    def pool_status(self, name):
        with open(os.path.join(self.state_dir, name + ".status.json")) as f:
            return json.load(f)


class SseClient:
    """A minimal EventSource over a raw socket, parsing frames as WHATWG says."""

    def __init__(self, port, path="/api/stream-messages", last_event_id=None, timeout=30,
                 extra_headers=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        headers = "GET %s HTTP/1.1\r\nHost: chat\r\nAccept: text/event-stream\r\n" % path
        if last_event_id is not None:
            headers += "Last-Event-ID: %s\r\n" % last_event_id
        for name, value in (extra_headers or {}).items():
            headers += "%s: %s\r\n" % (name, value)
        self.sock.sendall((headers + "\r\n").encode())
        self.buffer = b""
        self.status, self.headers = self._read_head()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        self.raw = b""          # de-chunked body bytes not yet parsed into lines
        self.last_event_id = last_event_id or ""
        self.retry = None
        self.comments = []
        self.closed = False
        self._data = []
        self._event = ""

    def _recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def _read_head(self):
        while b"\r\n\r\n" not in self.buffer:
            self._recv()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, headers

    def _fill(self):
        """Moves at least one more body byte into self.raw (raises EOFError at the end)."""
        if not self.chunked:
            if not self.buffer:
                self._recv()
            self.raw += self.buffer
            self.buffer = b""
            return
        while True:
            if b"\r\n" in self.buffer:
                size_line, rest = self.buffer.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    raise EOFError
                if len(rest) >= size + 2:
                    self.raw += rest[:size]
                    self.buffer = rest[size + 2:]
                    return
            self._recv()

    def next_event(self, timeout=30):
        """The next dispatched event as (type, data, id), or None at end of stream.
        Raises socket.timeout when none is dispatched within `timeout` seconds
        (comments such as heartbeats do not count)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no event within %.1f s" % timeout)
            self.sock.settimeout(left)
            while b"\n" not in self.raw and b"\r" not in self.raw[:-1]:
                try:
                    self._fill()
                except EOFError:
                    self.closed = True
                    return None
            line, self.raw = self._split_line(self.raw)
            event = self._process(line)
            if event:
                return event

    @staticmethod
    def _split_line(raw):
        for i, ch in enumerate(raw):
            if ch == 0x0A:
                return raw[:i].decode("utf-8", "replace"), raw[i + 1:]
            if ch == 0x0D:
                if i + 1 < len(raw) and raw[i + 1] == 0x0A:
                    return raw[:i].decode("utf-8", "replace"), raw[i + 2:]
                return raw[:i].decode("utf-8", "replace"), raw[i + 1:]
        raise AssertionError("no line end")

    def _process(self, line):
        if line == "":
            if not self._data:
                self._event = ""
                return None
            event = (self._event or "message", "\n".join(self._data), self.last_event_id)
            self._data, self._event = [], ""
            return event
        if line.startswith(":"):
            self.comments.append(line[1:].strip())
            return None
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._event = value
        elif field == "id" and "\0" not in value:
            self.last_event_id = value
        elif field == "retry" and value.isdigit():
            self.retry = int(value)
        return None

    def messages(self, count, timeout=30):
        """The next `count` message events, decoded from JSON."""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("got %d of %d messages" % (len(out), count))
            event = self.next_event(left)
            if event is None:
                raise AssertionError("stream ended after %d of %d messages" % (len(out), count))
            if event[0] == "message":
                out.append(json.loads(event[1]))
        return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
