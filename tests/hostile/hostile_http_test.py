#!/usr/bin/python3
"""Hostile HTTP requests through real nginx, as a table: every row is one
request and the exact status and JSON error code it must get. Afterwards the
database must hold exactly the messages the table expected to be created,
each with the stored shape and nothing else (no injected operator, no
non-string field). A slow-loris body and slow headers must be cut by nginx
while other requests are still served.

No row may get a 5xx or hang: every request has its own timeout. Under
`make test SANITIZE=address,undefined` the workers run sanitized, so the
final check also looks for sanitizer reports in the workers' logs.
"""
import collections
import datetime
import glob
import json
import os
import socket
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from chat_stack import ChatStack  # noqa: E402

STACK = None
REQUEST_TIMEOUT_S = 20  # generous: the machine is shared; a hang is still caught
PID = os.getpid()
SECRET_ROOM = "secret-%d" % PID
SECRET_TEXT = "the-secret-%d" % PID
STORED_FIELDS = {"_id", "username", "content", "room", "createdAt", "updatedAt"}
MESSAGES = "/api/messages"
STREAM = "/api/stream-messages"
HEALTH = "/api/health"
JSON = {"Content-Type": "application/json"}

# One request and what it must get. `code` is the JSON error.code, or None when
# the row expects success (201/200) or nginx's own non-JSON 400 page (a
# request line or header nginx refuses before any location runs). `field` is
# the error's "field" when one field is at fault. `raw` rows are sent as bytes
# on a socket (for framing http.client refuses to produce); `head_only` rows
# open an SSE stream, so only the response head is read; `empty` rows must get
# a history page with no messages.
Row = collections.namedtuple(
    "Row", "name method path headers body status code field allow raw head_only empty",
    defaults=(None, None, None, None, None, None, None, False, False, False))


def body(obj):
    # Non-ASCII stays raw UTF-8, as browsers send it (escapes would triple its size).
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def post(name, payload, status, code=None, field=None, headers=None):
    data = payload if isinstance(payload, bytes) else body(payload)
    return Row(name, "POST", MESSAGES, JSON if headers is None else headers, data, status, code, field)


def get(name, path, status, code=None, field=None, headers=None, head_only=False):
    return Row(name, "GET", path, headers or {}, None, status, code, field, head_only=head_only)


def raw(name, data, status, code=None):
    return Row(name, None, None, None, data, status, code, raw=True)


def padded_to(size):
    """A valid message whose JSON body is exactly `size` bytes (an ignored field pads it)."""
    base = {"username": "pad", "content": "padded body", "room": "hostile-%d" % PID, "pad": ""}
    base["pad"] = "x" * (size - len(body(base)))
    data = body(base)
    assert len(data) == size
    return data


def nested(depth, open_, close):
    return open_ * depth + b"1" + close * depth


def operator_rows():
    ok = {"username": "u", "content": "c", "room": "hostile-%d" % PID}
    return [
        post("username $gt", {"username": {"$gt": ""}, "content": "x"}, 400, "field_wrong_type",
             "username"),
        post("content $regex", {"username": "u", "content": {"$regex": ".*"}}, 400,
             "field_wrong_type", "content"),
        post("room $ne null", {"username": "u", "content": "x", "room": {"$ne": None}}, 400,
             "field_wrong_type", "room"),
        post("room $in", {"username": "u", "content": "x", "room": {"$in": ["a", "b"]}}, 400,
             "field_wrong_type", "room"),
        # Unknown keys are ignored and never stored (checked in the database).
        post("$where key", dict(ok, **{"$where": "sleep(10000)"}), 201),
        post("$set and dotted keys", dict(ok, **{"$set": {"admin": True}, "content.x": 1,
                                                  "_id": {"$gt": ""}}), 201),
        post("createdAt injected", dict(ok, createdAt={"$date": 0}, updatedAt=[1]), 201),
        post("$ as room value", {"username": "u", "content": "x", "room": "$ne"}, 400,
             "invalid_room", "room"),
        post("duplicate key hiding an operator",
             b'{"username":"u","content":"x","username":{"$gt":""}}', 400, "duplicate_field"),
        post("NUL in username", {"username": "a\u0000b", "content": "x"}, 400,
             "field_invalid_characters", "username"),
        get("query room[$ne]", MESSAGES + "?room[$ne]=x", 200),
        get("query room[$gt] on stream", STREAM + "?room[$gt]=", 200, head_only=True),
        get("query before[$gt]", MESSAGES + "?before[$gt]=", 200),
        get("query room=$ne", MESSAGES + "?room=%24ne", 400, "invalid_room", "room"),
        get("query room JSON object", MESSAGES + "?room=" + urllib.parse.quote('{"$ne":null}'), 400,
            "invalid_room", "room"),
        get("query before not an id", MESSAGES + "?before=" + urllib.parse.quote('{"$gt":""}'), 400,
            "invalid_parameter", "before"),
    ]


def wrong_type_rows():
    rows = []
    wrong = {"number": 5, "bool": True, "null": None, "array": ["x"], "object": {"x": "y"}}
    for field in ("username", "content", "room"):
        for kind, value in wrong.items():
            payload = {"username": "u", "content": "c", field: value}
            rows.append(post("%s %s" % (field, kind), payload, 400, "field_wrong_type", field))
    return rows


def size_and_depth_rows():
    return [
        post("body exactly 16 KiB", padded_to(16384), 201),
        post("body 16 KiB + 1", padded_to(16385), 413, "payload_too_large"),
        post("body 1 MiB", b"[" + b"1," * 524288 + b"1]", 413, "payload_too_large"),
        post("content 2000 four-byte characters", {"username": "u", "content": "\U0001F600" * 2000,
                                                    "room": "hostile-%d" % PID}, 201),
        post("escaped surrogate pair", b'{"username":"u","content":"\\ud83d\\ude00","room":"hostile-'
             + str(PID).encode() + b'"}', 201),
        post("content 2001 characters", {"username": "u", "content": "y" * 2001}, 400,
             "field_too_long", "content"),
        post("1000 nested arrays", nested(1000, b"[", b"]"), 400, "too_deep"),
        post("1000 nested objects", nested(1000, b'{"a":', b"}"), 400, "too_deep"),
        post("1000 nested in content", b'{"username":"u","content":' + nested(1000, b"[", b"]") + b"}",
             400, "too_deep"),
        post("unclosed 1000 arrays", b"[" * 1000, 400, "too_deep"),
        post("empty body", b"", 400, "invalid_json"),
        post("two JSON values", b'{"username":"u","content":"c"}{}', 400, "invalid_json"),
        post("JSON array", b'[{"username":"u","content":"c"}]', 400, "body_not_object"),
        post("JSON string", b'"x"', 400, "body_not_object"),
    ]


def utf8_rows():
    rows = []
    bad = {"lone 0xFF": b"\xff", "overlong slash": b"\xc0\xaf", "UTF-16 surrogate": b"\xed\xa0\x80",
           "truncated sequence": b"\xe2\x82", "above U+10FFFF": b"\xf4\x90\x80\x80"}
    for name, seq in bad.items():
        rows.append(post("body " + name, b'{"username":"u' + seq + b'","content":"c"}', 400,
                         "invalid_utf8"))
        escaped = "".join("%%%02X" % b for b in seq)
        rows.append(get("query " + name, MESSAGES + "?room=a" + escaped, 400, "invalid_query_string"))
    rows += [
        get("stream query 0xFF", STREAM + "?room=%FF", 400, "invalid_query_string"),
        get("malformed %-escape", MESSAGES + "?room=%G1", 400, "invalid_query_string"),
        get("truncated %-escape", MESSAGES + "?room=a%", 400, "invalid_query_string"),
        post("escaped lone surrogate", b'{"username":"\\ud800","content":"c"}', 400, "invalid_json"),
    ]
    return rows


def event_id_rows():
    return [
        get("Last-Event-ID 5000 hex digits", STREAM, 400, "invalid_parameter", "Last-Event-ID",
            headers={"Last-Event-ID": "A" * 5000}),
        get("Last-Event-ID not hex", STREAM, 400, "invalid_parameter", "Last-Event-ID",
            headers={"Last-Event-ID": "zz-not-hex"}),
        get("Last-Event-ID operator", STREAM, 400, "invalid_parameter", "Last-Event-ID",
            headers={"Last-Event-ID": '{"$gt":""}'}),
        get("lastEventId 1025 hex digits", STREAM + "?lastEventId=" + "0" * 1025, 400,
            "invalid_parameter", "lastEventId"),
        # Longer than the query string limit: refused before its parameters are read.
        get("lastEventId 5000 hex digits", STREAM + "?lastEventId=" + "0" * 5000, 400,
            "invalid_query_string"),
        get("lastEventId not hex", STREAM + "?lastEventId=xyz", 400, "invalid_parameter",
            "lastEventId"),
        # Well formed but unknown: the stream answers and sends event: reset.
        get("Last-Event-ID unknown token", STREAM, 200, headers={"Last-Event-ID": "00"},
            head_only=True),
    ]


def room_rows():
    rows = [
        get("unknown valid room history", MESSAGES + "?room=nobody-%d" % PID, 200)._replace(empty=True),
        get("unknown valid room stream", STREAM + "?room=nobody-%d" % PID, 200, head_only=True),
    ]
    bad = {"space": "bad%20room", "unicode": urllib.parse.quote("héllo"), "65 chars": "r" * 65,
           "dot dot slash": "..%2Fetc", "empty": "", "newline": "a%0Ab", "NUL": "a%00b"}
    for name, value in bad.items():
        for path in (MESSAGES, STREAM):
            rows.append(get("room %s on %s" % (name, path), path + "?room=" + value, 400, "invalid_room",
                            "room"))
        decoded = urllib.parse.unquote(value)
        rows.append(post("posted room " + name, {"username": "u", "content": "c", "room": decoded}, 400,
                         "invalid_room", "room"))
    return rows


def method_rows():
    rows = []
    for path, allow in ((MESSAGES, "GET, HEAD, POST"), (STREAM, "GET, HEAD"), (HEALTH, "GET, HEAD")):
        for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            rows.append(Row("%s %s" % (method, path), method, path, {}, None, 405, "method_not_allowed",
                            allow=allow))
        if path != MESSAGES:
            rows.append(Row("POST %s" % path, "POST", path, JSON, body({"username": "u", "content": "c"}),
                            405, "method_not_allowed", allow=allow))
    rows.append(get("unknown endpoint", "/api/messages/123", 404, "not_found"))
    return rows


def content_type_rows():
    msg = {"username": "u", "content": "c", "room": "hostile-%d" % PID}
    rows = [post("charset utf-8 accepted", msg, 201,
                 headers={"Content-Type": "application/json; charset=utf-8"})]
    for name, value in (("text/plain", "text/plain"),
                        ("multipart", "multipart/form-data; boundary=x"),
                        ("form", "application/x-www-form-urlencoded"),
                        ("charset latin1", "application/json; charset=latin1"),
                        ("json lookalike", "application/jsonx")):
        rows.append(post("content type " + name, msg, 415, "unsupported_media_type",
                         headers={"Content-Type": value}))
    rows.append(post("content type missing", msg, 415, "unsupported_media_type", headers={}))
    return rows


def framing_rows():
    def request(content_length_lines, data=b'{"username":"u","content":"c"}'):
        return (b"POST /api/messages HTTP/1.1\r\nHost: chat\r\nContent-Type: application/json\r\n" +
                content_length_lines + b"Connection: close\r\n\r\n" + data)
    def chunked(te_lines, chunks):
        return (b"POST /api/messages HTTP/1.1\r\nHost: chat\r\nContent-Type: application/json\r\n" +
                te_lines + b"Connection: close\r\n\r\n" +
                b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n")

    def get_raw(path, extra=b""):
        return b"GET " + path + b" HTTP/1.1\r\nHost: chat\r\n" + extra + b"Connection: close\r\n\r\n"

    message = body({"username": "u", "content": "chunked", "room": "hostile-%d" % PID})
    te = b"Transfer-Encoding: chunked\r\n"
    # nginx refuses these itself with its HTML 400 page (code None).
    return [
        raw("chunked body", chunked(te, [message[:10], message[10:]]), 201),
        raw("chunked body over 16 KiB", chunked(te, [b" " * 9000, b" " * 9000]), 413,
            "payload_too_large"),
        raw("chunk size not hex", chunked(te, []).replace(b"0\r\n\r\n", b"zz\r\nabc\r\n0\r\n\r\n"),
            400),
        raw("Content-Length with Transfer-Encoding", chunked(te + b"Content-Length: 5\r\n", [message]),
            400),
        # nginx's correct answer to a transfer coding it does not implement.
        raw("Transfer-Encoding gzip", request(b"Transfer-Encoding: gzip\r\n"), 501),
        raw("no Content-Length, body ignored", request(b""), 400, "invalid_json"),
        raw("NUL in a header", get_raw(b"/api/health", b"X-A: a\x00b\r\n"), 400),
        raw("folded Last-Event-ID", get_raw(b"/api/stream-messages", b"Last-Event-ID: 00\r\n x\r\n"),
            400),
        raw("header over 16 KiB", get_raw(b"/api/health", b"X-A: " + b"a" * 20000 + b"\r\n"), 400),
        raw("path traversal", get_raw(b"/api/../../etc/passwd"), 400),
        raw("escaped path traversal", get_raw(b"/api/%2e%2e/%2e%2e/etc/passwd"), 400),
        raw("Content-Length not a number", request(b"Content-Length: abc\r\n"), 400),
        raw("Content-Length negative", request(b"Content-Length: -1\r\n"), 400),
        raw("Content-Length 2^80", request(b"Content-Length: 1208925819614629174706176\r\n"), 400),
        raw("two Content-Lengths", request(b"Content-Length: 5\r\nContent-Length: 6\r\n"), 400),
        raw("Content-Length shorter than body", request(b"Content-Length: 2\r\n"), 400,
            "invalid_json"),
        raw("Content-Length over the limit", request(b"Content-Length: 99999\r\n"), 413,
            "payload_too_large"),
        get("duplicate room", MESSAGES + "?room=a&room=b", 400, "duplicate_parameter", "room"),
        get("duplicate limit", MESSAGES + "?limit=1&limit=2", 400, "duplicate_parameter", "limit"),
        get("duplicate backfill", STREAM + "?backfill=1&backfill=1", 400, "duplicate_parameter",
            "backfill"),
        get("duplicate lastEventId", STREAM + "?lastEventId=00&lastEventId=00", 400,
            "duplicate_parameter", "lastEventId"),
        get("limit 0", MESSAGES + "?limit=0", 400, "invalid_parameter", "limit"),
        get("limit 201", MESSAGES + "?limit=201", 400, "invalid_parameter", "limit"),
        get("limit huge", MESSAGES + "?limit=99999999999999999999999", 400, "invalid_parameter",
            "limit"),
        get("limit exponent", MESSAGES + "?limit=1e2", 400, "invalid_parameter", "limit"),
        get("backfill 501", STREAM + "?backfill=501", 400, "invalid_parameter", "backfill"),
        get("backfill negative", STREAM + "?backfill=-1", 400, "invalid_parameter", "backfill"),
        get("query string 6000 bytes", MESSAGES + "?room=general&x=" + "a" * 6000, 400,
            "invalid_query_string"),
    ]


def all_rows():
    return (operator_rows() + wrong_type_rows() + size_and_depth_rows() + utf8_rows() +
            event_id_rows() + room_rows() + method_rows() + content_type_rows() + framing_rows())


def parse_head(data):
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for line in head[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return status, headers


def send_raw(data, head_only=False):
    """Sends bytes, reads until the peer closes (or the head, for streams)."""
    with socket.create_connection(("127.0.0.1", STACK.port), timeout=REQUEST_TIMEOUT_S) as sock:
        sock.sendall(data)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
            if head_only and b"\r\n\r\n" in received:
                break
    status, headers = parse_head(received)
    data = received.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in received else b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        data = dechunk(data)
    return status, headers, data


def dechunk(data):
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


def send(row):
    if row.raw:
        return send_raw(row.body)
    if row.head_only:
        lines = ["%s %s HTTP/1.1" % (row.method, row.path), "Host: chat", "Connection: close"]
        lines += ["%s: %s" % item for item in row.headers.items()]
        status, headers, _ = send_raw(("\r\n".join(lines) + "\r\n\r\n").encode(), head_only=True)
        return status, headers, b""
    status, headers, data = STACK.request(row.method, row.path, row.body, row.headers,
                                          timeout=REQUEST_TIMEOUT_S)
    return status, {k.lower(): v for k, v in headers.items()}, data


def database():
    import pymongo
    uri = STACK.env["MONGODB_URI"]
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=10000)
    name = urllib.parse.urlparse(uri).path.lstrip("/") or "chat"
    return client, client[name]["messages"]


def setUpModule():
    global STACK
    STACK = ChatStack(message_workers=4).start()


def tearDownModule():
    STACK.stop()


class HostileTable(unittest.TestCase):
    def test_table_then_database_unchanged(self):
        status, _, _ = STACK.post("keeper", SECRET_TEXT, SECRET_ROOM)
        self.assertEqual(status, 201)
        client, messages = database()
        try:
            before = messages.count_documents({})
            rows = all_rows()
            names = [row.name for row in rows]
            self.assertEqual(len(names), len(set(names)), "row names must be unique")
            for row in rows:
                with self.subTest(row=row.name):
                    self.check_row(row)
            expected_created = sum(1 for row in rows if row.status == 201)
            self.assertGreater(expected_created, 0)
            self.assertEqual(messages.count_documents({}), before + expected_created)
            for doc in messages.find({}):
                self.check_stored_shape(doc)
        finally:
            client.close()
        self.assertEqual(self.sanitizer_reports(), [])

    def check_row(self, row):
        started = time.monotonic()
        status, headers, data = send(row)
        elapsed = time.monotonic() - started
        if row.status < 500:
            self.assertLess(status, 500, data[:300])
        self.assertEqual(status, row.status, data[:300])
        self.assertNotIn(SECRET_TEXT.encode(), data)
        self.assertLess(elapsed, REQUEST_TIMEOUT_S)
        if row.allow:
            self.assertEqual(headers.get("allow"), row.allow)
        if row.head_only:
            self.assertTrue(headers.get("content-type", "").startswith("text/event-stream"))
            return
        if row.code is None and status >= 400:
            return  # nginx's own HTML page for a request it refuses to parse
        decoded = json.loads(data)
        if row.code is None:
            self.assertNotIn("error", decoded)
            if row.empty:
                self.assertEqual(decoded, {"messages": [], "next": None})
            if status == 200 and row.path.startswith(MESSAGES):
                # Ignored or defaulted parameters never widen the query to other rooms.
                for message in decoded["messages"]:
                    self.assertNotEqual(message["room"], SECRET_ROOM)
            return
        self.assertEqual(decoded["error"]["code"], row.code)
        self.assertTrue(decoded["error"]["message"])
        if row.field:
            self.assertEqual(decoded["error"].get("field"), row.field)

    def check_stored_shape(self, doc):
        self.assertEqual(set(doc.keys()), STORED_FIELDS, doc)
        for key in ("username", "content", "room"):
            self.assertIsInstance(doc[key], str, doc)
            self.assertFalse(doc[key].startswith("$"), doc)
        for key in ("createdAt", "updatedAt"):
            self.assertIsInstance(doc[key], datetime.datetime, doc)

    @staticmethod
    def sanitizer_reports():
        found = []
        for path in glob.glob(os.path.join(STACK.state_dir, "*.log")):
            with open(path, errors="replace") as f:
                for line in f:
                    if "AddressSanitizer" in line or "runtime error:" in line or \
                            "LeakSanitizer" in line:
                        found.append("%s: %s" % (os.path.basename(path), line.strip()))
        return found


class SlowClients(unittest.TestCase):
    """nginx reads bodies before it passes a request to a worker and cuts a
    client that stops sending for client_body_timeout / client_header_timeout
    (10 s), so stalled clients pin no worker."""

    SLOW_BODIES = 8  # more than the 4 message workers

    def test_stalled_bodies_and_headers_are_cut_and_others_served(self):
        client, messages = database()
        try:
            before = messages.count_documents({})
            results = []
            threads = [threading.Thread(target=self.stall_body, args=(results,))
                       for _ in range(self.SLOW_BODIES)]
            threads.append(threading.Thread(target=self.stall_headers, args=(results,)))
            for thread in threads:
                thread.start()
            # Once every slow client is stalled, others are still served.
            time.sleep(5)
            for i in range(3):
                status, _, created = STACK.post("fast", "served %d" % i, "hostile-%d" % PID, timeout=15)
                self.assertEqual(status, 201)
                status, _, _ = STACK.request("GET", HEALTH, timeout=15)
                self.assertEqual(status, 200)
            for thread in threads:
                thread.join(60)
                self.assertFalse(thread.is_alive())
            self.assertEqual(len(results), len(threads))
            for kind, outcome, stalled_for in results:
                with self.subTest(kind=kind):
                    # Cut (closed, maybe after a 408) after the 10 s timeout,
                    # with room for a loaded machine.
                    self.assertIn(outcome, ("closed", 408), kind)
                    self.assertGreater(stalled_for, 5, kind)
                    self.assertLess(stalled_for, 40, kind)
            self.assertEqual(messages.count_documents({}), before + 3)
        finally:
            client.close()

    def stall_body(self, results):
        head = (b"POST /api/messages HTTP/1.1\r\nHost: chat\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n")
        payload = b'{"username":"slow","content":"'
        self.stall(results, "body", head, payload)

    def stall_headers(self, results):
        self.stall(results, "headers", b"GET /api/health HTTP/1.1\r\n", b"Host: chat\r\nX-Slow: ")

    def stall(self, results, kind, first, dribble):
        sock = socket.create_connection(("127.0.0.1", STACK.port), timeout=60)
        try:
            sock.sendall(first)
            for byte in dribble[:4]:  # a few bytes slowly, then nothing more
                sock.sendall(bytes([byte]))
                time.sleep(0.5)
            stalled_at = time.monotonic()
            received = b""
            try:
                while True:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    received += chunk
            except ConnectionResetError:
                pass
            except socket.timeout:
                results.append((kind, "still open", time.monotonic() - stalled_at))
                return
            stalled_for = time.monotonic() - stalled_at
            outcome = parse_head(received)[0] if received else "closed"
            results.append((kind, outcome, stalled_for))
        finally:
            sock.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
