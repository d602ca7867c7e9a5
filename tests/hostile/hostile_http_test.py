#!/usr/bin/python3
"""Hostile HTTP requests through real nginx, as a table: every row is one
request and the exact status and JSON error code it must get. Afterwards the
database must hold exactly the messages the table expected to be created,
each with the stored shape and nothing else (no injected operator, no
non-string field). Every error, including those nginx answers itself, has
the API's JSON body. Slow-loris headers and bodies must be cut by nginx while
other requests are still served, and one address cannot hold more than its
share of /api/messages with bodies dripped just fast enough.

No row may get an unexpected 5xx or hang: every request has its own timeout. Under
`make test SANITIZE=address,undefined` the workers run sanitized, so the
final check also looks for sanitizer reports in the workers' logs.
"""
import collections
import datetime
import glob
import http.client
import json
import os
import select
import socket
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "deploy"))
from chat_stack import ChatStack  # noqa: E402

STACK = None
REQUEST_TIMEOUT_S = 20  # generous: the machine is shared; a hang is still caught
# nginx's slow-client limits for this test (the defaults are 10 s and 32), low
# so that cutting a slow client takes seconds.
HEADER_TIMEOUT_S = 5
BODY_TIMEOUT_S = 5
MESSAGES_PER_IP = 4
SLOW_LIMITS = {"CLIENT_HEADER_TIMEOUT": str(HEADER_TIMEOUT_S),
               "CLIENT_BODY_TIMEOUT": str(BODY_TIMEOUT_S), "MESSAGES_PER_IP": str(MESSAGES_PER_IP)}
# A cut must come no earlier than its timeout allows (nginx's timers never
# fire early; 1 s covers clock granularity) and within this much after it
# (a loaded, shared machine).
CUT_SLACK_S = 25
PID = os.getpid()
SECRET_ROOM = "secret-%d" % PID
SECRET_TEXT = "the-secret-%d" % PID
STORED_FIELDS = {"_id", "username", "content", "room", "createdAt", "updatedAt"}
MESSAGES = "/api/messages"
STREAM = "/api/stream-messages"
HEALTH = "/api/health"
JSON = {"Content-Type": "application/json"}

# One request and what it must get. `code` is the JSON error.code, or None when
# the row expects success (201/200). Every error has a JSON body, also those
# nginx answers itself before any location runs (a broken request line or
# header): nginx/chat-locations.conf.in maps each to our shape. Three statuses
# nginx could answer have no row: 408 because nginx never sends it (a
# client_header_timeout or client_body_timeout closes the connection without
# an answer; SlowClients checks that), 411 and 500 because no request makes
# nginx 1.22 send them in this configuration (their JSON pages are mapped all
# the same). `field` is the error's "field" when one field is at fault. `raw`
# rows are sent as bytes on a socket (for framing http.client refuses to
# produce); `head_only` rows open an SSE stream, so only the response head is
# read; `empty` rows must get a history page with no messages.
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


def raw(name, data, status, code=None, allow=None):
    return Row(name, None, None, None, data, status, code, allow=allow, raw=True)


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
    # Rows answered by nginx itself (bad_request, not_implemented) carry the
    # JSON of nginx/chat-locations.conf.in, not nginx's HTML pages.
    return [
        raw("chunked body", chunked(te, [message[:10], message[10:]]), 201),
        raw("chunked body over 16 KiB", chunked(te, [b" " * 9000, b" " * 9000]), 413,
            "payload_too_large"),
        raw("chunk size not hex", chunked(te, []).replace(b"0\r\n\r\n", b"zz\r\nabc\r\n0\r\n\r\n"),
            400, "bad_request"),
        raw("Content-Length with Transfer-Encoding", chunked(te + b"Content-Length: 5\r\n", [message]),
            400, "bad_request"),
        # nginx's correct answer to a transfer coding it does not implement.
        raw("Transfer-Encoding gzip", request(b"Transfer-Encoding: gzip\r\n"), 501, "not_implemented"),
        raw("no Content-Length, body ignored", request(b""), 400, "invalid_json"),
        raw("NUL in a header", get_raw(b"/api/health", b"X-A: a\x00b\r\n"), 400, "bad_request"),
        raw("folded Last-Event-ID", get_raw(b"/api/stream-messages", b"Last-Event-ID: 00\r\n x\r\n"),
            400, "bad_request"),
        raw("path traversal", get_raw(b"/api/../../etc/passwd"), 400, "bad_request"),
        raw("escaped path traversal", get_raw(b"/api/%2e%2e/%2e%2e/etc/passwd"), 400, "bad_request"),
        raw("Content-Length not a number", request(b"Content-Length: abc\r\n"), 400, "bad_request"),
        raw("Content-Length negative", request(b"Content-Length: -1\r\n"), 400, "bad_request"),
        raw("Content-Length 2^80", request(b"Content-Length: 1208925819614629174706176\r\n"), 400,
            "bad_request"),
        raw("two Content-Lengths", request(b"Content-Length: 5\r\nContent-Length: 6\r\n"), 400,
            "bad_request"),
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


def nginx_rows():
    """Requests nginx refuses before (or instead of) any worker: each still gets
    the API's JSON error, most through the server-level error_page."""
    def line(request_line, extra=b"", host=b"Host: chat\r\n"):
        return request_line + b"\r\n" + host + extra + b"Connection: close\r\n\r\n"

    def get_line(path, extra=b""):
        return line(b"GET " + path + b" HTTP/1.1", extra)

    many_headers = b"".join(b"X-%d: %s\r\n" % (i, b"a" * 7000) for i in range(6))
    rows = [
        # Broken request lines: nginx has no URI yet when it refuses these.
        raw("junk after the version", line(b"GET /api/health HTTP/1.1 junk"), 400, "bad_request"),
        raw("lowercase method", line(b"get /api/health HTTP/1.1"), 400, "bad_request"),
        raw("TLS handshake on the HTTP port", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n",
            400, "bad_request"),
        raw("HTTP/1.1 without Host", line(b"GET /api/health HTTP/1.1", host=b""), 400, "bad_request"),
        raw("HTTP/2.0 request line", line(b"GET /api/health HTTP/2.0"), 505,
            "http_version_not_supported"),
        raw("HTTP/3.1 request line", line(b"GET /api/messages HTTP/3.1"), 505,
            "http_version_not_supported"),
        raw("request line over 8 KiB", get_line(b"/api/messages?room=" + b"r" * 9000), 414,
            "uri_too_long"),
        # nginx's internal 494 goes out as 431 (RFC 6585).
        raw("header over 16 KiB", get_line(b"/api/health", b"X-A: " + b"a" * 20000 + b"\r\n"), 431,
            "headers_too_large"),
        raw("headers over 32 KiB together", get_line(b"/api/messages", many_headers), 431,
            "headers_too_large"),
        # nginx refuses TRACE itself, with the Allow header of the path.
        raw("TRACE on the page", line(b"TRACE / HTTP/1.1"), 405, "method_not_allowed",
            allow="GET, HEAD"),
        raw("POST to the page", line(b"POST / HTTP/1.1", b"Content-Length: 2\r\n") + b"{}", 405,
            "method_not_allowed", allow="GET, HEAD"),
        get("unknown endpoint with an extension", "/api/messages.html", 404, "not_found"),
        get("unknown endpoint under /api", "/api/x/y/z", 404, "not_found"),
    ]
    for path, allow in ((MESSAGES, "GET, HEAD, POST"), (STREAM, "GET, HEAD"), (HEALTH, "GET, HEAD")):
        rows.append(raw("TRACE " + path, line(b"TRACE %s HTTP/1.1" % path.encode()), 405,
                        "method_not_allowed", allow=allow))
    return rows


def all_rows():
    return (operator_rows() + wrong_type_rows() + size_and_depth_rows() + utf8_rows() +
            event_id_rows() + room_rows() + method_rows() + content_type_rows() + framing_rows() +
            nginx_rows())


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
    # ChatStack renders nginx with deploy/render-nginx.sh, which reads these
    # from the environment.
    os.environ.update(SLOW_LIMITS)
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
        if row.status >= 400:
            self.assertIsNotNone(row.code, "an error row names the JSON code it expects")
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
        # Every answer here is JSON: the workers' and the error pages of nginx.
        self.assertEqual(headers.get("content-type"), "application/json; charset=utf-8", data[:300])
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
        # The shape of src/chat/core/api_error.h, whoever answered.
        self.assertEqual(set(decoded), {"error"})
        self.assertLessEqual(set(decoded["error"]), {"code", "message", "field"})
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


class Dripper(threading.Thread):
    """One slow client on its own connection from `source` (any 127.x.y.z
    reaches nginx on loopback and counts as its own address): sends `first`,
    then one byte of `dribble` every `gap` seconds, `count` bytes in all (None:
    until nginx cuts it or stop() is called), then stays silent. Records what
    ended the connection and when, from the connection's start and from its
    last byte sent."""

    GAP_S = 0.5

    def __init__(self, first, dribble, count=None, source="127.0.0.1"):
        super().__init__(daemon=True)
        self.first, self.dribble, self.count, self.source = first, dribble, count, source
        self.started_at = self.last_sent_at = None
        self.head_sent = threading.Event()
        self.stopping = threading.Event()
        self.outcome = None   # "closed", "still open", or the status nginx answered
        self.sent = 0         # bytes of `dribble` sent
        self.ended_at = None

    def stop(self):
        self.stopping.set()

    def since_start(self):
        return self.ended_at - self.started_at

    def since_last_byte(self):
        return self.ended_at - self.last_sent_at

    def run(self):
        sock = socket.socket()
        try:
            sock.bind((self.source, 0))
            sock.settimeout(REQUEST_TIMEOUT_S)
            sock.connect(("127.0.0.1", STACK.port))
            self.started_at = self.last_sent_at = time.monotonic()
            sock.sendall(self.first)
            self.head_sent.set()
            received = self.drip(sock)
            if received is None:
                received = self.wait_for_cut(sock)
            self.outcome = parse_head(received)[0] if received else "closed"
        except (ConnectionResetError, BrokenPipeError):
            self.outcome = "closed"
        except socket.timeout:
            self.outcome = "still open"
        finally:
            self.ended_at = time.monotonic()
            self.head_sent.set()
            sock.close()

    def drip(self, sock):
        """Drips; returns what nginx sent if it answered or closed meanwhile."""
        while (self.count is None or self.sent < self.count) and not self.stopping.is_set():
            sock.sendall(self.dribble[self.sent % len(self.dribble):][:1])
            self.last_sent_at = time.monotonic()
            self.sent += 1
            readable, _, _ = select.select([sock], [], [], self.GAP_S)
            if readable:
                return self.wait_for_cut(sock)
        return None

    @staticmethod
    def wait_for_cut(sock):
        received = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return received
            received += chunk


def post_head(content_length, extra=b""):
    return (b"POST /api/messages HTTP/1.1\r\nHost: chat\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n" % content_length + extra + b"\r\n")


def read_response(sock):
    """One response with a Content-Length body, without waiting for a close;
    (None, {}, b"") when the connection closes before a response head."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            return None, {}, b""
        received += chunk
    status, headers = parse_head(received)
    data = received.split(b"\r\n\r\n", 1)[1]
    while len(data) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return status, headers, data


def request_from(source, method, path, data=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", STACK.port, timeout=REQUEST_TIMEOUT_S,
                                      source_address=(source, 0))
    try:
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def fast_post(source, text):
    message = body({"username": "fast", "content": text, "room": "hostile-%d" % PID})
    return request_from(source, "POST", MESSAGES, message, JSON)


class SlowClients(unittest.TestCase):
    """nginx reads a whole body before it passes a request to a worker, so a
    slow client pins no worker, only an nginx connection. How long: a request
    head must arrive within client_header_timeout (never restarted, so a drip
    does not help); a body may pause at most client_body_timeout between two
    reads. How many: a body dripped faster than that is not cut by time, so
    requests in progress on /api/messages are capped per address."""

    SLOW_BODIES = 8  # more than the 4 message workers

    def test_stalled_bodies_and_dripped_headers_are_cut_and_others_served(self):
        client, messages = database()
        try:
            before = messages.count_documents({})
            # Each stalled body from its own address: the per-address cap is
            # the next test's subject, this one is about time and workers.
            bodies = [Dripper(post_head(100), b'{"username":"slow","content":"', count=4,
                              source="127.0.0.%d" % (10 + i)) for i in range(self.SLOW_BODIES)]
            # Headers dripped for far longer than the timeout unless cut.
            header = Dripper(b"GET /api/health HTTP/1.1\r\nHost: chat\r\n", b"X-Slow: drip\r\n",
                             count=int(4 * (HEADER_TIMEOUT_S + CUT_SLACK_S) / Dripper.GAP_S))
            for dripper in bodies + [header]:
                dripper.start()
            for dripper in bodies + [header]:
                self.assertTrue(dripper.head_sent.wait(REQUEST_TIMEOUT_S))
            # While every slow client holds its connection, others are served.
            for i in range(3):
                status, data = fast_post("127.0.0.1", "served %d" % i)
                self.assertEqual(status, 201, data)
                status, data = request_from("127.0.0.1", "GET", HEALTH)
                self.assertEqual(status, 200, data)
            for dripper in bodies + [header]:
                dripper.join(HEADER_TIMEOUT_S + BODY_TIMEOUT_S + 2 * CUT_SLACK_S)
                self.assertFalse(dripper.is_alive())
            # Cut: closed without an answer (nginx never sends its 408).
            self.assertEqual(header.outcome, "closed")
            self.assertGreater(header.since_start(), HEADER_TIMEOUT_S - 1)
            self.assertLess(header.since_start(), HEADER_TIMEOUT_S + CUT_SLACK_S)
            self.assertLess(header.sent, header.count, "cut while still dripping")
            for dripper in bodies:
                with self.subTest(source=dripper.source):
                    self.assertEqual(dripper.outcome, "closed")
                    self.assertGreater(dripper.since_last_byte(), BODY_TIMEOUT_S - 1)
                    self.assertLess(dripper.since_last_byte(), BODY_TIMEOUT_S + CUT_SLACK_S)
            self.assertEqual(messages.count_documents({}), before + 3)
            self.assertEqual(messages.count_documents({"username": "slow"}), 0)
        finally:
            client.close()

    def test_dripping_posts_beyond_the_address_limit_are_refused(self):
        client, messages = database()
        try:
            before = messages.count_documents({})
            # Bodies dripped faster than client_body_timeout: time never cuts them.
            drippers = [Dripper(post_head(10000), b" ") for _ in range(MESSAGES_PER_IP)]
            for dripper in drippers:
                dripper.start()
            for dripper in drippers:
                self.assertTrue(dripper.head_sent.wait(REQUEST_TIMEOUT_S))
            # One more from the same address: refused at once, before its body.
            # limit_conn counts a request once nginx has read its head; the
            # retries only cover a head the drippers sent that nginx has not
            # processed yet.
            status = headers = data = None
            deadline = time.monotonic() + REQUEST_TIMEOUT_S
            while status != 429 and time.monotonic() < deadline:
                with socket.create_connection(("127.0.0.1", STACK.port),
                                              timeout=REQUEST_TIMEOUT_S) as sock:
                    sock.sendall(post_head(10000) + b" ")
                    status, headers, data = read_response(sock)
                if status != 429:
                    time.sleep(0.5)
            self.assertEqual(status, 429, data)
            self.assertEqual(headers.get("content-type"), "application/json; charset=utf-8")
            self.assertEqual(headers.get("retry-after"), "1")
            self.assertEqual(json.loads(data)["error"]["code"], "too_many_connections")
            # Another address is served meanwhile.
            status, data = fast_post("127.0.0.2", "other address")
            self.assertEqual(status, 201, data)
            status, data = request_from("127.0.0.2", "GET", MESSAGES + "?room=hostile-%d" % PID)
            self.assertEqual(status, 200, data)
            # The drippers were refused nothing and are still being read.
            for dripper in drippers:
                self.assertTrue(dripper.is_alive())
            # Once they stop dripping they are cut, and their address is served again.
            for dripper in drippers:
                dripper.stop()
            for dripper in drippers:
                dripper.join(BODY_TIMEOUT_S + 2 * CUT_SLACK_S)
                self.assertFalse(dripper.is_alive())
                self.assertEqual(dripper.outcome, "closed")
                self.assertGreater(dripper.since_last_byte(), BODY_TIMEOUT_S - 1)
                self.assertLess(dripper.since_last_byte(), BODY_TIMEOUT_S + CUT_SLACK_S)
            status, data = fast_post("127.0.0.1", "address freed")
            self.assertEqual(status, 201, data)
            self.assertEqual(messages.count_documents({}), before + 2)
        finally:
            client.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
