#!/usr/bin/python3
"""Identity, private rooms and moderation end to end through nginx.

Tokens are minted here with PyJWT (Debian's python3-jwt) and keys made with
python3-cryptography: an implementation independent of the workers' own
verifier. Covers: every endpoint refusing a missing or hostile token with 401
and storing nothing; where a token may come from and which source wins;
impersonation; private rooms on the stream, history and posting; editing and
deleting (authors within the edit window, moderators) delivered live as
`event: update` / `event: delete` and through Last-Event-ID resume; a stream
ending at its token's expiry and resuming with a fresh token; identity from
nginx's auth_request (CHAT_AUTH=trusted-header) that a client cannot forge.
"""
import base64
import datetime
import http.server
import json
import os
import sys
import tempfile
import threading
import time
import unittest

import jwt
from bson import ObjectId
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "deploy"))
from chat_stack import ChatStack, SseClient  # noqa: E402

JSON = {"Content-Type": "application/json"}
KEY_DIR = tempfile.mkdtemp(prefix="chat-auth-keys-")
PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = PRIVATE_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
KEY_FILE = os.path.join(KEY_DIR, "public.pem")
with open(KEY_FILE, "wb") as f:
    f.write(PUBLIC_PEM)

STACK = None


def setUpModule():
    global STACK
    STACK = ChatStack(env={"CHAT_AUTH": "jwt", "CHAT_JWT_KEY_FILE": KEY_FILE,
                           "CHAT_JWT_LEEWAY_S": "0"}).start()


def tearDownModule():
    STACK.stop()


def room(name):
    return "%s-%d" % (name, os.getpid())


def token(sub="alice", name=None, ttl=3600, **claims):
    payload = {"sub": sub, "exp": int(time.time()) + ttl}
    if name is not None:
        payload["name"] = name
    payload.update(claims)
    return jwt.encode(payload, PRIVATE_KEY, algorithm="RS256")


def bearer(tok):
    return {"Authorization": "Bearer " + tok}


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def request(method, path, body=None, headers=None, stack=None):
    stack = stack or STACK
    payload = json.dumps(body).encode() if isinstance(body, dict) else body
    all_headers = dict(JSON) if payload else {}
    all_headers.update(headers or {})
    status, got_headers, data = stack.request(method, path, payload, all_headers)
    return status, got_headers, (json.loads(data) if data.strip() else None)


def post(tok, content, where, username=None, stack=None):
    body = {"content": content, "room": where}
    if username is not None:
        body["username"] = username
    return request("POST", "/api/messages", body, bearer(tok), stack)


def history(tok, where):
    return request("GET", "/api/messages?room=" + where, headers=bearer(tok))


def next_named(client, name, timeout=30):
    """The next event called `name`, skipping others."""
    deadline = time.monotonic() + timeout
    while True:
        event = client.next_event(max(0.1, deadline - time.monotonic()))
        if event is None:
            raise AssertionError("stream ended before a %s event" % name)
        if event[0] == name:
            return event


class Authentication(unittest.TestCase):
    def assert_unauthorized(self, method, path, body=None, headers=None):
        status, got_headers, got = request(method, path, body, headers)
        self.assertEqual(status, 401, got)
        self.assertEqual(got["error"]["code"], "unauthorized")
        self.assertIn('error="invalid_token"', got_headers.get("WWW-Authenticate", ""))
        return got

    def test_every_endpoint_needs_a_token(self):
        r = room("closed")
        self.assert_unauthorized("GET", "/api/messages?room=" + r)
        self.assert_unauthorized("POST", "/api/messages", {"username": "u", "content": "c", "room": r})
        self.assert_unauthorized("GET", "/api/me")
        self.assert_unauthorized("PATCH", "/api/messages/" + "0" * 24, {"content": "x"})
        self.assert_unauthorized("DELETE", "/api/messages/" + "0" * 24)
        client = SseClient(STACK.port, "/api/stream-messages?room=" + r)
        self.assertEqual(client.status, 401)
        client.close()
        # Health stays open: load balancers probe it without credentials.
        self.assertEqual(STACK.request("GET", "/api/health")[0], 200)

    def test_hostile_tokens_are_refused_and_nothing_is_stored(self):
        r = room("hostile")
        now = int(time.time())
        header_none = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        claims = b64(json.dumps({"sub": "mallory", "exp": now + 600}).encode())
        good = token("mallory")
        head, payload, signature = good.split(".")
        hostile = {
            "alg none": header_none + "." + claims + ".",
            # PyJWT refuses a PEM as an HMAC secret (that is the attack), so
            # the confused token is signed by hand.
            "HS256 with the public key as secret": _hs256_by_hand(
                PUBLIC_PEM, {"sub": "mallory", "exp": now + 600}),
            "wrong signature": head + "." + payload + "." + signature[::-1],
            "truncated": good[: len(good) // 2],
            "extra segment": good + ".e30",
            "bad base64": head + "." + payload + "!!." + signature,
            "payload not an object": jwt.encode({"sub": "x"}, PRIVATE_KEY, algorithm="RS256")
            .split(".")[0] + "." + b64(b"[1,2]") + "." + signature,
            "exp missing": jwt.encode({"sub": "mallory"}, PRIVATE_KEY, algorithm="RS256"),
            "exp past": token("mallory", ttl=-60),
            "exp not a number": jwt.encode({"sub": "mallory", "exp": "soon"}, PRIVATE_KEY,
                                           algorithm="RS256"),
            "nbf future": token("mallory", nbf=now + 3600),
        }
        for name, tok in hostile.items():
            with self.subTest(name):
                body = {"username": "mallory", "content": "should not be stored", "room": r}
                self.assert_unauthorized("POST", "/api/messages", body, bearer(tok))
                self.assert_unauthorized("GET", "/api/messages?room=" + r, None, bearer(tok))
        # A token over 8 KiB does not even fit nginx's header buffers: nginx
        # refuses the request itself (the workers' own limit, too_large, is
        # checked in the unit tests and by chat-token).
        big = token("mallory", padding="x" * 9216)
        for headers in (bearer(big), {"Cookie": "chat_token=" + big}):
            status, _, body = request("POST", "/api/messages",
                                      {"username": "m", "content": "c", "room": r}, headers)
            self.assertEqual((status, body["error"]["code"]), (431, "headers_too_large"))
        status, _, page = history(token("reader"), r)
        self.assertEqual(status, 200)
        self.assertEqual(page["messages"], [])

    def test_malformed_authorization_header_is_refused_not_skipped(self):
        cookie = {"Cookie": "chat_token=" + token("alice")}
        self.assert_unauthorized("GET", "/api/me", headers=dict(cookie, Authorization="Basic eDp5"))
        status, _, me = request("GET", "/api/me", headers=cookie)
        self.assertEqual(status, 200)

    def test_token_sources_and_which_wins(self):
        alice, bob = token("alice", "Alice"), token("bob", "Bob")
        self.assertEqual(request("GET", "/api/me", headers=bearer(alice))[2]["userId"], "alice")
        self.assertEqual(request("GET", "/api/me", headers={"Cookie": "chat_token=" + bob})[2]["userId"],
                         "bob")
        self.assertEqual(request("GET", "/api/me?access_token=" + alice)[2]["userId"], "alice")
        # Header over cookie over query.
        both = dict(bearer(alice), Cookie="chat_token=" + bob)
        self.assertEqual(request("GET", "/api/me?access_token=" + bob, headers=both)[2]["userId"],
                         "alice")
        self.assertEqual(request("GET", "/api/me?access_token=" + alice,
                                 headers={"Cookie": "chat_token=" + bob})[2]["userId"], "bob")
        # The access log never holds the query token.
        with open(os.path.join(STACK.state_dir, "nginx-access.log")) as f:
            log = f.read()
        self.assertIn("access_token=<redacted>", log)
        self.assertNotIn(alice, log)

    def test_me_describes_the_token(self):
        tok = token("carol", "Carol", rooms=["team-*"], roles=["moderator"])
        status, _, me = request("GET", "/api/me", headers=bearer(tok))
        self.assertEqual(status, 200)
        self.assertEqual(me["auth"], "jwt")
        self.assertEqual((me["userId"], me["name"], me["rooms"], me["roles"], me["moderator"]),
                         ("carol", "Carol", ["team-*"], ["moderator"], True))
        self.assertRegex(me["expiresAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        # The name falls back to sub.
        self.assertEqual(request("GET", "/api/me", headers=bearer(token("dave")))[2]["name"], "dave")


class Identity(unittest.TestCase):
    def test_the_stored_name_is_always_the_tokens(self):
        r = room("names")
        tok = token("alice", "Alice")
        status, _, stored = post(tok, "no name given", r)
        self.assertEqual(status, 201, stored)
        self.assertEqual((stored["username"], stored["userId"]), ("Alice", "alice"))
        self.assertEqual(post(tok, "same name", r, username="Alice")[0], 201)
        status, _, error = post(tok, "impersonation", r, username="Bob")
        self.assertEqual(status, 403)
        self.assertEqual((error["error"]["code"], error["error"]["field"]),
                         ("forbidden_username", "username"))
        page = history(tok, r)[2]["messages"]
        self.assertEqual([m["content"] for m in page], ["same name", "no name given"])
        self.assertTrue(all(m["userId"] == "alice" for m in page))

    def test_private_rooms(self):
        allowed, other = room("team-red"), room("other")
        tok = token("erin", rooms=["team-*", "lobby"])  # room() gives "team-red-<pid>"
        self.assertEqual(post(tok, "inside", allowed)[0], 201)
        for status, body in (post(tok, "outside", other)[::2], history(tok, other)[::2]):
            self.assertEqual(status, 403)
            self.assertEqual((body["error"]["code"], body["error"]["field"]), ("forbidden_room", "room"))
        client = SseClient(STACK.port, "/api/stream-messages?room=" + other, extra_headers=bearer(tok))
        self.assertEqual(client.status, 403)
        client.close()
        client = SseClient(STACK.port, "/api/stream-messages?room=" + allowed,
                           extra_headers={"Cookie": "chat_token=" + tok})
        try:
            self.assertEqual(client.status, 200)
            self.assertEqual(post(tok, "live", allowed)[0], 201)
            self.assertEqual(client.messages(1)[0]["content"], "live")
        finally:
            client.close()


class Moderation(unittest.TestCase):
    def test_authors_edit_and_delete_live_and_through_resume(self):
        r = room("mod")
        alice, bob = token("alice", "Alice"), token("bob", "Bob")
        moderator = token("mod", "Mod", roles=["moderator"])
        client = SseClient(STACK.port, "/api/stream-messages?room=" + r, extra_headers=bearer(alice))
        try:
            status, _, message = post(alice, "first draft", r)
            self.assertEqual(status, 201)
            self.assertEqual(client.messages(1)[0]["_id"], message["_id"])
            path = "/api/messages/" + message["_id"]
            status, _, body = request("PATCH", path, {"content": "by bob"}, bearer(bob))
            self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))
            status, _, body = request("DELETE", path, None, bearer(bob))
            self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))
            status, _, body = request("PATCH", path, {"content": "  final  "}, bearer(alice))
            self.assertEqual(status, 200, body)
            self.assertEqual(body["content"], "final")
            self.assertIn("editedAt", body)
            kind, data, update_id = next_named(client, "update")
            self.assertEqual(json.loads(data), body)
            self.assertTrue(update_id)
            # A moderator may not rewrite someone's words...
            self.assertEqual(request("PATCH", path, {"content": "x"}, bearer(moderator))[0], 403)
            # ...but may delete them.
            status, _, _ = request("DELETE", path, None, bearer(moderator))
            self.assertEqual(status, 204)
            kind, data, _ = next_named(client, "delete")
            deleted = json.loads(data)
            self.assertEqual(set(deleted), {"_id", "room", "deletedAt"})
            self.assertEqual((deleted["_id"], deleted["room"]), (message["_id"], r))
            status, _, body = request("DELETE", path, None, bearer(moderator))
            self.assertEqual((status, body["error"]["code"]), (409, "already_deleted"))
            self.assertEqual(request("PATCH", path, {"content": "again"}, bearer(alice))[0], 409)
            self.assertEqual(history(alice, r)[2]["messages"], [])
            status, _, one = request("GET", path, headers=bearer(alice))
            self.assertEqual((status, set(one)), (200, {"_id", "room", "deletedAt"}))
        finally:
            client.close()
        # Resume from before the edit: both changes come again, in order.
        client = SseClient(STACK.port, "/api/stream-messages?room=" + r, last_event_id=update_id,
                           extra_headers=bearer(alice))
        try:
            self.assertEqual(json.loads(next_named(client, "delete")[1])["_id"], message["_id"])
        finally:
            client.close()

    def test_not_found_and_validation(self):
        alice = token("alice")
        for path in ("/api/messages/" + "0" * 24, "/api/messages/not-an-id"):
            status, _, body = request("DELETE", path, None, bearer(alice))
            self.assertEqual((status, body["error"]["code"]), (404, "not_found"))
        status, _, message = post(alice, "edit me", room("valid"))
        path = "/api/messages/" + message["_id"]
        status, _, body = request("PATCH", path, {"content": "   "}, bearer(alice))
        self.assertEqual((status, body["error"]["code"], body["error"]["field"]),
                         (400, "field_empty", "content"))
        status, headers, body = request("PUT", path, {"content": "x"}, bearer(alice))
        self.assertEqual(status, 405)

    def test_the_edit_window_closes(self):
        r = room("window")
        import pymongo
        client = pymongo.MongoClient(STACK.env["MONGODB_URI"])
        try:
            old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
            oid = ObjectId()
            client.get_default_database()["messages"].insert_one(
                {"_id": oid, "username": "Alice", "userId": "alice", "content": "old", "room": r,
                 "createdAt": old, "updatedAt": old})
        finally:
            client.close()
        path = "/api/messages/%s" % oid
        status, _, body = request("PATCH", path, {"content": "late"}, bearer(token("alice")))
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))
        self.assertIn("edit window", body["error"]["message"])
        self.assertEqual(request("DELETE", path, None, bearer(token("alice")))[0], 403)
        self.assertEqual(request("DELETE", path, None, bearer(token("m", roles=["moderator"])))[0], 204)


class Expiry(unittest.TestCase):
    def test_stream_ends_at_exp_and_resumes_with_a_fresh_token(self):
        r = room("expiry")
        short = token("alice", ttl=3)
        client = SseClient(STACK.port, "/api/stream-messages?room=" + r,
                           extra_headers={"Cookie": "chat_token=" + short})
        try:
            self.assertEqual(client.status, 200)
            status, _, first = post(token("alice"), "before expiry", r)
            self.assertEqual(client.messages(1)[0]["_id"], first["_id"])
            last_id = client.last_event_id
            kind, data, _ = next_named(client, "error", timeout=60)
            self.assertEqual(json.loads(data)["error"]["code"], "token_expired")
            self.assertIsNone(client.next_event(30))  # the stream ends after it
        finally:
            client.close()
        status, _, missed = post(token("alice"), "while away", r)
        again = SseClient(STACK.port, "/api/stream-messages?room=" + r, last_event_id=last_id,
                          extra_headers={"Cookie": "chat_token=" + token("alice")})
        try:
            self.assertEqual(again.messages(1)[0]["_id"], missed["_id"])
        finally:
            again.close()
        # The expired token itself is refused.
        status, _, body = request("GET", "/api/me", headers=bearer(short))
        self.assertEqual(status, 401)


def _hs256_by_hand(secret, claims):
    import hashlib
    import hmac
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(secret, (head + "." + body).encode(), hashlib.sha256).digest()
    return head + "." + body + "." + b64(mac)


class AuthService(http.server.BaseHTTPRequestHandler):
    """The site's own auth service for nginx's auth_request: a session cookie
    `session=<user>` means that user; anything else is 401."""

    def do_GET(self):
        cookie = self.headers.get("Cookie", "")
        user = cookie.split("session=", 1)[1].split(";")[0] if "session=" in cookie else ""
        if not user:
            self.send_response(401)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("X-Chat-User-Id", "id-" + user)
        self.send_header("X-Chat-User-Name", user.capitalize())
        if user == "guest":
            self.send_header("X-Chat-User-Rooms", "lobby")
        self.end_headers()

    def log_message(self, *args):
        pass


class TrustedHeader(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AuthService)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        url = "http://127.0.0.1:%d/check" % cls.server.server_address[1]
        cls.stack = ChatStack(env={"CHAT_AUTH": "trusted-header", "CHAT_IDENTITY": "auth-request",
                                   "AUTH_URL": url}).start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.stop()
        cls.server.shutdown()

    def test_identity_comes_from_the_auth_service_only(self):
        r = room("trusted")
        session = {"Cookie": "session=zoe"}
        status, _, me = request("GET", "/api/me", headers=session, stack=self.stack)
        self.assertEqual((status, me["auth"], me["userId"], me["name"]), (200, "trusted-header",
                                                                         "id-zoe", "Zoe"))
        status, _, stored = request("POST", "/api/messages", {"content": "hi", "room": r}, session,
                                    self.stack)
        self.assertEqual((status, stored["userId"], stored["username"]), (201, "id-zoe", "Zoe"))
        # No session: nginx answers 401 before any worker runs.
        self.assertEqual(request("GET", "/api/messages?room=" + r, stack=self.stack)[0], 401)
        # A client's own identity headers change nothing.
        forged = dict(session, **{"X-Chat-User-Id": "id-admin", "Chat-User-Id": "id-admin",
                                  "Chat-User-Roles": "moderator", "X-Chat-User-Roles": "moderator"})
        status, _, me = request("GET", "/api/me", headers=forged, stack=self.stack)
        self.assertEqual((me["userId"], me["roles"]), ("id-zoe", []))
        # Rooms from the service are enforced.
        guest = {"Cookie": "session=guest"}
        status, _, body = request("GET", "/api/messages?room=" + r, headers=guest, stack=self.stack)
        self.assertEqual((status, body["error"]["code"]), (403, "forbidden_room"))


class ModerationWithoutAuth(unittest.TestCase):
    def test_off_by_default_and_open_when_enabled_for_local_use(self):
        status, _, me = request("GET", "/api/me", stack=STACK)
        self.assertEqual(status, 401)  # (this stack has auth on)
        plain = ChatStack().start()
        try:
            status, _, me = request("GET", "/api/me", stack=plain)
            self.assertEqual(me, {"auth": "off", "moderationWithoutAuth": False})
            status, _, message = request("POST", "/api/messages",
                                         {"username": "u", "content": "c", "room": room("plain")},
                                         stack=plain)
            status, _, body = request("DELETE", "/api/messages/" + message["_id"], stack=plain)
            self.assertEqual((status, body["error"]["code"]), (403, "forbidden"))
        finally:
            plain.stop()
        open_stack = ChatStack(env={"CHAT_MODERATION_WITHOUT_AUTH": "1"}).start()
        try:
            status, _, message = request("POST", "/api/messages",
                                         {"username": "u", "content": "c", "room": room("open")},
                                         stack=open_stack)
            path = "/api/messages/" + message["_id"]
            status, _, edited = request("PATCH", path, {"content": "changed"}, stack=open_stack)
            self.assertEqual((status, edited["content"]), (200, "changed"))
            self.assertEqual(request("DELETE", path, stack=open_stack)[0], 204)
        finally:
            open_stack.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
