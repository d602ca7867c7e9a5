#!/usr/bin/python3
"""GET /metrics end to end: scraped through nginx while streams, posts, a full
pool, a crashed and a killed worker and a database outage happen, parsed with
the official Python client's parser (Debian's python3-prometheus-client), and
checked against what happened. Also: /metrics is only served to the allowed
addresses, and counts survive the workers that made them."""
import json
import os
import signal
import subprocess
import sys
import unittest

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "deploy"))
from chat_stack import ChatStack, SseClient, wait_until  # noqa: E402


def room(name):
    return "%s-%d" % (name, os.getpid())


def value_now(stack, name, **labels):
    """A sample's value, or None when this scrape failed (a worker killed
    while it answered, say)."""
    try:
        return Scrape(stack).value(name, **labels)
    except AssertionError:
        return None


def children_of(pid):
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in result.stdout.split()]


class Scrape:
    """One parsed scrape: value(name, **labels) of a sample."""

    def __init__(self, stack):
        status, headers, body = stack.request("GET", "/metrics")
        assert status == 200, (status, body[:300])
        self.content_type = headers.get("Content-Type", "")
        self.samples = {}
        self.types = {}
        for family in text_string_to_metric_families(body.decode()):
            self.types[family.name] = family.type
            for sample in family.samples:
                self.samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value

    def value(self, name, **labels):
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)


class Metrics(unittest.TestCase):
    def test_values_follow_what_happened(self):
        stack = ChatStack(stream_workers=2, min_idle=1, message_workers=2,
                          env={"CHAT_DB_TIMEOUT_MS": "500", "CHAT_HEARTBEAT_S": "1"}).start()
        streams = []
        try:
            before = Scrape(stack)
            self.assertTrue(before.content_type.startswith("text/plain; version=0.0.4"))
            self.assertEqual(before.types["chat_http_requests"], "counter")
            self.assertEqual(before.types["chat_post_duration_seconds"], "histogram")
            self.assertEqual(before.types["chat_streams_open"], "gauge")
            r = room("metrics")
            for i in range(3):
                self.assertEqual(stack.post("m", "message %d" % i, r)[0], 201)
            status, _, _ = stack.request("POST", "/api/messages", b"{}",
                                         {"Content-Type": "application/json"})
            self.assertEqual(status, 400)

            # Two streams fill the stream pool; the third is refused by nginx.
            for _ in range(2):
                streams.append(SseClient(stack.port, "/api/stream-messages?room=%s&backfill=3" % r))
                self.assertEqual(len(streams[-1].messages(3)), 3)
            status, headers, body = stack.request("GET", "/api/stream-messages?room=" + r)
            self.assertEqual(status, 503)
            self.assertEqual(json.loads(body)["error"]["code"], "service_unavailable")
            self.assertIn("Retry-After", headers)
            self.assertEqual(stack.post("m", "live", r)[0], 201)
            for client in streams:
                self.assertEqual(client.messages(1)[0]["content"], "live")

            # The pool learns of busy workers from their notes, a moment later.
            wait_until(lambda: Scrape(stack).value("chat_pool_workers", pool="stream",
                                                   state="busy") == 2, 30, "2 busy stream workers")
            during = Scrape(stack)
            self.assertEqual(during.value("chat_streams_open"), 2)
            self.assertEqual(during.value("chat_pool_max_workers", pool="stream"), 2)
            self.assertEqual(during.value("chat_pool_rejected_total", pool="stream"), 1)
            self.assertEqual(during.value("chat_http_requests_total", program="messages",
                                          endpoint="post", code="2xx"), 4)
            self.assertEqual(during.value("chat_http_requests_total", program="messages",
                                          endpoint="post", code="4xx"), 1)
            self.assertEqual(during.value("chat_post_duration_seconds_count"), 5)
            self.assertEqual(during.value("chat_post_duration_seconds_bucket", le="+Inf"), 5)
            self.assertGreater(during.value("chat_post_duration_seconds_sum"), 0)
            # 3 backfilled + 1 live message on each of the two streams.
            self.assertEqual(during.value("chat_sse_events_total", kind="message"), 8)
            self.assertGreater(during.value("chat_sse_bytes_total"), 0)

            for client in streams:
                client.close()
            streams = []
            wait_until(lambda: Scrape(stack).value("chat_streams_open") == 0, 60, "streams closed")
            after = Scrape(stack)
            self.assertEqual(after.value("chat_stream_duration_seconds_count"), 2)
            self.assertEqual(after.value("chat_http_requests_total", program="stream-messages",
                                         endpoint="stream", code="2xx"), 2)

            # A crashed and a killed worker are counted by cause; their
            # requests' counts stay (they live in the shared file).
            wait_until(lambda: stack.pool_status("stream")["idle"] >= 1, 30, "an idle stream worker")
            # SIGABRT, not SIGSEGV: the sanitized suite's AddressSanitizer
            # reports (and fails the run on) a SIGSEGV, but lets SIGABRT kill.
            os.kill(children_of(stack.pools["stream"].pid)[0], signal.SIGABRT)
            wait_until(lambda: value_now(stack, "chat_pool_workers_exited_total", pool="stream",
                                         cause="crashed") == 1, 30, "the crash counted")
            wait_until(lambda: stack.pool_status("messages")["idle"] >= 1, 30, "an idle messages worker")
            serving = set(children_of(stack.pools["messages"].pid))
            # Kill a messages worker that is not the one about to answer the scrape.
            victim = sorted(serving)[0]
            os.kill(victim, signal.SIGKILL)
            wait_until(lambda: (value_now(stack, "chat_pool_workers_exited_total", pool="messages",
                                          cause="killed") or 0) >= 1, 30, "the kill counted")
            self.assertEqual(Scrape(stack).value("chat_http_requests_total", program="messages",
                                                 endpoint="post", code="2xx"), 4)
            self.assertGreaterEqual(Scrape(stack).value("chat_pool_workers_spawned_total",
                                                        pool="stream"), 2)

            # The database goes away: posts fail with 503 and are counted.
            stack.db.stop()
            status, _, body = stack.request("POST", "/api/messages",
                                            json.dumps({"username": "m", "content": "x",
                                                        "room": r}).encode(),
                                            {"Content-Type": "application/json"})
            self.assertEqual(status, 503, body)
            outage = Scrape(stack)
            self.assertGreaterEqual(outage.value("chat_database_errors_total", program="messages",
                                                 kind="unavailable"), 1)
            self.assertEqual(outage.value("chat_http_requests_total", program="messages",
                                          endpoint="post", code="5xx"), 1)
        finally:
            for client in streams:
                client.close()
            stack.stop()

    def test_only_allowed_addresses_may_read_metrics(self):
        stack = ChatStack(env={"METRICS_ALLOW": "192.0.2.0/24"}).start()
        try:
            status, _, body = stack.request("GET", "/metrics")
            self.assertEqual(status, 403)
            self.assertEqual(json.loads(body)["error"]["code"], "forbidden")
        finally:
            stack.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
