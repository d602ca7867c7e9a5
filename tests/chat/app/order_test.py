#!/usr/bin/python3
"""Posting order is the order of every view (issue #10).

Each scenario posts hundreds of messages one after another, as fast as the
machine allows, each sent only after the previous one's 201 arrived, through
several `messages` processes, and checks that history pages, backfill, the
live stream and a resumed stream all give exactly that order. Nothing here
depends on the machine's speed: a faster machine only puts more posts into
one millisecond (or one microsecond), which is the case the ids must handle.
"""
import glob
import http.client
import json
import os
import subprocess
import re
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "deploy"))
from chat_stack import ChatStack, DevMongod, SseClient  # noqa: E402

POSTS = 300
JSON = {"Content-Type": "application/json"}
# Debian's libfaketime (deploy/install-deps.sh), for workers whose wall clock
# is frozen or behind.
FAKETIME_LIB = next(iter(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")), "/nonexistent")


def faketime_preload():
    """LD_PRELOAD for libfaketime. In a sanitized build (make test
    SANITIZE=address,undefined) the workers link the ASan runtime, which must
    come first in the list of preloaded libraries or they abort at start."""
    libs = [FAKETIME_LIB]
    ldd = subprocess.run(["ldd", os.path.join(os.environ.get("CHAT_BIN_DIR", ""), "messages")],
                         capture_output=True, text=True).stdout
    for line in ldd.splitlines():
        if "libasan" in line and "=>" in line:
            libs.insert(0, line.split("=>")[1].split()[0])
    return ":".join(libs)


def post_all(stack, room, count, keep_alive, label="m"):
    """Posts `count` messages one after another; returns the 201 bodies."""
    bodies = []
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30) if keep_alive else None
    try:
        for i in range(count):
            payload = json.dumps({"username": "poster", "content": "%s%d" % (label, i), "room": room})
            if keep_alive:
                conn.request("POST", "/api/messages", payload.encode(), JSON)
                resp = conn.getresponse()
                status, body = resp.status, resp.read()
            else:
                status, _, body = stack.request("POST", "/api/messages", payload.encode(), JSON)
            if status != 201:
                raise AssertionError("post %d answered %d: %r" % (i, status, body))
            bodies.append(json.loads(body))
    finally:
        if conn:
            conn.close()
    return bodies


def history_oldest_first(stack, room):
    ids, before = [], None
    while True:
        query = "?room=%s&limit=50" % room + ("&before=" + before if before else "")
        status, page = stack.history(query)
        assert status == 200, page
        ids.extend(m["_id"] for m in page["messages"])
        before = page["next"]
        if not before:
            return ids[::-1]


def serving_pids(stack):
    """The pids of the messages workers that logged a POST."""
    pids = set()
    for name in os.listdir(stack.state_dir):
        if name.startswith("messages") and name.endswith(".log"):
            with open(os.path.join(stack.state_dir, name), errors="replace") as f:
                for line in f:
                    if "method=POST" in line:
                        pids.update(re.findall(r"\bpid=(\d+)", line))
    return pids


def post_times(stack):
    """The ts= of every POST the stack's messages workers logged."""
    with open(os.path.join(stack.state_dir, "messages.log"), errors="replace") as f:
        return [re.search(r"\bts=(\S+)", line).group(1) for line in f if "method=POST" in line]


class OrderChecks:
    """Assertions shared by the scenarios."""

    def check_ids_increase(self, bodies):
        ids = [b["_id"] for b in bodies]
        for i in range(1, len(ids)):
            self.assertLess(ids[i - 1], ids[i], "post %d's id sorts before post %d's" % (i, i - 1))
        created = [b["createdAt"] for b in bodies]
        self.assertEqual(created, sorted(created), "createdAt goes back in posting order")

    def check_every_view(self, stack, room, bodies, live):
        posted = [b["_id"] for b in bodies]
        self.check_ids_increase(bodies)
        # The live stream, opened before the first post.
        got_live = []
        event_ids = []
        while len(got_live) < len(posted):
            event = live.next_event(60)
            self.assertIsNotNone(event, "live stream ended early")
            if event[0] == "message":
                got_live.append(json.loads(event[1])["_id"])
                event_ids.append(event[2])
        live.close()
        self.assertEqual(got_live, posted, "live order")
        self.assertEqual(history_oldest_first(stack, room), posted, "history order")
        backfill = SseClient(stack.port, "/api/stream-messages?room=%s&backfill=%d" % (room, len(posted)))
        try:
            self.assertEqual([m["_id"] for m in backfill.messages(len(posted), 60)], posted, "backfill order")
        finally:
            backfill.close()
        middle = len(posted) // 3
        resumed = SseClient(stack.port, "/api/stream-messages?room=" + room, last_event_id=event_ids[middle])
        try:
            rest = len(posted) - middle - 1
            self.assertEqual([m["_id"] for m in resumed.messages(rest, 60)], posted[middle + 1:],
                             "order after a resume")
        finally:
            resumed.close()


class OneHost(unittest.TestCase, OrderChecks):
    def run_scenario(self, stack, keep_alive):
        room = "order-%d-%s-%s" % (os.getpid(), self.id().rsplit(".", 1)[-1][-20:],
                                   "keepalive" if keep_alive else "new")
        live = SseClient(stack.port, "/api/stream-messages?room=" + room)
        bodies = post_all(stack, room, POSTS, keep_alive)
        self.check_every_view(stack, room, bodies, live)
        return bodies

    def test_keep_alive_through_forked_pool_workers(self):
        stack = ChatStack(message_workers=4, min_idle=4).start()
        try:
            self.run_scenario(stack, keep_alive=True)
            self.run_scenario(stack, keep_alive=False)
        finally:
            stack.stop()

    def test_new_connections_through_exec_workers(self):
        stack = ChatStack(message_workers=4, min_idle=4, exec_workers=True).start()
        try:
            self.run_scenario(stack, keep_alive=False)
        finally:
            stack.stop()

    def test_separate_processes_round_robin(self):
        # Three processes started on their own (spawn-fcgi, systemd), nginx
        # alternating between them: consecutive posts are always handled by
        # different processes.
        stack = ChatStack(messages_processes=3).start()
        try:
            self.run_scenario(stack, keep_alive=True)
            self.assertEqual(len(serving_pids(stack)), 3)
        finally:
            stack.stop()

    def test_a_clock_that_never_advances(self):
        # The limit of an ever faster machine: every post handled in the same
        # microsecond. The workers' wall clock is frozen (libfaketime); their
        # monotonic clock, which the driver's timeouts use, still runs.
        self.assertTrue(os.path.exists(FAKETIME_LIB), "libfaketime is missing (deploy/install-deps.sh)")
        frozen = {"LD_PRELOAD": faketime_preload(), "TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                  "FAKETIME": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}
        stack = ChatStack(messages_processes=3, pool_env={"messages": frozen}).start()
        try:
            bodies = self.run_scenario(stack, keep_alive=True)
            self.assertEqual(len({b["createdAt"] for b in bodies}), 1, "the clock was not frozen")
        finally:
            stack.stop()


@unittest.skipIf(os.environ.get("MONGODB_URI"), "starts its own devmongod")
class TwoHosts(unittest.TestCase, OrderChecks):
    def test_order_holds_across_front_ends_whose_clocks_disagree(self):
        # Two complete front ends on one database; the second one's messages
        # workers run 30 s behind (libfaketime), as an unsynchronised host
        # would. Posts alternate between the two, each after the previous
        # 201: every view must still show posting order.
        self.assertTrue(os.path.exists(FAKETIME_LIB), "libfaketime is missing (deploy/install-deps.sh)")
        state = tempfile.mkdtemp(prefix="chat-order-db-")
        db = DevMongod(state).start()
        uri = db.uri("chat_order_%d" % os.getpid())
        behind = {"LD_PRELOAD": faketime_preload(), "FAKETIME": "-30", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        a = b = None
        try:
            a = ChatStack(mongodb_uri=uri).start()
            b = ChatStack(mongodb_uri=uri, pool_env={"messages": behind}).start()
            room = "hosts-%d" % os.getpid()
            live = SseClient(a.port, "/api/stream-messages?room=" + room)
            bodies = []
            for i in range(60):
                bodies += post_all(a if i % 2 == 0 else b, room, 1, keep_alive=False, label="h%d-" % i)
            self.check_every_view(a, room, bodies, live)
            # The slow clock is real: b's workers logged their posts at times
            # before any of a's, though half of them came after a's.
            self.assertLess(max(post_times(b)), min(post_times(a)))
        finally:
            for stack in (a, b):
                if stack:
                    stack.stop()
            db.stop()
            shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
