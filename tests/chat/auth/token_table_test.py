#!/usr/bin/python3
"""The hostile-token table: tokens minted by an independent implementation
(PyJWT, Debian's python3-jwt, with keys from python3-cryptography), verified
by `chat-token verify` exactly as the workers verify them. Every hostile
token gets its own error code; every honest token, in every algorithm, the
identity it carries."""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
import unittest

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

BIN = os.path.join(os.environ.get("CHAT_BIN_DIR", ""), "chat-token")
DIR = tempfile.mkdtemp(prefix="chat-token-table-")
SECRET = b"a shared HMAC secret of at least 32 bytes!!"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def write(name, data):
    path = os.path.join(DIR, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC256 = ec.generate_private_key(ec.SECP256R1())
EC384 = ec.generate_private_key(ec.SECP384R1())
ED = ed25519.Ed25519PrivateKey.generate()
KEYS = {"rsa": write("rsa.pub", public_pem(RSA)), "ec256": write("ec256.pub", public_pem(EC256)),
        "ec384": write("ec384.pub", public_pem(EC384)), "ed": write("ed.pub", public_pem(ED)),
        "hs": write("hs.key", SECRET)}


def verify(token, key="rsa", *extra):
    result = subprocess.run([BIN, "verify", "--key", KEYS[key], *extra, token],
                            capture_output=True, text=True, timeout=30)
    out = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.returncode, out


def claims(**overrides):
    payload = {"sub": "alice", "name": "Alice", "exp": int(time.time()) + 600}
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


def flip(text):
    """One character in the middle changed (still valid base64url)."""
    middle = len(text) // 2
    return text[:middle] + ("B" if text[middle] == "A" else "A") + text[middle + 1:]


def hs256_by_hand(secret, header, payload):
    signed = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    return signed + "." + b64(hmac.new(secret, signed.encode(), hashlib.sha256).digest())


class HonestTokens(unittest.TestCase):
    def test_every_algorithm_from_pyjwt(self):
        cases = [("RS256", RSA, "rsa"), ("RS384", RSA, "rsa"), ("RS512", RSA, "rsa"),
                 ("PS256", RSA, "rsa"), ("PS384", RSA, "rsa"), ("PS512", RSA, "rsa"),
                 ("ES256", EC256, "ec256"), ("ES384", EC384, "ec384"), ("EdDSA", ED, "ed"),
                 ("HS256", SECRET, "hs"), ("HS384", SECRET, "hs"), ("HS512", SECRET, "hs")]
        for alg, key, verifying in cases:
            with self.subTest(alg):
                token = jwt.encode(claims(rooms=["team-*"], roles=["moderator"]), key, algorithm=alg)
                status, identity = verify(token, verifying)
                self.assertEqual(status, 0, identity)
                self.assertEqual((identity["userId"], identity["name"], identity["rooms"],
                                  identity["roles"]), ("alice", "Alice", ["team-*"], ["moderator"]))

    def test_chat_token_mints_what_pyjwt_reads(self):
        key = write("rsa.key", RSA.private_bytes(serialization.Encoding.PEM,
                                                 serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
        token = subprocess.run([BIN, "--key", key, "--sub", "ops", "--roles", "moderator",
                                "--ttl", "60", "--aud", "chat"], capture_output=True, text=True,
                               check=True).stdout.strip()
        decoded = jwt.decode(token, public_pem(RSA), algorithms=["RS256"], audience="chat")
        self.assertEqual((decoded["sub"], decoded["roles"]), ("ops", ["moderator"]))
        self.assertLessEqual(decoded["exp"] - time.time(), 61)


class HostileTokens(unittest.TestCase):
    def expect(self, token, code, key="rsa", *extra):
        status, out = verify(token, key, *extra)
        self.assertEqual(status, 1, out)
        self.assertEqual(out.get("error"), code, out)

    def test_table(self):
        good = jwt.encode(claims(), RSA, algorithm="RS256")
        head, payload, signature = good.split(".")
        now = int(time.time())
        table = [
            ("alg none", b64(b'{"alg":"none","typ":"JWT"}') + "." + payload + ".",
             "algorithm_not_allowed", "rsa"),
            ("HS256 signed with the RSA public key", hs256_by_hand(public_pem(RSA),
                                                                   {"alg": "HS256"}, claims()),
             "unknown_key", "rsa"),
            ("wrong signature", head + "." + payload + "." + flip(signature), "bad_signature", "rsa"),
            ("signed by another key", jwt.encode(claims(), rsa.generate_private_key(
                public_exponent=65537, key_size=2048), algorithm="RS256"), "bad_signature", "rsa"),
            ("truncated", good[: len(head) + 1 + len(payload) // 2], "malformed", "rsa"),
            ("signature cut short", head + "." + payload + "." + b64(unb64(signature)[:-20]),
             "bad_signature", "rsa"),
            ("extra segment", good + ".e30", "malformed", "rsa"),
            ("bad base64", head + "." + payload + "*." + signature, "malformed", "rsa"),
            ("payload not an object", hs256_by_hand(SECRET, {"alg": "HS256"}, [1, 2]),
             "malformed", "hs"),
            ("exp missing", jwt.encode(claims(exp=None), RSA, algorithm="RS256"), "missing_claim",
             "rsa"),
            ("exp past", jwt.encode(claims(exp=now - 120), RSA, algorithm="RS256"), "expired", "rsa"),
            ("exp not a number", jwt.encode(claims(exp="tomorrow"), RSA, algorithm="RS256"),
             "bad_claim", "rsa"),
            ("nbf in the future", jwt.encode(claims(nbf=now + 3600), RSA, algorithm="RS256"),
             "not_yet_valid", "rsa"),
            ("sub missing", jwt.encode(claims(sub=None), RSA, algorithm="RS256"), "missing_claim",
             "rsa"),
            ("9 KiB", jwt.encode(claims(padding="x" * 9216), RSA, algorithm="RS256"), "too_large",
             "rsa"),
        ]
        for name, token, code, key in table:
            with self.subTest(name):
                self.expect(token, code, key)

    def test_issuer_audience_and_algorithm_list(self):
        token = jwt.encode(claims(iss="https://login", aud="other"), RSA, algorithm="RS256")
        self.expect(token, "wrong_issuer", "rsa", "--iss", "https://elsewhere")
        self.expect(token, "wrong_audience", "rsa", "--iss", "https://login", "--aud", "chat")
        self.assertEqual(verify(token, "rsa", "--iss", "https://login", "--aud", "other")[0], 0)
        self.expect(jwt.encode(claims(), RSA, algorithm="RS256"), "algorithm_not_allowed", "rsa",
                    "--alg", "PS256")

    def test_unknown_kid_in_a_jwks(self):
        numbers = RSA.public_key().public_numbers()

        def unsigned(value):
            return b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))

        jwks = {"keys": [{"kty": "RSA", "kid": "2026-12", "n": unsigned(numbers.n),
                          "e": unsigned(numbers.e)}]}
        KEYS["jwks"] = write("jwks.json", json.dumps(jwks).encode())
        named = jwt.encode(claims(), RSA, algorithm="RS256", headers={"kid": "2026-12"})
        self.assertEqual(verify(named, "jwks")[0], 0)
        self.expect(jwt.encode(claims(), RSA, algorithm="RS256", headers={"kid": "old"}),
                    "unknown_key", "jwks")

    def test_key_file_mistakes_are_one_line(self):
        KEYS["private"] = write("private.pem", RSA.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        KEYS["short"] = write("short.key", b"too short")
        for key, words in (("private", "private key"), ("short", "32 bytes")):
            result = subprocess.run([BIN, "verify", "--key", KEYS[key], "x.y.z"],
                                    capture_output=True, text=True, timeout=30)
            self.assertEqual(result.returncode, 2)
            self.assertIn(words, result.stderr)
            self.assertEqual(result.stderr.count("\n"), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
