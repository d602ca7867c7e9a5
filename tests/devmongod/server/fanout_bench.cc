// devmongod_fanout_bench: change-stream fan-out latency and memory per
// parked connection.
//
// Opens N raw connections, each with a change stream parked in a getMore,
// then inserts M documents one at a time, waiting until all N streams got
// each one, and prints insert->receipt latency percentiles over all N*M
// receipts, plus the server's RSS/PSS (/proc/<pid>/smaps_rollup) before and
// after the N connections were opened. Loopback only; bounded in count and
// time (60 s per round).
//
//   devmongod_fanout_bench [--connections N] [--inserts M]
//                          [--uri mongodb://127.0.0.1:PORT --pid PID]
// Without --uri it starts its own devmongod (--quiet, --port 0).
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parked_streams.h"
#include "support/devmongod_process.h"
#include "support/process_memory.h"
#include "support/wire_client.h"

namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
  size_t connections = 1000;
  size_t inserts = 100;
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: start our own devmongod
  pid_t pid = 0;
};

std::optional<uint64_t> ParseCount(std::string_view text, uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v == 0 || v > max) {
    return std::nullopt;
  }
  return v;
}

// mongodb://HOST:PORT[/...] with a loopback literal host.
bool ParseUri(std::string_view uri, BenchOptions& o) {
  constexpr std::string_view kScheme = "mongodb://";
  if (!uri.starts_with(kScheme)) return false;
  uri.remove_prefix(kScheme.size());
  uri = uri.substr(0, uri.find_first_of("/?,"));
  size_t colon = uri.rfind(':');
  if (colon == std::string_view::npos) return false;
  auto port = ParseCount(uri.substr(colon + 1), 65535);
  if (!port) return false;
  o.host = std::string(uri.substr(0, colon));
  o.port = static_cast<uint16_t>(*port);
  return o.host == "127.0.0.1" || o.host == "[::1]" || o.host == "localhost";
}

std::optional<BenchOptions> ParseArgs(int argc, char** argv) {
  BenchOptions o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view name = argv[i], value = argv[i + 1];
    if (name == "--connections") {
      auto n = ParseCount(value, 10000);
      if (!n) return std::nullopt;
      o.connections = *n;
    } else if (name == "--inserts") {
      auto n = ParseCount(value, 10000);
      if (!n) return std::nullopt;
      o.inserts = *n;
    } else if (name == "--uri") {
      if (!ParseUri(value, o)) return std::nullopt;
    } else if (name == "--pid") {
      auto n = ParseCount(value, 1u << 30);
      if (!n) return std::nullopt;
      o.pid = static_cast<pid_t>(*n);
    } else {
      return std::nullopt;
    }
  }
  if (argc % 2 == 0) return std::nullopt;  // a name without a value
  return o;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank over the sorted samples.
  auto index = static_cast<size_t>(std::lround(p * static_cast<double>(sorted.size() - 1)));
  return sorted[std::min(index, sorted.size() - 1)];
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "devmongod_fanout_bench: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = ParseArgs(argc, argv);
  if (!options) {
    std::fprintf(stderr,
                 "usage: devmongod_fanout_bench [--connections N<=10000] [--inserts M<=10000] "
                 "[--uri mongodb://127.0.0.1:PORT --pid PID]\n");
    return 2;
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }

  std::unique_ptr<test_support::DevMongod> own;
  if (options->port == 0) {
    auto started = test_support::DevMongod::Start({"--quiet"});
    if (!started) return Fail(started.error());
    own = std::move(*started);
    if (own->external()) return Fail("MONGODB_URI is set; pass --uri and --pid instead");
    options->host = own->host();
    options->port = own->port();
    options->pid = own->pid();
  }

  const std::string db = "bench", coll = "fanout";
  auto writer = test_support::WireClient::Connect(options->host, options->port);
  if (!writer) return Fail(writer.error());
  auto ping = writer->RunCommand("admin", *common::BsonPtr(BCON_NEW("ping", BCON_INT32(1))));
  if (!ping) return Fail("ping: " + ping.error());

  auto before = test_support::ReadProcessMemory(options->pid);
  auto opened_at = Clock::now();
  auto streams = devmongod::it::ParkedStreams::Open(options->host, options->port, db, coll,
                                                    options->connections, 60000);
  if (!streams) return Fail(streams.error());
  double open_s = std::chrono::duration<double>(Clock::now() - opened_at).count();
  auto after = test_support::ReadProcessMemory(options->pid);

  std::vector<double> latencies_ms;
  latencies_ms.reserve(options->connections * options->inserts);
  for (size_t m = 0; m < options->inserts; ++m) {
    common::BsonPtr insert(BCON_NEW("insert", BCON_UTF8(coll.c_str()), "documents", "[", "{", "m",
                                    BCON_INT64(static_cast<int64_t>(m)), "}", "]"));
    auto t0 = Clock::now();
    auto ack = writer->RunCommand(db, *insert);
    if (!ack) return Fail("insert: " + ack.error());
    auto round = streams->CollectRound(std::chrono::seconds(60));
    if (!round) return Fail("insert " + std::to_string(m) + ": " + round.error());
    for (auto at : *round) {
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(at - t0).count());
    }
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());

  std::printf("connections=%zu inserts=%zu receipts=%zu open_time_s=%.2f\n", options->connections,
              options->inserts, latencies_ms.size(), open_s);
  std::printf("latency_ms p50=%.2f p90=%.2f p99=%.2f max=%.2f\n", Percentile(latencies_ms, 0.5),
              Percentile(latencies_ms, 0.9), Percentile(latencies_ms, 0.99),
              latencies_ms.empty() ? 0.0 : latencies_ms.back());
  if (before && after) {
    auto per_connection = [&](long before_kb, long after_kb) {
      return 1024.0 * static_cast<double>(after_kb - before_kb) /
             static_cast<double>(options->connections);
    };
    std::printf("Rss_kB before=%ld after=%ld per_connection_bytes=%.0f\n", before->rss_kb,
                after->rss_kb, per_connection(before->rss_kb, after->rss_kb));
    std::printf("Pss_kB before=%ld after=%ld per_connection_bytes=%.0f\n", before->pss_kb,
                after->pss_kb, per_connection(before->pss_kb, after->pss_kb));
  } else {
    std::printf("memory: unknown (pass --pid of the server to read its smaps_rollup)\n");
  }
  return 0;
}
