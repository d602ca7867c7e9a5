"""Smoke test of chat-load against a small real stack: 20 SSE clients and a
few posts; every post must reach every stream exactly once. A second run drops
and resumes the streams with Last-Event-ID while posting: still no loss and
no duplicate. Bounds are generous (seconds); nothing depends on timing."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ.get("CHAT_SOURCE_DIR", ""), "tests", "..", "deploy"))
import chat_stack  # noqa: E402

CHAT_LOAD = os.path.join(chat_stack.BIN_DIR, "chat-load")


class ChatLoadSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = chat_stack.ChatStack(stream_workers=48, min_idle=4).start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()

    def run_load(self, *extra):
        argv = [CHAT_LOAD, "--port", str(self.stack.port), "--max-seconds", "90"] + list(extra)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def assert_complete(self, summary, streams, posts):
        self.assertFalse(summary["timed_out"])
        self.assertEqual(summary["streams"]["ready"], streams)
        self.assertEqual(summary["posts"]["ok"], posts)
        self.assertEqual(summary["delivery"]["expected"], streams * posts)
        self.assertEqual(summary["delivery"]["delivered"], summary["delivery"]["expected"])
        self.assertEqual(summary["delivery"]["duplicates"], 0)
        self.assertEqual(summary["latency"]["delivery"]["count"], streams * posts)
        self.assertGreater(summary["client"]["cpu_user_s"] + summary["client"]["cpu_sys_s"], 0)

    def test_fan_out_delivers_every_post_once(self):
        summary = self.run_load("--sse", "20", "--url-path", "/api/stream-messages?room=smoke1",
                                "--room", "smoke1", "--post-rate", "5", "--post-duration", "2",
                                "--drain-seconds", "30")
        self.assert_complete(summary, 20, 10)
        self.assertEqual(summary["latency"]["ttfb"]["count"], 20)
        self.assertEqual(summary["streams"]["foreign"], 0)

    def test_reconnects_lose_and_repeat_nothing(self):
        summary = self.run_load("--sse", "10", "--url-path", "/api/stream-messages?room=smoke2",
                                "--room", "smoke2", "--post-rate", "5", "--post-duration", "3",
                                "--reconnect-every-ms", "700", "--drain-seconds", "30")
        self.assert_complete(summary, 10, 15)
        self.assertGreater(summary["streams"]["reconnects"], 0)

    def test_refuses_a_non_loopback_target(self):
        done = subprocess.run([CHAT_LOAD, "--host", "192.0.2.1", "--port", "80", "--sse", "1"],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 2)
        self.assertIn("--host", done.stderr)


if __name__ == "__main__":
    unittest.main()
