#!/usr/bin/python3
"""chat-pool with real workers: scaling with demand, a full pool answering
503 at once through nginx, graceful SIGTERM and SIGHUP, and back-off when
workers crash at start; and the same pool built into the programs
(`PROGRAM --pool`), whose workers are forked, not exec'd."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import shutil
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "deploy"))
from chat_stack import BIN_DIR, ChatStack, Process, SseClient, wait_until  # noqa: E402


def children_of(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


class StandalonePool(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="chat-pool-")
        self.sock = os.path.join(self.dir, "p.sock")
        self.log = os.path.join(self.dir, "pool.log")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, program, *extra, name="t"):
        argv = [os.path.join(BIN_DIR, "chat-pool"), "--name", name, "--socket", self.sock,
                "--status-file", os.path.join(self.dir, "status.json")] + list(extra) + ["--"] + program
        env = dict(os.environ, MONGODB_URI="mongodb://127.0.0.1:1/chat", CHAT_DB_TIMEOUT_MS="200")
        return Process("pool", argv, env=env, log_path=self.log)

    def test_sigterm_leaves_no_process_and_no_socket(self):
        pool = self.start([os.path.join(BIN_DIR, "messages")], "--min-idle", "3")
        try:
            wait_until(lambda: len(children_of(pool.pid)) == 3, 20, "3 idle workers")
            workers = children_of(pool.pid)
            self.assertEqual(oct(os.stat(self.sock).st_mode & 0o777), "0o660")
            assert_stops_gracefully(self, pool, workers, self.sock)
        finally:
            pool.stop()

    def test_status_file_is_json_whatever_the_name(self):
        name = 'say "hi" \\ \u00e9t\u00e9\ttab'
        pool = self.start([os.path.join(BIN_DIR, "messages")], "--min-idle", "1", name=name)
        try:
            status_path = os.path.join(self.dir, "status.json")
            wait_until(lambda: os.path.exists(status_path), 20, "the status file")
            with open(status_path, encoding="utf-8") as f:
                status = json.load(f)
            self.assertEqual(status["name"], name)
            self.assertEqual(status["min_idle"], 1)
        finally:
            pool.stop()

    def test_sighup_replaces_every_worker(self):
        pool = self.start([os.path.join(BIN_DIR, "messages")], "--min-idle", "2")
        try:
            wait_until(lambda: len(children_of(pool.pid)) == 2, 20, "2 idle workers")
            before = set(children_of(pool.pid))
            pool.send_signal(signal.SIGHUP)
            wait_until(lambda: len(set(children_of(pool.pid)) - before) == 2
                       and not (set(children_of(pool.pid)) & before), 20, "fresh workers")
        finally:
            pool.stop()

    def test_crash_at_start_backs_off(self):
        pool = self.start(["/bin/false"], "--min-idle", "4")
        try:
            time.sleep(6)
            with open(self.log) as f:
                log = f.read()
            spawns = len(re.findall(r"event=spawn ", log))
            crashes = len(re.findall(r"event=crash ", log))
            # 100 ms doubling back-off, one probe at a time: about 4 + 6 spawns in
            # 6 s, where an unbounded loop would make thousands.
            self.assertGreaterEqual(crashes, 4)
            self.assertLess(spawns, 20, log[-2000:])
            self.assertIn("backoff_ms=", log)
        finally:
            pool.stop()

    def test_bad_command_line(self):
        proc = subprocess.run([os.path.join(BIN_DIR, "chat-pool"), "--min-idle", "x"], capture_output=True)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.decode().strip().splitlines()), 1)


def assert_stops_gracefully(test, pool, workers, sock):
    """SIGTERM: the pool exits 0, its workers go, its socket file goes."""
    pool.send_signal(signal.SIGTERM)
    pool.proc.wait(20)
    test.assertEqual(pool.proc.returncode, 0)
    for pid in workers:
        wait_until(lambda: not alive(pid), 10, "worker %d to exit" % pid)
    test.assertFalse(os.path.exists(sock))


def private_dirty_kib(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1])
    return 0


class BuiltInPool(unittest.TestCase):
    """`stream-messages --pool` / `messages --pool`: the program is its own pool."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="chat-builtin-pool-")
        self.sock = os.path.join(self.dir, "p.sock")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, program, *extra, env=None):
        argv = [os.path.join(BIN_DIR, program), "--pool", "--socket", self.sock] + list(extra)
        env = dict(os.environ, MONGODB_URI="mongodb://127.0.0.1:1/chat", CHAT_DB_TIMEOUT_MS="200",
                   **(env or {}))
        return Process("pool", argv, env=env, log_path=os.path.join(self.dir, program + ".log"))

    def test_invalid_configuration_stops_the_pool_at_start(self):
        proc = subprocess.run([os.path.join(BIN_DIR, "stream-messages"), "--pool", "--socket", self.sock],
                              env=dict(os.environ, CHAT_HEARTBEAT_S="often"), capture_output=True,
                              timeout=20)
        self.assertEqual(proc.returncode, 2)
        lines = proc.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("CHAT_HEARTBEAT_S", lines[0])
        self.assertFalse(os.path.exists(self.sock), "no socket for a pool that never started")

    def test_bad_pool_options(self):
        for args in (["--min-idle", "x", "--socket", self.sock], [],
                     ["--socket", self.sock, "--", "/bin/true"]):
            proc = subprocess.run([os.path.join(BIN_DIR, "messages"), "--pool"] + args,
                                  capture_output=True, timeout=20)
            self.assertEqual(proc.returncode, 2, args)
            err = proc.stderr.decode().strip().splitlines()
            self.assertEqual(len(err), 1, err)
            self.assertTrue(err[0].startswith("messages --pool: "), err)

    def test_help_names_the_pool_options(self):
        proc = subprocess.run([os.path.join(BIN_DIR, "stream-messages"), "--pool", "--help"],
                              capture_output=True, timeout=20)
        self.assertEqual(proc.returncode, 0)
        self.assertIn(b"usage: stream-messages --pool --socket PATH", proc.stdout)
        self.assertIn(b"--max-workers", proc.stdout)

    def test_workers_run_sched_batch_unless_told_otherwise(self):
        # The policy is set in the pool before it forks (or execs, chat-pool)
        # and is inherited; --cpu-policy normal keeps the default one.
        def chat_pool():
            return Process("chat-pool", [os.path.join(BIN_DIR, "chat-pool"), "--socket", self.sock,
                                         "--min-idle", "2", "--", os.path.join(BIN_DIR, "messages")],
                           env=dict(os.environ, MONGODB_URI="mongodb://127.0.0.1:1/chat"),
                           log_path=os.path.join(self.dir, "chat-pool.log"))
        cases = [
            ("forked", lambda: self.start("messages", "--min-idle", "2"), os.SCHED_BATCH),
            ("normal", lambda: self.start("stream-messages", "--min-idle", "2", "--cpu-policy",
                                          "normal"), os.SCHED_OTHER),
            ("exec'd", chat_pool, os.SCHED_BATCH),
        ]
        for what, start, policy in cases:
            pool = start()
            try:
                wait_until(lambda: len(children_of(pool.pid)) == 2, 20, "2 workers")
                for pid in [pool.pid] + children_of(pool.pid):
                    self.assertEqual(os.sched_getscheduler(pid), policy, "%s pid %d" % (what, pid))
            finally:
                pool.stop()

    def test_workers_are_forked_and_share_the_pools_pages(self):
        # A worker forked from the initialised pool shares the relocated
        # libraries and the driver's state; one exec'd by chat-pool builds its
        # own copies. Compared, not bounded, so the figure may move with the
        # libraries and sanitizers.
        built_in = self.start("messages", "--min-idle", "2")
        exec_sock = os.path.join(self.dir, "x.sock")
        execd = Process("chat-pool", [os.path.join(BIN_DIR, "chat-pool"), "--socket", exec_sock,
                                      "--min-idle", "2", "--", os.path.join(BIN_DIR, "messages")],
                        env=dict(os.environ, MONGODB_URI="mongodb://127.0.0.1:1/chat"),
                        log_path=os.path.join(self.dir, "chat-pool.log"))
        try:
            wait_until(lambda: len(children_of(built_in.pid)) == 2, 20, "2 forked workers")
            wait_until(lambda: len(children_of(execd.pid)) == 2, 20, "2 exec'd workers")
            time.sleep(1)  # let the exec'd workers finish starting
            forked = children_of(built_in.pid)
            for pid in forked:
                self.assertEqual(os.readlink("/proc/%d/exe" % pid), os.path.join(BIN_DIR, "messages"))
            forked_kib = max(private_dirty_kib(pid) for pid in forked)
            execd_kib = min(private_dirty_kib(pid) for pid in children_of(execd.pid))
            self.assertLess(forked_kib * 2, execd_kib,
                            "forked worker %d KiB private, exec'd %d KiB" % (forked_kib, execd_kib))
            assert_stops_gracefully(self, built_in, forked, self.sock)
        finally:
            built_in.stop()
            execd.stop()

    def test_sighup_after_an_upgrade_runs_the_new_binary_on_the_same_socket(self):
        # The pool runs from a copy of the program; the copy is replaced the way
        # a package upgrade does it (new file renamed over the old one). SIGHUP
        # must leave no worker of the old image, keep the pool's PID and socket,
        # and run the new file.
        program = os.path.join(self.dir, "messages")
        shutil.copy(os.path.join(BIN_DIR, "messages"), program)
        pool = Process("pool", [program, "--pool", "--socket", self.sock, "--min-idle", "2",
                                "--status-file", os.path.join(self.dir, "status.json")],
                       env=dict(os.environ, MONGODB_URI="mongodb://127.0.0.1:1/chat",
                                CHAT_DB_TIMEOUT_MS="200"),
                       log_path=os.path.join(self.dir, "pool.log"))
        try:
            wait_until(lambda: len(children_of(pool.pid)) == 2, 20, "2 forked workers")
            before = set(children_of(pool.pid))
            upgraded = program + ".new"
            shutil.copy(os.path.join(BIN_DIR, "messages"), upgraded)
            os.rename(upgraded, program)
            self.assertTrue(os.readlink("/proc/%d/exe" % pool.pid).endswith(" (deleted)"))
            pool.send_signal(signal.SIGHUP)
            wait_until(lambda: not os.readlink("/proc/%d/exe" % pool.pid).endswith(" (deleted)"),
                       20, "the pool to exec the new binary")
            wait_until(lambda: len(set(children_of(pool.pid)) - before) == 2
                       and not (set(children_of(pool.pid)) & before), 20, "workers of the new binary")
            for pid in children_of(pool.pid):
                self.assertFalse(os.readlink("/proc/%d/exe" % pid).endswith(" (deleted)"))
            self.assertTrue(pool.alive())
            # The same socket file still serves: a FastCGI connection is accepted.
            import socket as socket_module
            probe = socket_module.socket(socket_module.AF_UNIX)
            probe.connect(self.sock)
            probe.close()
            with open(os.path.join(self.dir, "pool.log")) as f:
                log = f.read()
            self.assertIn("event=reexec", log)
            self.assertEqual(log.count("event=start "), 2, log[-2000:])
            self.assertNotIn("inherited_socket_ignored", log)
            assert_stops_gracefully(self, pool, children_of(pool.pid), self.sock)
        finally:
            pool.stop()

    def test_reload_while_streaming_loses_nothing(self):
        stack = ChatStack(stream_workers=4, min_idle=1).start()
        try:
            client = SseClient(stack.port, "/api/stream-messages?room=reload")
            self.assertEqual(stack.post("p", "before reload", "reload")[0], 201)
            self.assertEqual(client.messages(1)[0]["content"], "before reload")
            last = client.last_event_id
            stack.pools["stream"].send_signal(signal.SIGHUP)
            # The open stream ends cleanly (its worker was told to finish).
            while client.next_event(20) is not None:
                pass
            client.close()
            self.assertEqual(stack.post("p", "during reload", "reload")[0], 201)
            again = SseClient(stack.port, "/api/stream-messages?room=reload", last_event_id=last)
            self.assertEqual(again.status, 200)
            self.assertEqual(again.messages(1)[0]["content"], "during reload")
            again.close()
        finally:
            stack.stop()

    def test_workers_serve_through_nginx_and_are_replaced(self):
        # A stream worker serves streams one after another (CHAT_MAX_REQUESTS,
        # 100 by default) and exits after the last; the pool keeps a fresh one
        # waiting.
        for max_streams in (None, "1"):
            env = {"CHAT_MAX_REQUESTS": max_streams} if max_streams else {}
            stack = ChatStack(stream_workers=4, min_idle=1, env=env).start()
            try:
                pool = stack.pools["stream"].pid
                wait_until(lambda: len(children_of(pool)) == 1, 20, "the one idle stream worker")
                serving = children_of(pool)[0]
                client = SseClient(stack.port, "/api/stream-messages?room=builtin")
                self.assertEqual(client.status, 200)
                self.assertEqual(stack.post("p", "from a forked worker", "builtin")[0], 201)
                self.assertEqual(client.messages(1)[0]["content"], "from a forked worker")
                client.close()
                if max_streams == "1":
                    wait_until(lambda: not alive(serving), 20, "the serving worker to exit")
                else:
                    wait_until(lambda: stack.pool_status("stream")["idle"] == 2, 20,
                               "the serving worker back to idle")
                    self.assertTrue(alive(serving))
                wait_until(lambda: stack.pool_status("stream")["idle"] >= 1, 20, "an idle worker")
                again = SseClient(stack.port, "/api/stream-messages?room=builtin")
                self.assertEqual(again.status, 200)
                again.close()
            finally:
                stack.stop()


class BehindNginx(unittest.TestCase):
    def test_scales_above_min_idle_and_refuses_when_full(self):
        stack = ChatStack(stream_workers=5, min_idle=1).start()
        clients = []
        try:
            for i in range(5):  # demand above min_idle is served
                clients.append(SseClient(stack.port, "/api/stream-messages?room=full"))
                self.assertEqual(clients[-1].status, 200)
            wait_until(lambda: stack.pool_status("stream")["busy"] == 5, 20, "5 busy stream workers")
            start = time.monotonic()
            status, headers, body = stack.request("GET", "/api/stream-messages?room=full", timeout=10)
            elapsed = time.monotonic() - start
            self.assertEqual(status, 503)
            self.assertIn(b"service_unavailable", body)
            self.assertIn("Retry-After", headers)
            self.assertLess(elapsed, 5, "a full pool must refuse at once, not queue")
            # Posting has its own pool and still works.
            self.assertEqual(stack.post("p", "still posting", "full")[0], 201)
            for c in clients:
                c.close()
            clients = []
            wait_until(lambda: stack.pool_status("stream")["busy"] == 0, 20, "streams released")
            again = SseClient(stack.port, "/api/stream-messages?room=full")
            self.assertEqual(again.status, 200)
            again.close()
        finally:
            for c in clients:
                c.close()
            stack.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
