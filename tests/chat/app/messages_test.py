#!/usr/bin/python3
"""/api/messages and /api/health end to end through nginx: posting, history
pages, and every error status with its JSON body."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "deploy"))
from chat_stack import ChatStack  # noqa: E402

STACK = None
JSON = {"Content-Type": "application/json"}


def setUpModule():
    global STACK
    STACK = ChatStack().start()


def tearDownModule():
    STACK.stop()


def room(name):
    return "%s-%d" % (name, os.getpid())


class Posting(unittest.TestCase):
    def test_created_with_location_and_stored_shape(self):
        status, headers, body = STACK.post("  ada  ", "  hi there  ", room("post"))
        self.assertEqual(status, 201)
        self.assertEqual(headers["Location"], "/api/messages/" + body["_id"])
        self.assertEqual(body["username"], "ada")
        self.assertEqual(body["content"], "hi there")
        self.assertRegex(body["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(body["createdAt"], body["updatedAt"])

    def test_unknown_fields_are_not_stored(self):
        r = room("extra")
        payload = {"username": "u", "content": "c", "room": r, "admin": True, "_id": "x", "createdAt": 1}
        status, _, body = STACK.request("POST", "/api/messages", json.dumps(payload).encode(), JSON)
        self.assertEqual(status, 201)
        stored = json.loads(body)
        self.assertNotIn("admin", stored)
        self.assertNotEqual(stored["_id"], "x")
        status, page = STACK.history("?room=" + r)
        self.assertEqual(page["messages"][0], stored)

    def expect_error(self, status, code, field=None, method="POST", path="/api/messages", body=b"",
                     headers=None):
        got_status, got_headers, got_body = STACK.request(method, path, body, headers)
        self.assertEqual(got_status, status, got_body)
        error = json.loads(got_body)["error"]
        self.assertEqual(error["code"], code)
        self.assertTrue(error["message"])
        if field:
            self.assertEqual(error.get("field"), field)
        return got_headers

    def test_validation_errors(self):
        cases = [
            (b'{"username":"a"}', "field_missing", "content"),
            (b'{"username":"","content":"x"}', "field_empty", "username"),
            (b'{"username":"   ","content":"x"}', "field_empty", "username"),
            (b'{"username":{"$gt":""},"content":"x"}', "field_wrong_type", "username"),
            (b'{"username":"a","content":["x"]}', "field_wrong_type", "content"),
            (b'{"username":"a","content":null}', "field_wrong_type", "content"),
            (b'{"username":"a","content":5}', "field_wrong_type", "content"),
            (b'{"username":"a","content":"x","room":"bad room"}', "invalid_room", "room"),
            (json.dumps({"username": "a" * 65, "content": "x"}).encode(), "field_too_long", "username"),
            (json.dumps({"username": "a", "content": "x" * 2001}).encode(), "field_too_long", "content"),
            (b'{"username":"a","content":"tab\\there"}', "field_invalid_characters", "content"),
        ]
        for body, code, field in cases:
            with self.subTest(body=body[:60]):
                self.expect_error(400, code, field, body=body, headers=JSON)

    def test_malformed_bodies(self):
        for body, code in [(b'{"username":', "invalid_json"), (b'[1,2]', "body_not_object"),
                           (b'null', "body_not_object"), (b'{"username":"\xff","content":"x"}', "invalid_utf8"),
                           (b'{"a":1} x', "invalid_json"), (b'[' * 100 + b']' * 100, "too_deep")]:
            with self.subTest(body=body[:30]):
                self.expect_error(400, code, body=body, headers=JSON)

    def test_media_type_and_size(self):
        self.expect_error(415, "unsupported_media_type", body=b'{}', headers={"Content-Type": "text/plain"})
        self.expect_error(415, "unsupported_media_type", body=b'{}', headers={})
        big = json.dumps({"username": "a", "content": "x" * 20000}).encode()
        self.expect_error(413, "payload_too_large", body=big, headers=JSON)

    def test_methods_and_paths(self):
        headers = self.expect_error(405, "method_not_allowed", method="DELETE")
        self.assertEqual(headers["Allow"], "GET, HEAD, POST")
        self.expect_error(404, "not_found", method="GET", path="/api/nothing")
        headers = self.expect_error(405, "method_not_allowed", method="POST", path="/api/health")
        self.assertEqual(headers["Allow"], "GET, HEAD")


class History(unittest.TestCase):
    def test_pages_newest_first(self):
        r = room("history")
        ids = [STACK.post("h", "m%d" % i, r)[2]["_id"] for i in range(7)]
        status, page = STACK.history("?room=%s&limit=3" % r)
        self.assertEqual(status, 200)
        self.assertEqual([m["_id"] for m in page["messages"]], ids[::-1][:3])
        self.assertEqual(page["next"], ids[4])
        status, page2 = STACK.history("?room=%s&limit=3&before=%s" % (r, page["next"]))
        self.assertEqual([m["_id"] for m in page2["messages"]], ids[::-1][3:6])
        status, page3 = STACK.history("?room=%s&limit=3&before=%s" % (r, page2["next"]))
        self.assertEqual([m["_id"] for m in page3["messages"]], ids[:1])
        self.assertIsNone(page3["next"])

    def test_parameter_errors(self):
        for query, field in [("?limit=0", "limit"), ("?limit=201", "limit"), ("?before=zz", "before"),
                             ("?room=%ZZ", None), ("?room=a&room=b", "room")]:
            with self.subTest(query=query):
                status, _, body = STACK.request("GET", "/api/messages" + query)
                self.assertEqual(status, 400)
                if field:
                    self.assertEqual(json.loads(body)["error"].get("field"), field)


class Health(unittest.TestCase):
    def test_ok(self):
        status, _, body = STACK.request("GET", "/api/health")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"status": "ok"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
