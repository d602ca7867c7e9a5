#!/usr/bin/python3
"""The benchmark behind `make bench`: starts a real chat stack on loopback
(deploy/chat_stack.py: devmongod, the two chat-pools, nginx), drives it
with build/bin/chat-load (our C++ epoll load client) and measures the chat's
processes from /proc: PSS from smaps_rollup, CPU from stat.

Scenarios (each bounded in time): fan-out (100/500/1000 streams, 20 posts/s
for 20 s), idle streams (memory per stream, heartbeat cost), connect storm
(TTFB), sustained posting (keep-alive), reconnects with Last-Event-ID while
messages flow. Prints a table, writes deploy/bench-results/<date>.json and
PNG plots (gnuplot).

  bench.py BUILD_DIR        BENCH_QUICK=1 for a fast smoke run
"""
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
BUILD_DIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(SOURCE_DIR, "build"))
os.environ["CHAT_BIN_DIR"] = os.path.join(BUILD_DIR, "bin")
os.environ["CHAT_SOURCE_DIR"] = SOURCE_DIR
sys.path.insert(0, HERE)  # chat_stack.py lives next to this script
import chat_stack  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
CHAT_LOAD = os.path.join(BUILD_DIR, "bin", "chat-load")
RESULTS_DIR = os.path.join(HERE, "bench-results")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Sizes: the full run takes a few minutes on 2 cores; quick is a smoke run.
FANOUT_SIZES = [20, 50] if QUICK else [100, 500, 1000]
POST_SECONDS = 4 if QUICK else 20
FANOUT_RATE = 20
IDLE_STREAMS = 20 if QUICK else 500
IDLE_SECONDS = 5 if QUICK else 30
STORM_STREAMS = 50 if QUICK else 500
CLEANUP_STREAMS = 20 if QUICK else 100
POST_RATE = 200 if QUICK else 1000
POST_CONNECTIONS = 16
RECONNECT_STREAMS = 20 if QUICK else 100
# Streams refused with 503 while the pool forks workers try again after this
# (plus jitter), as the chat page does; the connect storm does not retry.
RETRY_503_MS = 500
# Idle stream workers left by one scenario are retired after this, before the
# idle scenario measures memory against a pool at rest.
IDLE_TIMEOUT_S = 10
STREAM_SLOTS = max(FANOUT_SIZES + [IDLE_STREAMS, STORM_STREAMS]) + 10


def raise_open_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- measuring the chat's processes -------------------------------------------
def stack_pids(stack):
    """Every process of the stack: each was started in its own session
    (devmongod, the pools with their workers, nginx with its workers)."""
    sessions = set()
    if stack.db and stack.db.process:
        sessions.add(stack.db.process.pid)
    sessions.update(p.pid for p in stack.pools.values())
    if stack.nginx:
        sessions.add(stack.nginx.pid)
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) in sessions:  # field 6 of stat: session id
            pids.append(int(entry))
    return pids


def pss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass  # exited meanwhile
    return total


def cpu_seconds(stack):
    """CPU used so far by the stack: live processes plus the children their
    parents have reaped (short-lived stream workers end up there)."""
    total = 0
    for pid in stack_pids(stack):
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime are fields 14-17 of stat.
        total += sum(int(x) for x in fields[11:15])
    return total / CLK_TCK


def machine_busy_seconds():
    """CPU time the whole machine spent busy so far (all cores; /proc/stat
    minus idle and iowait): what the chat and the load client did not use is
    someone else's (kernel threads, the bench itself)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLK_TCK


def wait_stream_pool(stack, ready, timeout):
    """Waits until `ready(status)` holds for the stream pool's status file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready(stack.pool_status("stream")):
                return True
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    return False


def wait_streams_gone(stack, timeout=60):
    """Waits until the stream pool has no busy worker (the previous load ended)."""
    return wait_stream_pool(stack, lambda status: status.get("busy", 0) == 0, timeout)


def wait_idle_workers_retired(stack, timeout=120):
    """Waits until the stream pool has retired the idle workers earlier loads
    left (a worker serves several streams, so they stay until
    --idle-timeout): memory per stream is measured against a pool at rest."""
    return wait_stream_pool(stack, lambda status: status.get("total", 0) <= stack.min_idle,
                            timeout)


def busy_streams(stack):
    try:
        return stack.pool_status("stream").get("busy", 0)
    except (OSError, ValueError):
        return 0


# -- running chat-load ----------------------------------------------------------
def chat_load(stack, args, sample=None, max_seconds=240):
    """Runs chat-load; `sample(stack)` is called every second meanwhile."""
    argv = [CHAT_LOAD, "--port", str(stack.port), "--max-seconds", str(max_seconds)] + args
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + max_seconds + 30
    while proc.poll() is None and time.monotonic() < deadline:
        if sample:
            sample(stack)
        time.sleep(1)
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError("chat-load failed (%s): %s" % (proc.returncode, err.strip()))
    return json.loads(out)


class PeakMemory:
    """Keeps the largest PSS total of the stack seen while sampling. Reading
    smaps_rollup of a thousand processes walks their page tables and costs
    several percent of a core, which would slow the very run it measures, so
    only every `every`-th call (one per second) samples."""

    def __init__(self, every=5):
        self.peak_kib = 0
        self.processes = 0
        self.every = every
        self.calls = 0

    def __call__(self, stack):
        self.calls += 1
        if self.calls % self.every != 1:
            return
        pids = stack_pids(stack)
        total = pss_kib(pids)
        if total > self.peak_kib:
            self.peak_kib, self.processes = total, len(pids)


def room(name):
    return "/api/stream-messages?room=" + name


# -- scenarios ------------------------------------------------------------------
def fan_out(stack, clients):
    wait_streams_gone(stack)
    peak = PeakMemory()
    cpu0 = cpu_seconds(stack)
    busy0, wall0 = machine_busy_seconds(), time.monotonic()
    name = "fanout%d" % clients
    s = chat_load(stack, ["--sse", str(clients), "--url-path", room(name), "--room", name,
                          "--post-rate", str(FANOUT_RATE), "--post-duration", str(POST_SECONDS),
                          "--post-connections", "2", "--ready-timeout", "150",
                          "--retry-503-ms", str(RETRY_503_MS),
                          "--drain-seconds", "20"], sample=peak)
    cpu = cpu_seconds(stack) - cpu0
    busy, wall = machine_busy_seconds() - busy0, time.monotonic() - wall0
    load_cpu = s["client"]["cpu_user_s"] + s["client"]["cpu_sys_s"]
    delivered = max(1, s["delivery"]["delivered"])
    return {"clients": clients, "summary": s, "chat_cpu_s": round(cpu, 2),
            "machine_busy_s": round(busy, 2), "wall_s": round(wall, 1),
            "other_cpu_s": round(max(0.0, busy - cpu - load_cpu), 2),
            "chat_cpu_us_per_delivery": round(cpu / delivered * 1e6, 1),
            "chat_pss_peak_mib": round(peak.peak_kib / 1024, 1), "chat_processes": peak.processes}


def database_commands(stack):
    """Commands the database has answered so far (serverStatus opcounters:
    query, getmore, command, insert, update, delete), through PyMongo."""
    import pymongo
    client = pymongo.MongoClient(stack.env["MONGODB_URI"], serverSelectionTimeoutMS=5000)
    try:
        counters = client.admin.command("serverStatus")["opcounters"]
        return sum(int(counters.get(k, 0)) for k in ("query", "getmore", "command", "insert",
                                                         "update", "delete"))
    finally:
        client.close()


def cleanup(stack, streams):
    """Opens `streams` streams on one room, closes them all at once and
    returns how long until every one's change stream is gone from the
    database (cursor killed) and every worker is free again. A stream's head
    is only sent once its change stream is open, so when every client has
    its head, every cursor exists."""
    wait_streams_gone(stack)
    clients = [chat_stack.SseClient(stack.port, room("cleanup"))
               for _ in range(streams)]
    if any(client.status != 200 for client in clients):
        raise AssertionError("cleanup: a stream was refused: %s" % [c.status for c in clients])
    open_before = stack.open_cursors()
    start = time.monotonic()
    for client in clients:
        client.close()
    chat_stack.wait_until(lambda: stack.open_cursors() <= open_before - streams, 120,
                          "cursors killed", interval=0.02)
    cursors_gone_s = time.monotonic() - start
    wait_streams_gone(stack)
    return {"streams": streams, "cursors_gone_ms": round(1000 * cursors_gone_s),
            "workers_free_ms": round(1000 * (time.monotonic() - start))}


def idle(stack, streams, seconds):
    """Opens `streams` streams, waits until all are served, then measures CPU
    and database commands over `seconds` and PSS at the end."""
    wait_streams_gone(stack)
    wait_idle_workers_retired(stack)
    base_pss = pss_kib(stack_pids(stack))
    argv = [CHAT_LOAD, "--port", str(stack.port), "--sse", str(streams), "--url-path",
            room("idle"), "--hold-seconds", str(seconds + 10), "--ready-timeout", "150",
            "--retry-503-ms", str(RETRY_503_MS),
            "--max-seconds", str(seconds + 200)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        chat_stack.wait_until(lambda: busy_streams(stack) >= streams or proc.poll() is not None,
                              150, "%d busy stream workers" % streams, interval=0.5)
        time.sleep(2)  # let the last workers finish opening their change streams
        commands0 = database_commands(stack)
        cpu0 = cpu_seconds(stack)
        time.sleep(seconds)
        cpu = cpu_seconds(stack) - cpu0
        commands = database_commands(stack) - commands0  # (the probes add a handful)
        pids = stack_pids(stack)
        pss = pss_kib(pids)
    finally:
        out, err = proc.communicate(timeout=seconds + 260)
    s = json.loads(out) if proc.returncode == 0 else {"error": err}
    return {"streams": streams, "seconds": seconds, "chat_cpu_s": round(cpu, 2),
            "chat_cpu_percent": round(100 * cpu / seconds, 2),
            "db_commands_per_stream_per_s": round(commands / streams / seconds, 4),
            "chat_pss_mib": round(pss / 1024, 1), "chat_pss_without_streams_mib": round(base_pss / 1024, 1),
            "pss_per_stream_kib": round(pss / streams), "extra_pss_per_stream_kib":
            round((pss - base_pss) / streams), "processes": len(pids), "summary": s}


def storm(stack, clients, warm):
    """`clients` streams at once. Cold: the pool at rest, so nearly every
    stream needs a freshly forked worker; warm: right after a cold storm, so
    the workers it left are idle and take the streams."""
    wait_streams_gone(stack)
    if not warm:
        wait_idle_workers_retired(stack)
    s = chat_load(stack, ["--sse", str(clients), "--url-path", room("storm"), "--hold-seconds", "1",
                          "--ready-timeout", "120"])
    return {"clients": clients, "warm": warm, "summary": s}


def posting(stack):
    wait_streams_gone(stack)
    cpu0 = cpu_seconds(stack)
    s = chat_load(stack, ["--room", "posts", "--post-rate", str(POST_RATE), "--post-duration",
                          str(POST_SECONDS / 2), "--post-connections", str(POST_CONNECTIONS)])
    return {"rate_asked": POST_RATE, "connections": POST_CONNECTIONS, "summary": s,
            "chat_cpu_s": round(cpu_seconds(stack) - cpu0, 2)}


def reconnects(stack, clients):
    wait_streams_gone(stack)
    s = chat_load(stack, ["--sse", str(clients), "--url-path", room("reconnect"), "--room",
                          "reconnect", "--post-rate", str(FANOUT_RATE), "--post-duration",
                          str(POST_SECONDS), "--reconnect-every-ms", "1000",
                          "--drain-seconds", "30", "--retry-503-ms", str(RETRY_503_MS)])
    return {"clients": clients, "every_ms": 1000, "summary": s}


# -- output -----------------------------------------------------------------------
def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return {"cpus": os.cpu_count(), "cpu_model": model, "mem_gib": round(mem_kib / 1048576, 1),
            "kernel": platform.release(), "build_dir": BUILD_DIR}


def print_table(results):
    print("\n%-22s %8s %10s %6s %8s %8s %8s %8s %9s %9s" % (
        "scenario", "clients", "delivered", "dups", "p50 ms", "p90 ms", "p99 ms", "max ms",
        "chat CPU", "PSS MiB"))
    for r in results["fan_out"]:
        s = r["summary"]
        lat = s["latency"]["delivery"]
        print("%-22s %8d %9.2f%% %6d %8.1f %8.1f %8.1f %8.1f %8.1fs %9.1f" % (
            "fan-out", r["clients"], 100 * s["delivery"]["ratio"], s["delivery"]["duplicates"],
            lat["p50_ms"], lat["p90_ms"], lat["p99_ms"], lat["max_ms"], r["chat_cpu_s"],
            r["chat_pss_peak_mib"]))
    r = results["reconnect"]
    s = r["summary"]
    lat = s["latency"]["delivery"]
    print("%-22s %8d %9.2f%% %6d %8.1f %8.1f %8.1f %8.1f %9s %9s" % (
        "reconnect every 1 s", r["clients"], 100 * s["delivery"]["ratio"],
        s["delivery"]["duplicates"], lat["p50_ms"], lat["p90_ms"], lat["p99_ms"], lat["max_ms"],
        "", ""))
    print()
    for key in ("storm", "storm_warm"):
        s = results[key]["summary"]
        t = s["latency"]["ttfb"]
        t_refused = s["latency"]["ttfb_refused"]
        print("connect storm (%s pool): %d at once, no retry: %d opened (TTFB p50 %.0f ms, "
              "p99 %.0f ms, max %.0f ms); %d failed (503: %d; TTFB p50 %.0f ms, p99 %.0f ms)" % (
                  "warm" if results[key]["warm"] else "cold", results[key]["clients"],
                  s["streams"]["ready"], t["p50_ms"], t["p99_ms"], t["max_ms"],
                  s["streams"]["connect_errors"] + s["streams"]["http_errors"],
                  s["streams"]["status_503"], t_refused["p50_ms"], t_refused["p99_ms"]))
    p = results["post"]["summary"]
    print("posting: asked %d/s on %d keep-alive connections: %d ok, %d failed, %.0f/s, "
          "latency p50 %.1f ms p99 %.1f ms max %.1f ms" % (
              results["post"]["rate_asked"], results["post"]["connections"], p["posts"]["ok"],
              p["posts"]["failed"], p["posts"]["achieved_per_s"], p["latency"]["post"]["p50_ms"],
              p["latency"]["post"]["p99_ms"], p["latency"]["post"]["max_ms"]))
    for key, label in (("idle", "heartbeat 15 s"), ("idle_heartbeat_1s", "heartbeat 1 s")):
        i = results[key]
        print("idle %d streams, %s: PSS %.1f MiB total = %d KiB/stream (%d KiB above no streams); "
              "CPU %.2f s over %d s (%.1f%% of one core; target <= 5%% at 15 s); "
              "%.3f database commands per stream per second (target <= 0.1)" % (
                  i["streams"], label, i["chat_pss_mib"], i["pss_per_stream_kib"],
                  i["extra_pss_per_stream_kib"], i["chat_cpu_s"], i["seconds"],
                  i["chat_cpu_percent"], i["db_commands_per_stream_per_s"]))
    c = results["cleanup"]
    print("cleanup: %d streams closed at once, every change stream killed after %d ms "
          "(target <= 2000), every worker free after %d ms" % (
              c["streams"], c["cursors_gone_ms"], c["workers_free_ms"]))
    for r in results["fan_out"]:
        s = r["summary"]
        print("fan-out %d: %d of %d streams open, %d answers 503 on the way (retried after %d ms), "
              "time to open p50 %.0f ms p99 %.0f ms max %.0f ms" % (
                  r["clients"], s["streams"]["ready"], r["clients"], s["streams"]["status_503"],
                  RETRY_503_MS, s["latency"]["ready"]["p50_ms"], s["latency"]["ready"]["p99_ms"],
                  s["latency"]["ready"]["max_ms"]))
    for r in results["fan_out"]:
        print("fan-out %d: machine busy %.1f core-s in %.0f s: chat %.1f, load client %.1f, "
              "others (kernel threads, the bench) %.1f; chat CPU per delivered message %.0f us" % (
                  r["clients"], r["machine_busy_s"], r["wall_s"], r["chat_cpu_s"],
                  r["summary"]["client"]["cpu_user_s"] + r["summary"]["client"]["cpu_sys_s"],
                  r["other_cpu_s"], r["chat_cpu_us_per_delivery"]))
    cpu = [r["summary"]["client"] for r in results["fan_out"]]
    print("chat-load's own CPU (user+sys) in the fan-outs: " +
          ", ".join("%.2f s" % (c["cpu_user_s"] + c["cpu_sys_s"]) for c in cpu))


def plot(results, stem):
    """PNG plots with gnuplot; skipped (with a note) when it is missing."""
    if subprocess.run(["sh", "-c", "command -v gnuplot"], capture_output=True).returncode != 0:
        print("gnuplot missing: no plots")
        return []
    work = tempfile.mkdtemp(prefix="bench-plot-")
    data = os.path.join(work, "fanout.dat")
    with open(data, "w") as f:
        for r in results["fan_out"]:
            lat = r["summary"]["latency"]["delivery"]
            f.write("%d %f %f %f %f %f %f\n" % (r["clients"], lat["p50_ms"], lat["p90_ms"],
                                                 lat["p99_ms"], lat["max_ms"], r["chat_pss_peak_mib"],
                                                 r["chat_cpu_s"]))
    latency_png = stem + "-fanout-latency.png"
    resources_png = stem + "-fanout-resources.png"
    script = """
set terminal pngcairo size 800,500 noenhanced
set grid
set key left top
set xlabel "SSE clients"
set output "{lat}"
set title "Fan-out: POST -> SSE receipt latency ({rate} posts/s)"
set ylabel "ms"
set logscale y
plot "{data}" using 1:2 with linespoints title "p50", "" using 1:3 with linespoints title "p90", \\
     "" using 1:4 with linespoints title "p99", "" using 1:5 with linespoints title "max"
unset logscale y
set output "{res}"
set title "Fan-out: chat processes (devmongod, nginx, pools, workers)"
set ylabel "peak PSS (MiB)"
set y2label "CPU seconds during the run"
set y2tics
plot "{data}" using 1:6 with linespoints title "PSS MiB" axes x1y1, \\
     "" using 1:7 with linespoints title "CPU s" axes x1y2
""".format(lat=latency_png, res=resources_png, data=data, rate=FANOUT_RATE)
    done = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if done.returncode != 0:
        # pngcairo is in gnuplot-nox; fall back to the plain png terminal.
        done = subprocess.run(["gnuplot"], input=script.replace("pngcairo", "png"), text=True,
                              capture_output=True)
    if done.returncode != 0:
        print("gnuplot failed:", done.stderr.strip())
        return []
    return [os.path.basename(latency_png), os.path.basename(resources_png)]


def main():
    raise_open_files()
    if not os.path.exists(CHAT_LOAD):
        sys.exit("bench: %s is missing; build first" % CHAT_LOAD)
    os.environ["WORKER_CONNECTIONS"] = str(max(4096, 4 * STREAM_SLOTS))
    started = time.monotonic()
    results = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "quick": QUICK, "machine": machine()}
    print("bench: %s stack with %d stream slots (%s)" % ("quick" if QUICK else "full", STREAM_SLOTS,
                                                          BUILD_DIR), flush=True)
    # Stream workers are started as the load arrives; min-idle keeps the
    # first connections from waiting for a fork.
    stack = chat_stack.ChatStack(stream_workers=STREAM_SLOTS, message_workers=4, min_idle=4,
                                 post_rate=100000, idle_timeout_s=IDLE_TIMEOUT_S).start()
    try:
        results["fan_out"] = []
        for clients in FANOUT_SIZES:
            print("fan-out %d ..." % clients, flush=True)
            results["fan_out"].append(fan_out(stack, clients))
        print("idle %d ..." % IDLE_STREAMS, flush=True)
        results["idle"] = idle(stack, IDLE_STREAMS, IDLE_SECONDS)
        print("cleanup %d ..." % CLEANUP_STREAMS, flush=True)
        results["cleanup"] = cleanup(stack, CLEANUP_STREAMS)
        print("connect storm %d ..." % STORM_STREAMS, flush=True)
        results["storm"] = storm(stack, STORM_STREAMS, warm=False)
        results["storm_warm"] = storm(stack, STORM_STREAMS, warm=True)
        print("posting ...", flush=True)
        results["post"] = posting(stack)
        print("reconnects ...", flush=True)
        results["reconnect"] = reconnects(stack, RECONNECT_STREAMS)
    finally:
        stack.stop()
    # The heartbeat cost needs workers started with CHAT_HEARTBEAT_S=1.
    print("idle %d with 1 s heartbeats ..." % IDLE_STREAMS, flush=True)
    stack = chat_stack.ChatStack(env={"CHAT_HEARTBEAT_S": "1"}, stream_workers=STREAM_SLOTS,
                                 message_workers=2, min_idle=2, post_rate=100000,
                                 idle_timeout_s=IDLE_TIMEOUT_S).start()
    try:
        results["idle_heartbeat_1s"] = idle(stack, IDLE_STREAMS, IDLE_SECONDS)
    finally:
        stack.stop()
    results["bench_seconds"] = round(time.monotonic() - started, 1)

    os.makedirs(RESULTS_DIR, exist_ok=True)
    stem = os.path.join(RESULTS_DIR, datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H%M%SZ") + ("-quick" if QUICK else ""))
    results["plots"] = plot(results, stem)
    with open(stem + ".json", "w") as f:
        json.dump(results, f, indent=1)
    print_table(results)
    print("\nresults: %s.json (%.0f s)" % (stem, results["bench_seconds"]))
    failed = [r["clients"] for r in results["fan_out"] + [results["reconnect"]]
              if r["summary"]["delivery"]["ratio"] != 1.0 or r["summary"]["delivery"]["duplicates"]
              or r["summary"]["streams"]["ready"] != r["clients"]]
    if failed:
        print("bench: streams not opened, or messages lost or duplicated, with %s clients" % failed)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
