#!/usr/bin/python3
"""Deployment-level checks: `make run`'s script starts everything and stops
everything on Ctrl-C; two complete front ends (nginx + pools each) sharing
one database deliver each other's messages."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import shutil
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "deploy"))
from chat_stack import (BIN_DIR, SOURCE_DIR, ChatStack, DevMongod, SseClient, free_port,  # noqa: E402
                        wait_until)


def processes_in_group(pgid):
    out = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


class MakeRunScript(unittest.TestCase):
    def test_starts_the_chat_and_ctrl_c_stops_everything(self):
        state = tempfile.mkdtemp(prefix="chat-run-")
        port, db_port = free_port(), free_port()
        env = dict(os.environ, PORT=str(port), DEVMONGOD_PORT=str(db_port), CHAT_STATE_DIR=state)
        env.pop("MONGODB_URI", None)
        proc = subprocess.Popen(["sh", os.path.join(SOURCE_DIR, "deploy", "run.sh"), os.path.dirname(BIN_DIR)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            def health():
                try:
                    with urllib.request.urlopen("http://127.0.0.1:%d/api/health" % port, timeout=2) as r:
                        return r.status == 200
                except OSError:
                    return False
            output = []
            reader = threading.Thread(target=lambda: output.extend(proc.stdout), daemon=True)
            reader.start()
            url = b"http://127.0.0.1:%d/" % port
            wait_until(lambda: any(url in line for line in output), 120, "run.sh to announce the URL")
            wait_until(health, 60, "the chat started by run.sh")
            req = urllib.request.Request("http://127.0.0.1:%d/api/messages" % port,
                                         data=json.dumps({"username": "r", "content": "run"}).encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=10) as r:
                self.assertEqual(r.status, 201)
            self.assertTrue(os.path.isdir(os.path.join(state, "db")))
            # Ctrl-C in a terminal signals the whole foreground process group.
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(60)
            reader.join(10)
            self.assertTrue(any(b"stopping" in line for line in output))
            wait_until(lambda: not processes_in_group(proc.pid), 30, "no process left behind")
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            shutil.rmtree(state, ignore_errors=True)


class TwoFrontEnds(unittest.TestCase):
    def test_a_message_posted_through_one_reaches_streams_of_the_other(self):
        if os.environ.get("MONGODB_URI"):
            shared_uri = os.environ["MONGODB_URI"]
            db = None
        else:
            state = tempfile.mkdtemp(prefix="chat-shared-db-")
            db = DevMongod(state).start()
            shared_uri = db.uri("chat_two_%d" % os.getpid())
        a = b = None
        try:
            a = ChatStack(mongodb_uri=shared_uri).start()
            b = ChatStack(mongodb_uri=shared_uri).start()
            self.assertNotEqual(a.port, b.port)
            room = "shared-%d" % os.getpid()
            on_a = SseClient(a.port, "/api/stream-messages?room=" + room)
            on_b = SseClient(b.port, "/api/stream-messages?room=" + room)
            _, _, from_a = a.post("alice", "via A", room)
            _, _, from_b = b.post("bob", "via B", room)
            for client in (on_a, on_b):
                self.assertEqual([m["_id"] for m in client.messages(2)], [from_a["_id"], from_b["_id"]])
                client.close()
        finally:
            for stack in (a, b):
                if stack:
                    stack.stop()
            if db:
                db.stop()
                shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
