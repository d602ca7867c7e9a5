#!/usr/bin/python3
"""GET /api/stream-messages end to end: devmongod, chat-pool, stream-messages
and messages workers behind a real nginx on loopback."""
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "deploy"))
from chat_stack import ChatStack, SseClient, wait_until  # noqa: E402

STACK = None


def setUpModule():
    global STACK
    STACK = ChatStack(env={"CHAT_HEARTBEAT_S": "1", "CHAT_RETRY_MS": "500"}).start()


def tearDownModule():
    STACK.stop()


def room(name):
    return "%s-%d" % (name, os.getpid())


def position_after_one_message(r):
    """A Last-Event-ID just past one message posted to room `r`."""
    client = SseClient(STACK.port, "/api/stream-messages?room=" + r)
    STACK.post("p", "before", r)
    client.messages(1)
    last = client.last_event_id
    client.close()
    return last


class LiveDelivery(unittest.TestCase):
    def test_headers_retry_and_live_message(self):
        r = room("live")
        client = SseClient(STACK.port, "/api/stream-messages?room=" + r)
        try:
            self.assertEqual(client.status, 200)
            self.assertEqual(client.headers["content-type"], "text/event-stream; charset=utf-8")
            self.assertEqual(client.headers["cache-control"], "no-cache")
            self.assertNotIn("content-length", client.headers)
            status, headers, posted = STACK.post("ada", "hello\nworld \u2028 <b>", r)
            self.assertEqual(status, 201)
            (got,) = client.messages(1)
            self.assertEqual(client.retry, 500)
            self.assertEqual(got, posted)
            self.assertEqual(got["content"], "hello\nworld \u2028 <b>")
            self.assertEqual(set(got), {"_id", "username", "content", "room", "createdAt", "updatedAt"})
            self.assertRegex(client.last_event_id, r"^[0-9A-Fa-f]+$")
        finally:
            client.close()

    def test_other_rooms_are_not_delivered(self):
        mine, other = room("mine"), room("other")
        client = SseClient(STACK.port, "/api/stream-messages?room=" + mine)
        try:
            STACK.post("bob", "not for you", other)
            STACK.post("bob", "for you", mine)
            (got,) = client.messages(1)
            self.assertEqual(got["content"], "for you")
        finally:
            client.close()

    def test_default_room_is_general(self):
        client = SseClient(STACK.port, "/api/stream-messages")
        try:
            status, _, posted = STACK.post("cy", "in general")
            self.assertEqual(posted["room"], "general")
            self.assertEqual(client.messages(1)[0]["_id"], posted["_id"])
        finally:
            client.close()

    def test_heartbeat_on_idle_stream(self):
        client = SseClient(STACK.port, "/api/stream-messages?room=" + room("idle"))
        try:
            client.sock.settimeout(10)
            deadline = time.monotonic() + 10
            while "keepalive" not in client.comments and time.monotonic() < deadline:
                client._fill()
                while b"\n" in client.raw:
                    line, client.raw = client._split_line(client.raw)
                    client._process(line)
            self.assertIn("keepalive", client.comments)
        finally:
            client.close()


class Resume(unittest.TestCase):
    def test_last_event_id_resumes_without_loss_or_duplicates(self):
        r = room("resume")
        posted = []
        stop = threading.Event()

        def poster():
            i = 0
            while not stop.is_set() and i < 60:
                status, _, body = STACK.post("p", "m%d" % i, r)
                if status == 201:
                    posted.append(body["_id"])
                i += 1
                time.sleep(0.02)

        seen = []
        client = SseClient(STACK.port, "/api/stream-messages?room=" + r)
        thread = threading.Thread(target=poster)
        thread.start()
        try:
            for _ in range(4):  # four disconnects while messages keep coming
                for msg in client.messages(5):
                    seen.append(msg["_id"])
                last = client.last_event_id
                client.close()
                time.sleep(0.1)
                client = SseClient(STACK.port, "/api/stream-messages?room=" + r, last_event_id=last)
            thread.join()
            remaining = len(posted) - len(seen)
            for msg in client.messages(remaining):
                seen.append(msg["_id"])
        finally:
            stop.set()
            thread.join()
            client.close()
        self.assertEqual(len(seen), len(set(seen)), "no message twice")
        self.assertEqual(seen, posted, "every message once, in order")

    def test_a_resumed_backlog_goes_out_in_few_writes(self):
        # 60 messages missed while away arrive in one or two batches from the
        # database; the worker writes what the driver already holds together.
        r = room("backlog")
        last = position_after_one_message(r)
        posted = ["missed %d" % i for i in range(60)]
        for text in posted:
            self.assertEqual(STACK.post("b", text, r)[0], 201)
        again = SseClient(STACK.port, "/api/stream-messages?room=%s&lastEventId=%s" % (r, last))
        try:
            self.assertEqual([m["content"] for m in again.messages(60)], posted)
        finally:
            again.close()
        log = os.path.join(STACK.state_dir, "stream.log")

        def request_line():
            with open(log) as f:
                lines = [line for line in f if "room=%s " % r in line and "events=60 " in line]
            return lines[-1] if lines else None

        wait_until(request_line, 20, "the resumed stream's log line")
        writes = int(request_line().split(" writes=")[1].split()[0])
        self.assertLessEqual(writes, 10, request_line())

    def test_last_event_id_query_parameter(self):
        r = room("qparam")
        last = position_after_one_message(r)
        STACK.post("q", "two", r)
        again = SseClient(STACK.port, "/api/stream-messages?room=%s&lastEventId=%s" % (r, last))
        try:
            self.assertEqual(again.messages(1)[0]["content"], "two")
        finally:
            again.close()

    def test_unknown_token_resets_then_goes_live(self):
        r = room("reset")
        client = SseClient(STACK.port, "/api/stream-messages?room=" + r, last_event_id="82" + "0" * 32)
        try:
            event = client.next_event(10)
            self.assertEqual(event[0], "reset")
            self.assertIn("reason", json.loads(event[1]))
            STACK.post("r", "after reset", r)
            self.assertEqual(client.messages(1)[0]["content"], "after reset")
        finally:
            client.close()

    def test_malformed_last_event_id_is_rejected(self):
        status, headers, body = STACK.request("GET", "/api/stream-messages",
                                              headers={"Last-Event-ID": "not-hex!"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["error"]["field"], "Last-Event-ID")
        status, _, body = STACK.request("GET", "/api/stream-messages",
                                        headers={"Last-Event-ID": "A" * 5000})
        self.assertEqual(status, 400)


class Backfill(unittest.TestCase):
    def test_backfill_then_live_without_gap_or_duplicate(self):
        r = room("backfill")
        before = [STACK.post("b", "old%d" % i, r)[2]["_id"] for i in range(8)]
        posted = list(before)
        stop = threading.Event()

        def poster():
            for i in range(30):
                if stop.is_set():
                    return
                status, _, body = STACK.post("b", "new%d" % i, r)
                if status == 201:
                    posted.append(body["_id"])

        thread = threading.Thread(target=poster)
        thread.start()
        client = SseClient(STACK.port, "/api/stream-messages?backfill=5&room=" + r)
        try:
            thread.join()
            got = []
            while not got or got[-1] != posted[-1]:
                got.append(client.messages(1)[0]["_id"])
            # A contiguous run up to the newest message: no gap, no duplicate.
            # It starts within the 5 latest of the messages that existed when
            # the stream opened (later ones may already be in the backfill page).
            start = posted.index(got[0])
            self.assertGreaterEqual(start, 3)
            self.assertLessEqual(start, len(before) + 30 - 5)
            self.assertEqual(got, posted[start:])
        finally:
            stop.set()
            thread.join()
            client.close()

    def test_backfill_limits(self):
        for value in ("501", "-1", "x", ""):
            status, _, body = STACK.request("GET", "/api/stream-messages?backfill=" + value)
            self.assertEqual(status, 400, value)
            self.assertEqual(json.loads(body)["error"]["field"], "backfill")


class Cleanup(unittest.TestCase):
    def test_aborted_streams_release_their_cursors(self):
        wait_until(lambda: STACK.pool_status("stream")["busy"] == 0, 30, "idle stream pool")
        baseline = STACK.open_cursors()
        r = room("abort")
        for i in range(12):
            client = SseClient(STACK.port, "/api/stream-messages?room=" + r)
            STACK.post("a", "cycle %d" % i, r)
            client.messages(1)  # the change stream is certainly open now
            client.close()
        # Workers notice within about a second and kill their cursors.
        wait_until(lambda: STACK.open_cursors() <= baseline, 30, "open cursors back to baseline")

    def test_quiet_streams_cost_no_polling_and_still_end_promptly(self):
        """With a long heartbeat a quiet stream's worker waits in one getMore
        for the whole heartbeat, yet a departed browser is let go of at once:
        the worker's watch thread kills the cursor, which ends the getMore."""
        stack = ChatStack(env={"CHAT_HEARTBEAT_S": "120"}, stream_workers=4).start()
        try:
            import pymongo
            db = pymongo.MongoClient(stack.env["MONGODB_URI"], serverSelectionTimeoutMS=5000)
            try:
                def getmores():
                    return db.admin.command("serverStatus")["opcounters"]["getmore"]

                baseline = stack.open_cursors()
                r = room("quiet")
                client = SseClient(stack.port, "/api/stream-messages?room=" + r)
                stack.post("q", "the stream is open", r)
                client.messages(1)
                before = getmores()
                time.sleep(3)  # a once-a-second poll would show as 3 getMores
                self.assertLessEqual(getmores() - before, 1)
                start = time.monotonic()
                client.close()
                wait_until(lambda: stack.open_cursors() <= baseline, 60, "the cursor killed")
                wait_until(lambda: stack.pool_status("stream")["busy"] == 0, 60, "the worker free")
                # Far below the 120 s heartbeat on any machine speed.
                self.assertLess(time.monotonic() - start, 60)
            finally:
                db.close()
        finally:
            stack.stop()

    def test_methods(self):
        status, headers, body = STACK.request("POST", "/api/stream-messages", b"{}",
                                              {"Content-Type": "application/json"})
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("Allow"), "GET, HEAD")
        self.assertEqual(json.loads(body)["error"]["code"], "method_not_allowed")
        status, headers, body = STACK.request("HEAD", "/api/stream-messages")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")

    def test_bad_room(self):
        status, _, body = STACK.request("GET", "/api/stream-messages?room=no%20spaces")
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["error"]["field"], "room")


if __name__ == "__main__":
    unittest.main(verbosity=2)
