#!/usr/bin/python3
"""The Debian package, as an admin meets it: `make deb`'s script builds it,
apt installs it into this machine, the installed files, user, conffiles and
nginx site are checked, the installed programs run as the units run them
(systemd does not run in these containers, so the test starts each unit's
ExecStart line itself, as the unit's user, with the unit's environment), a
message is posted and streamed through the installed nginx configuration,
and a purge leaves nothing behind but what Debian policy keeps.

Needs root (it installs packages), as the whole suite does; it fails rather
than skips without it. It refuses to touch a chat package it did not install."""
import http.client
import json
import os
import pwd
import re
import grp
import glob
import shlex
import shutil
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "deploy"))
from chat_stack import SOURCE_DIR, Process, free_port, wait_until  # noqa: E402

PACKAGES = ["chat", "chat-devmongod"]
# Present while this test has the packages installed: a run that died half-way
# leaves it, and the next run may then purge what that run installed.
MARKER = "/var/lib/chat-deb-package-test.installed"
UNIT_DIR = "/lib/systemd/system"
SITE = "/etc/nginx/sites-available/chat"
SITE_LINK = "/etc/nginx/sites-enabled/chat"

INSTALLED_FILES = [
    "/usr/sbin/chat-stream", "/usr/sbin/chat-messages", "/usr/sbin/chat-pool", "/usr/bin/chat-token",
    "/usr/sbin/devmongod", "/usr/share/chat/www/index.html", "/usr/share/doc/chat/copyright",
    "/usr/share/chat/prometheus/prometheus.yml", "/usr/share/chat/prometheus/chat-alerts.yml",
    "/etc/nginx/snippets/chat-http.conf", "/etc/nginx/snippets/chat-locations.conf",
    "/etc/nginx/snippets/fastcgi-chat.conf", "/etc/nginx/snippets/chat-identity.conf", SITE,
    UNIT_DIR + "/chat-stream.service", UNIT_DIR + "/chat-messages.service", UNIT_DIR + "/devmongod.service",
    "/etc/chat/chat.env",
]
CONFFILES = ["/etc/chat/chat.env", SITE, "/etc/nginx/snippets/chat-http.conf",
             "/etc/nginx/snippets/chat-locations.conf", "/etc/nginx/snippets/fastcgi-chat.conf"]
# What must be gone after the purge (globs).
GONE_AFTER_PURGE = ["/usr/sbin/chat-*", "/usr/bin/chat-token", "/usr/sbin/devmongod", "/usr/share/chat",
                    "/usr/share/doc/chat", "/usr/share/doc/chat-devmongod", "/etc/chat",
                    "/etc/nginx/snippets/chat-*", "/etc/nginx/snippets/fastcgi-chat.conf", SITE, SITE_LINK,
                    UNIT_DIR + "/chat-*.service", UNIT_DIR + "/devmongod.service",
                    "/etc/systemd/system/multi-user.target.wants/chat-*.service", "/run/chat",
                    "/var/log/nginx/chat-access.log*", "/var/lib/chat-deb-package-test.installed"]


def run(argv, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(argv), result.returncode,
                                                         result.stdout[-4000:], result.stderr[-4000:]))
    return result.stdout


def package_installed(name):
    result = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Status}", name],
                            capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() not in ("", "not-installed")


def purge_packages():
    run(["apt-get", "purge", "-y", "-qq"] + PACKAGES, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


class Unit:
    """What the test needs of a systemd unit file: its [Service] settings."""

    def __init__(self, path):
        self.settings = {}
        section = None
        with open(path) as f:
            for raw in f:
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                if line.startswith("["):
                    section = line
                elif section == "[Service]":
                    key, _, value = line.partition("=")
                    self.settings.setdefault(key, []).append(value)

    def one(self, key):
        values = self.settings.get(key, [])
        if len(values) != 1:
            raise AssertionError("expected one %s=, found %r" % (key, values))
        return values[0]

    def environment(self):
        """EnvironmentFile= then Environment=, as systemd applies them."""
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
        for spec in self.settings.get("EnvironmentFile", []):
            path = spec.lstrip("-")
            if os.path.exists(path):
                with open(path) as f:
                    for line in f:
                        line = line.strip()
                        if line and not line.startswith("#") and "=" in line:
                            key, _, value = line.partition("=")
                            env[key] = value
        for spec in self.settings.get("Environment", []):
            for assignment in shlex.split(spec):
                key, _, value = assignment.partition("=")
                env[key] = value
        return env


class Started:
    """Processes started by the test, stopped in reverse order."""

    def __init__(self):
        self.processes = []

    def start(self, argv, log_path, **popen_args):
        process = Process(os.path.basename(argv[0]), argv, log_path=log_path, **popen_args)
        self.processes.append(process)
        return process

    def stop_all(self):
        while self.processes:
            self.processes.pop().stop(timeout=45)


def start_unit(started, unit_name, logs, replacements=(), env_overrides=None):
    """Runs a unit's ExecStart line as its User=/Group=/SupplementaryGroups=,
    after creating its RuntimeDirectory= as systemd would."""
    unit = Unit(os.path.join(UNIT_DIR, unit_name))
    command = unit.one("ExecStart")
    for old, new in replacements:
        if old not in command:
            raise AssertionError("%s: %r not in ExecStart %r" % (unit_name, old, command))
        command = command.replace(old, new)
    user = unit.settings.get("User", ["chat"])[0]
    group = unit.settings.get("Group", [user])[0]
    extra = unit.settings.get("SupplementaryGroups", [""])[0].split()
    uid, gid = pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid
    mode = int(unit.settings.get("RuntimeDirectoryMode", ["0755"])[0], 8)
    for spec in unit.settings.get("RuntimeDirectory", []):
        for name in spec.split():
            path = os.path.join("/run", name)
            os.makedirs(path, exist_ok=True)
            os.chown(path, uid, gid)
            os.chmod(path, mode)
    env = unit.environment()
    env.update(env_overrides or {})
    umask = int(unit.settings.get("UMask", ["0022"])[0], 8)
    return started.start(shlex.split(command), os.path.join(logs, unit_name + ".log"), env=env,
                         user=uid, group=gid, extra_groups=extra, umask=umask, cwd="/")


class TlsClient:
    """HTTPS to the sample site's TLS server on a loopback port (the snakeoil
    certificate is self-signed, so it is not verified)."""

    def __init__(self, port):
        self.port = port
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE

    def connect(self, timeout=30):
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=self.context)

    def request(self, method, path, body=None, headers=None):
        conn = self.connect()
        try:
            all_headers = {"Host": "chat.example.org"}
            all_headers.update(headers or {})
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


class DebianPackage(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.fail("the package test installs packages: run the suite as root (make test does)")
        for name in PACKAGES:
            if package_installed(name) and not os.path.exists(MARKER):
                self.fail("package %s is installed on this machine and not by this test: "
                          "remove it before running the suite" % name)
        if os.path.exists(MARKER):
            purge_packages()  # left by a run that died half-way
            os.unlink(MARKER)
        self.work = tempfile.mkdtemp(prefix="chat-deb-")
        self.addCleanup(shutil.rmtree, self.work, ignore_errors=True)

    def test_build_install_run_and_purge(self):
        out = os.path.join(self.work, "out")
        run(["sh", os.path.join(SOURCE_DIR, "deploy", "deb.sh"), out])
        debs = sorted(glob.glob(os.path.join(out, "chat_*.deb")) + glob.glob(os.path.join(out, "chat-devmongod_*.deb")))
        self.assertEqual(len(debs), 2, debs)
        self.assertTrue(glob.glob(os.path.join(out, "chat-dbgsym_*.deb")), "no debug symbols package")

        open(MARKER, "w").close()
        self.addCleanup(self._purge_if_installed)
        run(["apt-get", "install", "-y", "-qq"] + debs, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))

        self._check_files_user_and_conffiles()
        self._check_nginx_accepts_the_enabled_site()
        self._serve_a_message_through_the_installed_stack()

        purge_packages()
        os.unlink(MARKER)
        self._check_purged()

    def _purge_if_installed(self):
        if os.path.lexists(SITE_LINK) and os.path.islink(SITE_LINK):
            os.unlink(SITE_LINK)
        if os.path.exists(MARKER):
            purge_packages()
            os.unlink(MARKER)

    def _check_files_user_and_conffiles(self):
        for path in INSTALLED_FILES:
            self.assertTrue(os.path.exists(path), "missing after install: " + path)
        for program in ["/usr/sbin/chat-stream", "/usr/sbin/chat-messages", "/usr/sbin/chat-pool",
                        "/usr/sbin/devmongod", "/usr/bin/chat-token"]:
            self.assertEqual(subprocess.run([program, "--help"], capture_output=True).returncode, 0, program)
        user = pwd.getpwnam("chat")
        self.assertLess(user.pw_uid, 1000, "chat is not a system user")
        self.assertEqual(grp.getgrgid(user.pw_gid).gr_name, "chat")
        self.assertIn(user.pw_shell, ("/usr/sbin/nologin", "/bin/false"))
        env_file = os.stat("/etc/chat/chat.env")
        self.assertEqual(stat.S_IMODE(env_file.st_mode), 0o640)
        self.assertEqual((env_file.st_uid, grp.getgrgid(env_file.st_gid).gr_name), (0, "chat"))
        conffiles = run(["dpkg-query", "-W", "-f=${Conffiles}", "chat"])
        listed = {line.split()[0] for line in conffiles.splitlines() if line.strip()}
        for path in CONFFILES:
            self.assertIn(path, listed)
        # Enabled for the next boot (deb-systemd-helper's links), devmongod not.
        wants = "/etc/systemd/system/multi-user.target.wants/"
        self.assertTrue(os.path.islink(wants + "chat-stream.service"))
        self.assertTrue(os.path.islink(wants + "chat-messages.service"))
        self.assertFalse(os.path.lexists(wants + "devmongod.service"))
        self.assertFalse(os.path.lexists(SITE_LINK), "the sample site must be installed disabled")
        for name in ["chat-stream", "chat-messages"]:
            unit = Unit(os.path.join(UNIT_DIR, name + ".service"))
            self.assertEqual(unit.one("User"), "chat")
            self.assertEqual(unit.settings.get("CapabilityBoundingSet"), [""])
            for hardening in ["NoNewPrivileges", "ProtectHome", "PrivateTmp", "MemoryDenyWriteExecute"]:
                self.assertEqual(unit.one(hardening), "yes", hardening)
            self.assertEqual(unit.one("ProtectSystem"), "strict")
        # systemd's own rating of the hardening (0 = locked down, 10 = exposed);
        # the README lists the figures.
        for name in ["chat-stream", "chat-messages", "devmongod"]:
            report = run(["systemd-analyze", "security", "--offline=true",
                          os.path.join(UNIT_DIR, name + ".service")])
            match = re.search(r"Overall exposure level for \S+: ([0-9.]+)", report)
            self.assertIsNotNone(match, report[-500:])
            self.assertLessEqual(float(match.group(1)), 2.0, name)

    def _check_nginx_accepts_the_enabled_site(self):
        os.symlink(SITE, SITE_LINK)
        try:
            run(["nginx", "-t", "-q"])
        finally:
            os.unlink(SITE_LINK)

    def _serve_a_message_through_the_installed_stack(self):
        logs = os.path.join(self.work, "logs")
        os.makedirs(logs)
        started = Started()
        self.addCleanup(started.stop_all)

        # The trial database as its unit runs it, on a free port and a scratch
        # data folder (its unit's DynamicUser= has no name outside systemd: chat).
        db_port = free_port()
        dbpath = os.path.join(self.work, "db")
        os.makedirs(dbpath)
        os.chown(self.work, pwd.getpwnam("chat").pw_uid, -1)
        os.chown(dbpath, pwd.getpwnam("chat").pw_uid, grp.getgrnam("chat").gr_gid)
        db_unit = Unit(os.path.join(UNIT_DIR, "devmongod.service"))
        self.assertEqual(db_unit.one("DynamicUser"), "yes")
        db_command = db_unit.one("ExecStart").replace("--port 27017", "--port %d" % db_port) \
                                             .replace("--dbpath /var/lib/devmongod", "--dbpath " + dbpath)
        started.start(shlex.split(db_command), os.path.join(logs, "devmongod.log"),
                      user=pwd.getpwnam("chat").pw_uid, group=grp.getgrnam("chat").gr_gid, cwd="/")

        # What an admin does before starting the units: MONGODB_URI in chat.env.
        with open("/etc/chat/chat.env", "a") as f:
            f.write("MONGODB_URI=mongodb://127.0.0.1:%d/chat?replicaSet=rs0\n" % db_port)
        start_unit(started, "chat-stream.service", logs)
        start_unit(started, "chat-messages.service", logs)
        for sock in ["/run/chat/stream.sock", "/run/chat/messages.sock"]:
            wait_until(lambda: os.path.exists(sock), 60, sock)
            self.assertEqual(grp.getgrgid(os.stat(sock).st_gid).gr_name, "www-data")

        # nginx with the installed site: its listen ports moved to free
        # loopback ports, everything else (snippets, sockets, page) as installed.
        http_port, https_port = free_port(), free_port()
        with open(SITE) as f:
            site = f.read()
        for old, new in [("listen 80;", "listen 127.0.0.1:%d;" % http_port),
                         ("listen [::]:80;", ""),
                         ("listen 443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % https_port),
                         ("listen [::]:443 ssl http2;", "")]:
            self.assertIn(old, site)
            site = site.replace(old, new)
        conf = os.path.join(self.work, "nginx")
        os.makedirs(conf)
        with open(os.path.join(conf, "site.conf"), "w") as f:
            f.write(site)
        with open(os.path.join(conf, "nginx.conf"), "w") as f:
            f.write("user www-data;\npid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\n"
                    "http {\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
                    "  include %s/site.conf;\n}\n" % (conf, conf, conf))
        started.start(["nginx", "-p", conf, "-c", os.path.join(conf, "nginx.conf"), "-e",
                       os.path.join(conf, "error.log"), "-g", "daemon off;"], os.path.join(logs, "nginx.log"))
        client = TlsClient(https_port)

        def healthy():
            try:
                return client.request("GET", "/api/health")[0] == 200
            except OSError:
                return False
        wait_until(healthy, 60, "the installed stack's /api/health")
        status, _, page = client.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(b"<html", page.lower())

        stream = client.connect(timeout=60)
        stream.request("GET", "/api/stream-messages", headers={"Host": "chat.example.org",
                                                               "Accept": "text/event-stream"})
        response = stream.getresponse()
        self.assertEqual(response.status, 200)
        self.assertTrue(response.getheader("Content-Type").startswith("text/event-stream"))
        response.readline()  # the stream is open (its change stream too) once it writes
        body = json.dumps({"username": "packaged", "content": "hello from the package"}).encode()
        status, _, answer = client.request("POST", "/api/messages", body=body,
                                           headers={"Content-Type": "application/json"})
        self.assertEqual(status, 201, answer)
        posted = json.loads(answer)
        deadline = time.monotonic() + 60
        received = None
        while received is None and time.monotonic() < deadline:
            line = response.readline()
            if not line:
                break
            if line.startswith(b"data: "):
                frame = json.loads(line[len(b"data: "):])
                if frame.get("content") == "hello from the package":
                    received = frame
        stream.close()
        self.assertIsNotNone(received, "the posted message did not arrive on the stream")
        self.assertEqual(received["_id"], posted["_id"])
        status, _, metrics = client.request("GET", "/metrics")
        self.assertEqual(status, 200)
        posts = [sample.value for family in text_string_to_metric_families(metrics.decode())
                 for sample in family.samples
                 if sample.name == "chat_http_requests_total" and sample.labels.get("program") == "messages"
                 and sample.labels.get("endpoint") == "post" and sample.labels.get("code") == "2xx"]
        self.assertEqual(posts, [1])
        started.stop_all()

    def _check_purged(self):
        for pattern in GONE_AFTER_PURGE:
            self.assertEqual(glob.glob(pattern), [], "left after purge: " + pattern)
        for name in PACKAGES:
            self.assertFalse(package_installed(name), name)
        # Debian leaves system users in place (files they own may remain).
        self.assertEqual(pwd.getpwnam("chat").pw_name, "chat")


if __name__ == "__main__":
    unittest.main()
