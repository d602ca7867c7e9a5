#include "bench/load_run.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "bench/load_recorder.h"
#include "bench/loopback_socket.h"
#include "bench/post_connection.h"
#include "bench/probe_content.h"
#include "bench/sse_stream.h"
#include "common/cjson_ptr.h"
#include "common/clock.h"

namespace bench {
namespace {

// epoll tokens: the kind in the high half, the index in the low half.
constexpr uint64_t kPostKind = uint64_t{1} << 32;
constexpr int64_t kRetryAfterFailureUs = 250000;  // a reconnect that met a full pool

struct RunState {
  RunState(const LoadOptions& o, const LoopbackAddress& a) : options(o), address(a) {}

  const LoadOptions& options;
  LoadRecorder recorder;
  LoopbackAddress address;
  common::UniqueFd epoll_fd;
  std::vector<SseStream> streams;
  std::vector<PostConnection> posters;
  uint64_t ready_streams = 0;  // streams open when posting started
  uint64_t posts_planned = 0;
  uint64_t posts_started = 0;
  size_t next_poster = 0;
  bool timed_out = false;
  int64_t start_us = 0;
  int64_t posting_started_us = 0;
  int64_t posting_ended_us = 0;
};

std::string PostRequest(const RunState& run, uint32_t seq) {
  std::string body = "{\"username\":\"bench\",\"room\":\"" + run.options.room +
                     "\",\"content\":\"" + FormatProbe(common::WallUs(), seq, run.options.run_tag) +
                     "\"}";
  return "POST /api/messages HTTP/1.1\r\nHost: chat\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One round of the loop: waits up to `wait_ms` and dispatches readiness.
void PollOnce(RunState& run, int wait_ms) {
  epoll_event events[256];
  int n = ::epoll_wait(run.epoll_fd.get(), events, 256, wait_ms);
  for (int i = 0; i < n; ++i) {
    uint64_t token = events[i].data.u64;
    if ((token & kPostKind) != 0) {
      run.posters[token & 0xffffffffu].OnReady(events[i].events, &run.recorder);
      continue;
    }
    SseStream& stream = run.streams[token];
    if (stream.phase() == SseStream::Phase::kClosed) continue;  // closed earlier this round
    if (stream.OnReady(events[i].events, run.options.run_tag, &run.recorder)) continue;
    if (stream.ever_ready()) {
      // An ended stream that had been open is resumed as a browser would.
      stream.reconnect_at_us = common::MonotonicUs() + kRetryAfterFailureUs;
    } else if (stream.last_status() == 503 && run.options.retry_503_ms > 0) {
      // A full pool before the stream ever opened: retry like the chat page,
      // with jitter so the retries do not arrive as one more storm.
      int64_t base_us = int64_t{run.options.retry_503_ms} * 1000;
      stream.reconnect_at_us =
          common::MonotonicUs() + base_us + static_cast<int64_t>(token % 101) * base_us / 100;
    }
  }
}

// Reopens streams whose reconnect time has come, and drops those due for a
// planned reconnect (--reconnect-every-ms).
void ServiceReconnects(RunState& run, int64_t now_us, bool planned_drops) {
  const int64_t period_us = static_cast<int64_t>(run.options.reconnect_every_ms) * 1000;
  for (size_t i = 0; i < run.streams.size(); ++i) {
    SseStream& stream = run.streams[i];
    if (stream.phase() == SseStream::Phase::kClosed) {
      if (stream.reconnect_at_us != 0 && now_us >= stream.reconnect_at_us) {
        ++(stream.ever_ready() ? run.recorder.streams.reconnects : run.recorder.streams.retries);
        if (!stream.Open(run.epoll_fd.get(), i, run.address, run.options.url_path, now_us,
                         &run.recorder)) {
          stream.reconnect_at_us = now_us + kRetryAfterFailureUs;
        }
      }
      continue;
    }
    if (planned_drops && period_us > 0 && stream.phase() == SseStream::Phase::kStreaming) {
      if (stream.reconnect_at_us == 0) {
        // Spread the drops over the period so they do not all hit at once.
        stream.reconnect_at_us =
            now_us + period_us / 2 + static_cast<int64_t>(i % 97) * period_us / 97;
      } else if (now_us >= stream.reconnect_at_us) {
        stream.Close();
        stream.reconnect_at_us = now_us;  // reopened on the next pass
      }
    }
  }
}

void ServicePosts(RunState& run, int64_t now_us) {
  double elapsed_s = static_cast<double>(now_us - run.posting_started_us) / 1e6;
  auto due = std::min<uint64_t>(
      run.posts_planned, static_cast<uint64_t>(std::floor(elapsed_s * run.options.post_rate)) + 1);
  while (run.posts_started < due) {
    // Round-robin over idle connections; when all are busy the schedule slips
    // (the summary's achieved rate shows it).
    size_t tried = 0;
    while (tried < run.posters.size() && run.posters[run.next_poster].busy()) {
      run.next_poster = (run.next_poster + 1) % run.posters.size();
      ++tried;
    }
    if (tried == run.posters.size()) return;
    size_t index = run.next_poster;
    run.next_poster = (run.next_poster + 1) % run.posters.size();
    run.posters[index].Send(run.epoll_fd.get(), kPostKind | index, run.address,
                            PostRequest(run, static_cast<uint32_t>(run.posts_started)),
                            &run.recorder);
    ++run.posts_started;
  }
}

bool AnyPostBusy(const RunState& run) {
  return std::any_of(run.posters.begin(), run.posters.end(),
                     [](const PostConnection& p) { return p.busy(); });
}

bool OverTime(RunState& run, int64_t now_us) {
  if (now_us - run.start_us >= static_cast<int64_t>(run.options.max_seconds * 1e6)) {
    run.timed_out = true;
  }
  return run.timed_out;
}

double Seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }

// Rounded to what the report needs, so cJSON prints 2.834, not 2.8340000000000001.
double Round3(double value) { return std::round(value * 1000.0) / 1000.0; }

void AddCounts(cJSON* parent, const char* name,
               std::initializer_list<std::pair<const char*, uint64_t>> counts) {
  cJSON* object = cJSON_AddObjectToObject(parent, name);
  for (const auto& [key, value] : counts) {
    cJSON_AddNumberToObject(object, key, static_cast<double>(value));
  }
}

std::string Summary(RunState& run) {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  LoadRecorder& r = run.recorder;
  const uint64_t expected = r.posts.ok * run.ready_streams;
  const double post_s = static_cast<double>(run.posting_ended_us - run.posting_started_us) / 1e6;
  const double wall_s = static_cast<double>(common::MonotonicUs() - run.start_us) / 1e6;
  common::CjsonPtr summary(cJSON_CreateObject());
  cJSON* root = summary.get();
  AddCounts(root, "streams",
            {{"requested", static_cast<uint64_t>(run.options.sse_connections)},
             {"ready", run.ready_streams},
             {"connect_errors", r.streams.connect_errors},
             {"http_errors", r.streams.http_errors},
             {"status_503", r.streams.status_503},
             {"protocol_errors", r.streams.protocol_errors},
             {"drops", r.streams.drops},
             {"reconnects", r.streams.reconnects},
             {"retries", r.streams.retries},
             {"events", r.streams.events},
             {"comments", r.streams.comments},
             {"resets", r.streams.resets},
             {"error_events", r.streams.error_events},
             {"foreign", r.streams.foreign}});
  AddCounts(root, "delivery",
            {{"expected", expected},
             {"delivered", r.streams.delivered},
             {"duplicates", r.streams.duplicates}});
  const double ratio =
      expected == 0 ? 1.0
                    : static_cast<double>(r.streams.delivered) / static_cast<double>(expected);
  cJSON_AddNumberToObject(cJSON_GetObjectItemCaseSensitive(root, "delivery"), "ratio",
                          std::round(ratio * 1e6) / 1e6);
  AddCounts(root, "posts",
            {{"planned", run.posts_planned},
             {"sent", r.posts.sent},
             {"ok", r.posts.ok},
             {"failed", r.posts.failed},
             {"status_429", r.posts.status_429},
             {"connections_opened", r.posts.reconnects}});
  cJSON* posts = cJSON_GetObjectItemCaseSensitive(root, "posts");
  cJSON_AddNumberToObject(posts, "seconds", Round3(post_s));
  cJSON_AddNumberToObject(posts, "achieved_per_s",
                          post_s > 0 ? Round3(static_cast<double>(r.posts.ok) / post_s) : 0.0);
  cJSON* latency = cJSON_AddObjectToObject(root, "latency");
  for (auto [name, stats] : {std::pair<const char*, LatencyStats*>{"delivery", &r.delivery},
                             {"post", &r.post},
                             {"ttfb", &r.ttfb},
                             {"ttfb_refused", &r.ttfb_refused},
                             {"ready", &r.ready}}) {
    cJSON_AddItemToObject(latency, name, stats->ToJson().release());
  }
  cJSON* client = cJSON_AddObjectToObject(root, "client");
  cJSON_AddNumberToObject(client, "cpu_user_s", Round3(Seconds(usage.ru_utime)));
  cJSON_AddNumberToObject(client, "cpu_sys_s", Round3(Seconds(usage.ru_stime)));
  cJSON_AddNumberToObject(client, "max_rss_kib", static_cast<double>(usage.ru_maxrss));
  cJSON_AddNumberToObject(client, "wall_s", Round3(wall_s));
  cJSON_AddStringToObject(root, "run_tag", run.options.run_tag.c_str());
  cJSON_AddBoolToObject(root, "timed_out", run.timed_out);
  return common::PrintJson(*root);
}

}  // namespace

std::expected<std::string, std::string> RunLoad(const LoadOptions& options) {
  auto address = ResolveLoopback(options.host, options.port);
  if (!address) return std::unexpected(address.error());
  RunState run(options, *address);
  run.start_us = common::MonotonicUs();
  RaiseOpenFilesLimit(static_cast<uint64_t>(options.sse_connections + options.post_connections) +
                      64);
  run.epoll_fd = common::UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  if (!run.epoll_fd.valid()) return std::unexpected(std::string("epoll: ") + std::strerror(errno));

  // Connect storm: every stream at once, TTFB measured per connection.
  run.streams.resize(static_cast<size_t>(options.sse_connections));
  for (size_t i = 0; i < run.streams.size(); ++i) {
    run.streams[i].Open(run.epoll_fd.get(), i, run.address, options.url_path, common::MonotonicUs(),
                        &run.recorder);
  }
  const int64_t ready_deadline = run.start_us + static_cast<int64_t>(options.ready_timeout_s * 1e6);
  for (;;) {
    int64_t now = common::MonotonicUs();
    bool settled = std::all_of(run.streams.begin(), run.streams.end(), [](const SseStream& s) {
      return s.phase() == SseStream::Phase::kStreaming ||
             (s.phase() == SseStream::Phase::kClosed && s.reconnect_at_us == 0);
    });
    if (settled || now >= ready_deadline || OverTime(run, now)) break;
    ServiceReconnects(run, now, false);
    PollOnce(run, 20);
  }
  run.ready_streams = static_cast<uint64_t>(
      std::count_if(run.streams.begin(), run.streams.end(),
                    [](const SseStream& s) { return s.phase() == SseStream::Phase::kStreaming; }));

  run.posting_started_us = common::MonotonicUs();
  if (options.post_rate > 0) {
    run.posts_planned =
        static_cast<uint64_t>(std::llround(options.post_rate * options.post_duration_s));
    run.posters.resize(static_cast<size_t>(options.post_connections));
    for (;;) {
      int64_t now = common::MonotonicUs();
      if (OverTime(run, now)) break;
      if (run.posts_started < run.posts_planned) ServicePosts(run, now);
      if (run.posts_started >= run.posts_planned && !AnyPostBusy(run)) break;
      ServiceReconnects(run, now, true);
      PollOnce(run, 2);
    }
    run.posting_ended_us = common::MonotonicUs();
    // Drain: give the streams time to receive the last posts (and let
    // dropped streams resume), stopping early once everything arrived.
    const int64_t drain_end = run.posting_ended_us + static_cast<int64_t>(options.drain_s * 1e6);
    for (;;) {
      int64_t now = common::MonotonicUs();
      uint64_t expected = run.recorder.posts.ok * run.ready_streams;
      if (run.recorder.streams.delivered >= expected || now >= drain_end || OverTime(run, now)) {
        break;
      }
      ServiceReconnects(run, now, false);
      PollOnce(run, 10);
    }
  } else {
    const int64_t hold_end = run.posting_started_us + static_cast<int64_t>(options.hold_s * 1e6);
    for (;;) {
      int64_t now = common::MonotonicUs();
      if (now >= hold_end || OverTime(run, now)) break;
      ServiceReconnects(run, now, true);
      PollOnce(run, 50);
    }
    run.posting_ended_us = run.posting_started_us;
  }
  std::string summary = Summary(run);
  for (SseStream& stream : run.streams) stream.Close();
  return summary;
}

}  // namespace bench
