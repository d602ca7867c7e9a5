#!/usr/bin/python3
"""Issue #5: both FastCGI workers run under valgrind memcheck through the real
path while a script drives streams and posts through nginx; then the pools
stop them with SIGTERM and every valgrind report must show no memory error
and no lost bytes. The script runs twice, once per way of starting workers:
  - exec'd: nginx -> chat-pool -> valgrind PROGRAM (a fresh program each);
  - forked: nginx -> valgrind PROGRAM --pool, whose workers are forked from
    it (valgrind follows the forks; the pool process is checked too). This
    pass runs only with programs that have --pool.

Workers are limited to a few requests (stream-messages: two streams, so a
worker is reused once and then leaves; messages: six) so that they leave
through main()'s return (full teardown), not only through the SIGTERM of an
idle worker (which _exits with everything still reachable), and so that the
state one request leaves for the next (the database client) is checked too.

Verdict, per report: "ERROR SUMMARY: 0 errors" (leaks of kinds definite and
indirect count as errors), no definitely or indirectly lost bytes, and, for
workers that finished on their own, no descriptor left open that the worker
opened itself. "Still reachable" (one-time library state, the idle SIGTERM
exit) is not part of the verdict. The reports stay in CHAT_VALGRIND_LOG_DIR
(or a temporary folder, printed on failure), together with the pools' logs.
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "deploy"))
from chat_stack import BIN_DIR, IS_ROOT, ChatStack, Process, SseClient, wait_until  # noqa: E402

VALGRIND = os.environ.get("CHAT_VALGRIND", "")
# Streams per stream worker: the second one runs in a reused worker.
STREAM_POOL_ENV = {"CHAT_MAX_REQUESTS": "2"}
# Worker exit status when valgrind found an error: chat-pool then logs the
# worker as "died", a second witness besides the report itself.
VALGRIND_ERROR_EXIT = 97
# Generous everywhere: valgrind slows the workers 20-50x and the machine is shared.
EVENT_TIMEOUT_S = 60
# Every wait for a worker finishing its stream or its report.
WORKER_TIMEOUT_S = 90
STREAM_MAX_S = 5


def valgrind_argv(log_dir, program):
    """valgrind and its options, then the program; %p: one report per process."""
    return [VALGRIND, "--tool=memcheck", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect",
            "--error-exitcode=%d" % VALGRIND_ERROR_EXIT, "--track-fds=yes", "--num-callers=40",
            "--log-file=%s" % os.path.join(log_dir, program + ".%p.log"),
            os.path.join(BIN_DIR, program)]


class MemcheckStack(ChatStack):
    """ChatStack whose pools start every worker under valgrind, with the
    pool's own timeouts stretched for it and per-pool extra environment."""

    def __init__(self, log_dir, pool_env, forked, **kwargs):
        super().__init__(**kwargs)
        self.log_dir = log_dir
        self.pool_env = pool_env  # pool name -> extra environment of its workers
        self.forked = forked  # PROGRAM --pool under valgrind, else chat-pool exec'ing valgrind

    def start_pool(self, name, program, max_workers):
        sock = os.path.join(self.state_dir, name + ".sock")
        status = os.path.join(self.state_dir, name + ".status.json")
        if self.forked:
            argv = valgrind_argv(self.log_dir, program) + ["--pool"]
        else:
            argv = [os.path.join(BIN_DIR, "chat-pool")]
        argv += ["--name", name, "--socket", sock,
                 "--min-idle", str(self.min_idle), "--max-workers", str(max_workers),
                 # Workers are retired only by the test, so every report is
                 # one the script caused; a stopping worker writes its leak
                 # report before it exits, which under valgrind takes a while.
                 "--idle-timeout", "3600", "--stop-timeout", "60",
                 "--status-file", status]
        if IS_ROOT:
            argv += ["--socket-group", "nogroup"]
        if not self.forked:
            argv += ["--"] + valgrind_argv(self.log_dir, program)
        env = dict(self.env, **self.pool_env.get(name, {}))
        # The socket appears at bind(), still without access for nginx; the
        # status file only once the pool has set the socket up and spawns.
        if os.path.exists(status):
            os.unlink(status)  # the previous pool's
        self.pools[name] = Process(name, argv, env=env,
                                   log_path=os.path.join(self.log_dir, name + "-pool.log"))
        wait_until(lambda: os.path.exists(sock) and os.path.exists(status), WORKER_TIMEOUT_S,
                   "the %s pool's socket" % name)

    def stop_pool(self, name):
        """SIGTERM through the pool; returns once the pool and its workers are gone."""
        pool = self.pools.pop(name)
        pool.stop(signal.SIGTERM, timeout=WORKER_TIMEOUT_S)

    def pool_log(self, name):
        with open(os.path.join(self.log_dir, name + "-pool.log"), errors="replace") as f:
            return f.read()


def read_report(path):
    with open(path, errors="replace") as f:
        return f.read()


def report_problems(text, finished_on_its_own):
    """What is wrong with one valgrind report, as a list of short phrases."""
    problems = []
    if "HEAP SUMMARY" not in text or "ERROR SUMMARY" not in text:
        problems.append("incomplete report (worker killed before valgrind finished?)")
        return problems
    summary = re.search(r"ERROR SUMMARY: ([\d,]+) errors", text)
    if not summary or summary.group(1) != "0":
        problems.append(summary.group(0) if summary else "no ERROR SUMMARY count")
    for kind in ("definitely", "indirectly"):
        for m in re.finditer(r"%s lost: ([\d,]+) bytes" % kind, text):
            if m.group(1) != "0":
                problems.append(m.group(0))
    if finished_on_its_own:
        problems += ["descriptor left open: " + d for d in own_open_descriptors(text)]
    return problems


def own_open_descriptors(text):
    """Descriptors open at exit that the worker opened itself. Valgrind marks
    those an exec'd worker inherited; 0-3 (listening socket, stdout, stderr,
    the pool's status pipe) are the worker's by contract whichever way it
    was started (a forked worker's were set up by dup2 in the pool's code)."""
    lines = [re.sub(r"^==\d+==\s?", "", line) for line in text.splitlines()]
    own = []
    for i, line in enumerate(lines):
        fd = re.match(r"Open .*?(\d+):", line)
        if fd and int(fd.group(1)) > 3 and i + 1 < len(lines):
            if "<inherited from parent>" not in lines[i + 1]:
                own.append(line.strip())
    return own


def supports_forked_pool(program):
    """Whether PROGRAM has --pool (a pool forking its own workers)."""
    try:
        result = subprocess.run([os.path.join(BIN_DIR, program), "--pool", "--help"],
                                capture_output=True, timeout=30)
    except OSError:
        return False
    return result.returncode == 0


def died_workers(pool_logs):
    return sorted({int(p) for p in re.findall(r"event=(?:died|crash) pid=(\d+)", pool_logs)})


def report_of(log_dir, pid):
    found = glob.glob(os.path.join(log_dir, "*.%d.log" % pid))
    return found[0] if found else None


def first_loss_record(text):
    m = re.search(r"^==\d+== .*(?:are definitely lost|are indirectly lost|Invalid |uninitialised|"
                  r"Mismatched )[\s\S]*?(?=^==\d+== $)", text, re.M)
    return m.group(0) if m else ""


# A clean report's tail as valgrind 3.19 writes it, for the parser's own tests.
CLEAN_TAIL = """==7== FILE DESCRIPTORS: 5 open (3 std) at exit.
==7== Open file descriptor 3:
==7==    <inherited from parent>
==7== 
==7== HEAP SUMMARY:
==7==     in use at exit: 768 bytes in 1 blocks
==7== 
==7== LEAK SUMMARY:
==7==    definitely lost: 0 bytes in 0 blocks
==7==    indirectly lost: 0 bytes in 0 blocks
==7==      possibly lost: 0 bytes in 0 blocks
==7==    still reachable: 768 bytes in 1 blocks
==7== 
==7== ERROR SUMMARY: 0 errors from 0 contexts (suppressed: 0 from 0)
"""


class ReportVerdict(unittest.TestCase):
    """The verdict on canned reports, so a parsing slip cannot pass a leak."""

    def test_clean_report_passes(self):
        self.assertEqual(report_problems(CLEAN_TAIL, True), [])

    def test_lost_bytes_and_errors_fail(self):
        text = CLEAN_TAIL.replace("definitely lost: 0 bytes", "definitely lost: 1,024 bytes")
        text = text.replace("ERROR SUMMARY: 0 errors", "ERROR SUMMARY: 2 errors")
        self.assertEqual(report_problems(text, False),
                         ["ERROR SUMMARY: 2 errors", "definitely lost: 1,024 bytes"])
        text = CLEAN_TAIL.replace("indirectly lost: 0 bytes", "indirectly lost: 16 bytes")
        self.assertEqual(report_problems(text, False), ["indirectly lost: 16 bytes"])

    def test_report_cut_short_fails(self):
        self.assertTrue(report_problems(CLEAN_TAIL.split("==7== HEAP SUMMARY")[0], False))

    def test_descriptor_opened_by_the_worker_fails_only_after_its_own_exit(self):
        text = CLEAN_TAIL.replace(
            "==7== \n==7== HEAP", "==7== Open AF_INET socket 6: 127.0.0.1:1 <-> 127.0.0.1:2\n"
            "==7==    at 0x1: socket (syscall-template.S:120)\n==7== \n==7== HEAP", 1)
        self.assertEqual(report_problems(text, True),
                         ["descriptor left open: Open AF_INET socket 6: 127.0.0.1:1 <-> 127.0.0.1:2"])
        self.assertEqual(report_problems(text, False), [])


class MemcheckScenario:
    """The script and the verdict; a subclass says how workers start (FORKED)."""
    FORKED = False

    def setUp(self):
        if not VALGRIND or not os.access(VALGRIND, os.X_OK):
            self.fail("valgrind not found (CHAT_VALGRIND=%r); deploy/install-deps.sh installs it"
                      % VALGRIND)
        if self.FORKED and not all(supports_forked_pool(p) for p in ("stream-messages", "messages")):
            self.skipTest("these programs have no --pool")
        base = os.environ.get("CHAT_VALGRIND_LOG_DIR")
        self.log_dir = os.path.join(base or tempfile.mkdtemp(prefix="chat-memcheck-"),
                                    "forked" if self.FORKED else "exec")
        shutil.rmtree(self.log_dir, ignore_errors=True)
        os.makedirs(self.log_dir)
        os.chmod(self.log_dir, 0o755)
        # Shown by CTest only on failure, wherever the script stopped.
        print("valgrind reports and pool logs go to", self.log_dir)
        self.room_prefix = "vg%d" % os.getpid()
        env = {"CHAT_HEARTBEAT_S": "1", "CHAT_RETRY_MS": "500", "CHAT_DB_TIMEOUT_MS": "5000"}
        # Requests per worker: small, so workers also end through main().
        self.stack = MemcheckStack(self.log_dir, {"messages": {"CHAT_MAX_REQUESTS": "6"},
                                                  "stream": dict(STREAM_POOL_ENV)},
                                   self.FORKED, env=env, stream_workers=8, message_workers=2,
                                   min_idle=2)
        self.stack.start()
        self.addCleanup(self.stack.stop)
        self.streams_served = 0  # streams that reached a worker
        # Workers that exited while their pool was being stopped: the SIGTERM
        # of an idle worker, not an exit of their own.
        self.stopped_with_their_pool = set()

    def room(self, name):
        return "%s-%s" % (self.room_prefix, name)

    def open_stream(self, room, query="", last_event_id=None):
        client = SseClient(self.stack.port, "/api/stream-messages?room=%s%s" % (room, query),
                           last_event_id=last_event_id, timeout=EVENT_TIMEOUT_S)
        self.streams_served += 1
        self.assertEqual(client.status, 200)
        return client

    def post(self, room, content):
        status, _, body = self.stack.post("vg", content, room)
        self.assertEqual(status, 201, body)
        return body

    def wait_streams_idle(self):
        wait_until(lambda: self.stack.pool_status("stream")["busy"] == 0, WORKER_TIMEOUT_S,
                   "every stream worker to finish its stream", interval=0.2)

    # -- the script -------------------------------------------------------------
    def messages_api(self):
        status, _, body = self.stack.request("GET", "/api/health")
        self.assertEqual(status, 200, body)
        status, _, _ = self.stack.request("HEAD", "/api/health")
        self.assertEqual(status, 200)
        r = self.room("history")
        posted = [self.post(r, "history %d \u00e9\u2028" % i)["_id"] for i in range(4)]
        json_header = {"Content-Type": "application/json"}
        invalid = [
            (b"{not json", json_header, 400),
            (b"[1, 2]", json_header, 400),
            (b'{"username": "vg"}', json_header, 400),
            (b'{"username": 7, "content": "x"}', json_header, 400),
            (b'{"username": "vg", "content": "' + b"x" * 5000 + b'"}', json_header, 400),
            (b'{"username": "vg", "content": "\xff\xfe"}', json_header, 400),
            (b'{"username": "a", "username": "b", "content": "x"}', json_header, 400),
            (b'{"username": "vg", "content": {"$gt": ""}}', json_header, 400),
            (b'{"username": "vg", "content": "x"}', {"Content-Type": "text/plain"}, 415),
        ]
        for body, headers, expected in invalid:
            status, _, reply = self.stack.request("POST", "/api/messages", body, headers)
            self.assertEqual(status, expected, (body[:60], reply))
        status, page = self.stack.history("?room=%s&limit=2" % r)
        self.assertEqual(status, 200)
        self.assertEqual([m["_id"] for m in page["messages"]], posted[-1:-3:-1])
        status, page = self.stack.history("?room=%s&before=%s" % (r, posted[2]))
        self.assertEqual([m["_id"] for m in page["messages"]], posted[1::-1])
        for query in ("?limit=0", "?before=nothex", "?room=%00", "?limit=1&limit=2"):
            status, _, _ = self.stack.request("GET", "/api/messages" + query)
            self.assertEqual(status, 400, query)
        status, _, _ = self.stack.request("DELETE", "/api/messages")
        self.assertEqual(status, 405)

    def streams_aborted_by_the_client(self):
        r = self.room("abort")
        for i in range(3):
            client = self.open_stream(r)
            posted = self.post(r, "abort %d" % i)
            self.assertEqual(client.messages(1, EVENT_TIMEOUT_S)[0]["_id"], posted["_id"])
            client.close()  # mid-stream: the worker must notice and wind down
        client = self.open_stream(r)  # gone before anything but the head arrived
        client.close()
        self.wait_streams_idle()

    def stream_with_backfill_then_resume(self):
        r = self.room("resume")
        before = [self.post(r, "old %d" % i)["_id"] for i in range(3)]
        client = self.open_stream(r, "&backfill=5")
        got = [m["_id"] for m in client.messages(3, EVENT_TIMEOUT_S)]
        self.assertEqual(got, before)
        live = self.post(r, "live")
        self.assertEqual(client.messages(1, EVENT_TIMEOUT_S)[0]["_id"], live["_id"])
        last = client.last_event_id
        client.close()
        missed = self.post(r, "while away")
        client = self.open_stream(r, last_event_id=last)
        self.assertEqual(client.messages(1, EVENT_TIMEOUT_S)[0]["_id"], missed["_id"])
        client.close()
        # A position the server does not know: reset event, then live.
        client = self.open_stream(r, last_event_id="82" + "0" * 32)
        event = client.next_event(EVENT_TIMEOUT_S)
        self.assertEqual(event[0], "reset")
        client.close()
        # Rejected before any database work.
        for headers, query in (({"Last-Event-ID": "not-hex!"}, ""), ({}, "&backfill=501")):
            status, _, _ = self.stack.request("GET", "/api/stream-messages?room=%s%s" % (r, query),
                                              headers=headers)
            self.streams_served += 1
            self.assertEqual(status, 400)
        status, _, _ = self.stack.request("HEAD", "/api/stream-messages?room=" + r)
        self.streams_served += 1
        self.assertEqual(status, 200)
        self.wait_streams_idle()

    def database_killed_and_restarted(self):
        r = self.room("outage")
        client = self.open_stream(r)
        self.stack.db.stop(signal.SIGKILL)
        event = client.next_event(EVENT_TIMEOUT_S)
        self.assertEqual(event[0], "error", event)
        self.assertIsNone(client.next_event(EVENT_TIMEOUT_S), "the stream ends after its error")
        client.close()
        status, _, _ = self.stack.post("vg", "nobody home", r)
        self.assertEqual(status, 503)
        self.stack.db.start()  # same port, same data

        def healthy():
            return self.stack.request("GET", "/api/health", timeout=EVENT_TIMEOUT_S)[0] == 200

        wait_until(healthy, WORKER_TIMEOUT_S, "health after the database restart", interval=1)
        client = self.open_stream(r)
        posted = self.post(r, "back")
        self.assertEqual(client.messages(1, EVENT_TIMEOUT_S)[0]["_id"], posted["_id"])
        client.close()
        self.wait_streams_idle()

    def stream_ended_by_max_duration(self):
        # A fresh stream pool whose streams last STREAM_MAX_S seconds; its
        # predecessor's idle workers are stopped with SIGTERM on the way.
        before = self.exited("stream")
        self.stack.stop_pool("stream")
        self.stopped_with_their_pool |= self.exited("stream") - before
        self.stack.pool_env["stream"] = dict(STREAM_POOL_ENV, CHAT_STREAM_MAX_S=str(STREAM_MAX_S))
        self.stack.start_pool("stream", "stream-messages", self.stack.stream_workers)
        client = self.open_stream(self.room("maxdur"))
        deadline = time.monotonic() + STREAM_MAX_S + WORKER_TIMEOUT_S
        while client.next_event(max(1, deadline - time.monotonic())) is not None:
            pass
        client.close()
        self.wait_streams_idle()

    def stop_with_a_stream_open(self):
        """Pools are stopped while a stream is open and a messages worker is
        idle: both leave through their SIGTERM paths. Returns the pids that
        had exited on their own before (their fds are checked as well)."""
        client = self.open_stream(self.room("shutdown"))
        wait_until(lambda: self.stack.pool_status("stream")["busy"] >= 1, WORKER_TIMEOUT_S,
                   "the stream to be busy")
        exited = (self.exited("stream") | self.exited("messages")) - self.stopped_with_their_pool
        for name in ("stream", "messages"):
            self.stack.stop_pool(name)
        client.close()
        return exited

    def exited(self, pool):
        return {int(p) for p in re.findall(r"event=exit pid=(\d+)", self.stack.pool_log(pool))}

    # -- the verdict ---------------------------------------------------------------
    def test_workers_have_no_leaks_or_memory_errors(self):
        self.messages_api()
        self.streams_aborted_by_the_client()
        self.stream_with_backfill_then_resume()
        self.database_killed_and_restarted()
        self.stream_ended_by_max_duration()
        finished_on_their_own = self.stop_with_a_stream_open()

        pool_logs = self.stack.pool_log("stream") + self.stack.pool_log("messages")
        reports = sorted(glob.glob(os.path.join(self.log_dir, "*.*.log")))
        reports = [r for r in reports if not r.endswith("-pool.log")]
        stream_reports = [r for r in reports if os.path.basename(r).startswith("stream-messages.")]
        failures = []
        records = []  # the first error or loss record of each failing report
        for path in reports:
            pid = int(path.rsplit(".", 2)[1])
            text = read_report(path)
            for problem in report_problems(text, pid in finished_on_their_own):
                failures.append("%s: %s" % (path, problem))
            record = first_loss_record(text)
            if record:
                records.append(record)
        for pid in died_workers(pool_logs):
            # The pool's SIGTERM can reach a worker still starting, before it
            # installs its handlers: valgrind then reports "default action of
            # signal 15" and nothing was served. Any other unclean exit (such
            # as VALGRIND_ERROR_EXIT) fails.
            path = report_of(self.log_dir, pid)
            text = read_report(path) if path else ""
            if "default action of signal 15 (SIGTERM)" not in text:
                failures.append("chat-pool saw worker %d exit uncleanly (valgrind exits %d on "
                                "errors)" % (pid, VALGRIND_ERROR_EXIT))
        if failures:
            print("valgrind reports in %s:\n  %s" % (self.log_dir, "\n  ".join(reports)))
            # Three stacks are enough to start from; the rest are in the reports.
            self.fail("memcheck found problems:\n" + "\n".join(failures + records[:3]))

        # The script really went through the workers: a report per two
        # streams at least, and the ways a stream can end were all taken.
        self.assertGreaterEqual(2 * len(stream_reports), self.streams_served, reports)
        self.assertTrue(any(os.path.basename(r).startswith("messages.") for r in reports))
        self.assertIn("prog=stream-messages", pool_logs)
        self.assertRegex(pool_logs, r"prog=stream-messages pid=\d+ req=2 ",
                         "no stream worker was reused")
        for end in ("client_gone", "db_error", "max_duration", "shutdown"):
            self.assertIn("end=" + end, pool_logs)
        self.assertTrue(finished_on_their_own & {int(r.rsplit(".", 2)[1]) for r in reports})
        if not os.environ.get("CHAT_VALGRIND_LOG_DIR"):
            shutil.rmtree(os.path.dirname(self.log_dir), ignore_errors=True)


class ExecedWorkers(MemcheckScenario, unittest.TestCase):
    FORKED = False


class ForkedWorkers(MemcheckScenario, unittest.TestCase):
    FORKED = True


if __name__ == "__main__":
    unittest.main(verbosity=2)
