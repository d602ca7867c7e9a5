#!/usr/bin/python3
"""Both programs run as plain CGI (request in the environment and on stdin,
response on stdout), and their start-up configuration checks."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "deploy"))
from chat_stack import BIN_DIR, DevMongod  # noqa: E402
import tempfile  # noqa: E402
import shutil  # noqa: E402

DB = None
STATE = None


def setUpModule():
    global DB, STATE
    STATE = tempfile.mkdtemp(prefix="chat-cgi-")
    if not os.environ.get("MONGODB_URI"):
        DB = DevMongod(STATE).start()


def tearDownModule():
    if DB:
        DB.stop()
    shutil.rmtree(STATE, ignore_errors=True)


def uri():
    return os.environ.get("MONGODB_URI") or DB.uri("chat_cgi_%d" % os.getpid())


def cgi(program, env, body=b"", timeout=20):
    full_env = {"PATH": "/usr/bin:/bin", "MONGODB_URI": uri(), "GATEWAY_INTERFACE": "CGI/1.1"}
    full_env.update(env)
    if body:
        full_env["CONTENT_LENGTH"] = str(len(body))
    proc = subprocess.run([os.path.join(BIN_DIR, program)], input=body, env=full_env,
                          capture_output=True, timeout=timeout)
    head, _, payload = proc.stdout.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return proc.returncode, status, headers, payload, proc.stderr.decode()


class MessagesAsCgi(unittest.TestCase):
    def test_post_then_history(self):
        body = json.dumps({"username": "cgi", "content": "via CGI", "room": "cgi"}).encode()
        rc, status, headers, payload, log = cgi("messages", {"REQUEST_METHOD": "POST",
                                                             "CONTENT_TYPE": "application/json"}, body)
        self.assertEqual((rc, status), (0, 201), log)
        posted = json.loads(payload)
        rc, status, _, payload, _ = cgi("messages", {"REQUEST_METHOD": "GET", "QUERY_STRING": "room=cgi"})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(payload)["messages"][0], posted)

    def test_one_log_line_without_contents(self):
        body = json.dumps({"username": "secretname", "content": "secret words"}).encode()
        _, status, _, _, log = cgi("messages", {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/json"},
                                   body)
        self.assertEqual(status, 201)
        lines = [l for l in log.splitlines() if l.startswith("ts=")]
        self.assertEqual(len(lines), 1, log)
        self.assertIn("status=201", lines[0])
        self.assertNotIn("secret", log)

    def test_errors_as_cgi(self):
        _, status, headers, payload, _ = cgi("messages", {"REQUEST_METHOD": "PUT"})
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "GET, HEAD, POST")
        _, status, _, _, _ = cgi("messages", {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/json"},
                                 b"{")
        self.assertEqual(status, 400)


class StreamAsCgi(unittest.TestCase):
    def test_stream_ends_at_max_life_with_frames(self):
        rc, status, headers, payload, log = cgi("stream-messages", {
            "REQUEST_METHOD": "GET", "QUERY_STRING": "room=cgi&backfill=1",
            "CHAT_STREAM_MAX_S": "5", "CHAT_HEARTBEAT_S": "1"}, timeout=30)
        self.assertEqual((rc, status), (0, 200), log)
        self.assertEqual(headers["Content-Type"], "text/event-stream; charset=utf-8")
        text = payload.decode()
        self.assertTrue(text.startswith("retry: "), text)
        self.assertIn(": keepalive", text)
        self.assertIn("end=max_duration", log)

    def test_database_unreachable_gives_error_event(self):
        rc, status, _, payload, _ = cgi("stream-messages", {
            "REQUEST_METHOD": "GET", "MONGODB_URI": "mongodb://127.0.0.1:1/chat", "CHAT_DB_TIMEOUT_MS": "300"})
        self.assertEqual(status, 200)
        self.assertIn(b"event: error", payload)


class Configuration(unittest.TestCase):
    def test_invalid_values_stop_with_one_line(self):
        for program in ("messages", "stream-messages"):
            for name, value in [("CHAT_HEARTBEAT_S", "0"), ("CHAT_STREAM_MAX_S", "x"),
                                ("CHAT_DB_TIMEOUT_MS", "-5"), ("CHAT_MAX_REQUESTS", "0"),
                                ("MONGODB_URI", "http://nope"), ("CHAT_COLLECTION", "a$b")]:
                with self.subTest(program=program, name=name):
                    proc = subprocess.run([os.path.join(BIN_DIR, program)], env={name: value},
                                          capture_output=True, timeout=10)
                    self.assertEqual(proc.returncode, 2)
                    lines = proc.stderr.decode().strip().splitlines()
                    self.assertEqual(len(lines), 1, lines)
                    self.assertIn(name, lines[0])

    def test_password_never_printed(self):
        proc = subprocess.run([os.path.join(BIN_DIR, "messages")],
                              env={"MONGODB_URI": "mongodb://user:hunter2@127.0.0.1:1/chat",
                                   "CHAT_HEARTBEAT_S": "bad"}, capture_output=True, timeout=10)
        self.assertNotIn(b"hunter2", proc.stderr + proc.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
