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

namespace chat::bench {
namespace {

// epoll tokens: the kind in the high half, the index in the low half.
constexpr uint64_t kPostKind = uint64_t{1} << 32;
constexpr int64_t kRetryAfterFailureUs = 250000;  // a reconnect that met a full pool

struct RunState {
  RunState(const LoadOptions& o, const LoopbackAddress& a) : options(o), address(a) {}

  const LoadOptions& options;
  LoadRecorder recorder;
  LoopbackAddress address;
  UniqueFd epoll_fd;
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
                     "\",\"content\":\"" + FormatProbe(RealtimeMicros(), seq, run.options.run_tag) +
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
      stream.reconnect_at_us = MonotonicMicros() + kRetryAfterFailureUs;
    } else if (stream.last_status() == 503 && run.options.retry_503_ms > 0) {
      // A full pool before the stream ever opened: retry like the chat page,
      // with jitter so the retries do not arrive as one more storm.
      int64_t base_us = int64_t{run.options.retry_503_ms} * 1000;
      stream.reconnect_at_us =
          MonotonicMicros() + base_us + static_cast<int64_t>(token % 101) * base_us / 100;
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

std::string Summary(RunState& run) {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const LoadRecorder& r = run.recorder;
  uint64_t expected = r.posts.ok * run.ready_streams;
  double post_s = static_cast<double>(run.posting_ended_us - run.posting_started_us) / 1e6;
  double wall_s = static_cast<double>(MonotonicMicros() - run.start_us) / 1e6;
  char text[2048];
  std::snprintf(
      text, sizeof text,
      "{\"streams\":{\"requested\":%d,\"ready\":%llu,\"connect_errors\":%llu,"
      "\"http_errors\":%llu,\"status_503\":%llu,\"protocol_errors\":%llu,\"drops\":%llu,"
      "\"reconnects\":%llu,\"retries\":%llu,\"events\":%llu,\"comments\":%llu,\"resets\":%llu,"
      "\"error_events\":%llu,\"foreign\":%llu},"
      "\"delivery\":{\"expected\":%llu,\"delivered\":%llu,\"duplicates\":%llu,"
      "\"ratio\":%.6f},"
      "\"posts\":{\"planned\":%llu,\"sent\":%llu,\"ok\":%llu,\"failed\":%llu,"
      "\"status_429\":%llu,\"connections_opened\":%llu,\"seconds\":%.3f,"
      "\"achieved_per_s\":%.1f},",
      run.options.sse_connections, static_cast<unsigned long long>(run.ready_streams),
      static_cast<unsigned long long>(r.streams.connect_errors),
      static_cast<unsigned long long>(r.streams.http_errors),
      static_cast<unsigned long long>(r.streams.status_503),
      static_cast<unsigned long long>(r.streams.protocol_errors),
      static_cast<unsigned long long>(r.streams.drops),
      static_cast<unsigned long long>(r.streams.reconnects),
      static_cast<unsigned long long>(r.streams.retries),
      static_cast<unsigned long long>(r.streams.events),
      static_cast<unsigned long long>(r.streams.comments),
      static_cast<unsigned long long>(r.streams.resets),
      static_cast<unsigned long long>(r.streams.error_events),
      static_cast<unsigned long long>(r.streams.foreign), static_cast<unsigned long long>(expected),
      static_cast<unsigned long long>(r.streams.delivered),
      static_cast<unsigned long long>(r.streams.duplicates),
      expected == 0 ? 1.0
                    : static_cast<double>(r.streams.delivered) / static_cast<double>(expected),
      static_cast<unsigned long long>(run.posts_planned),
      static_cast<unsigned long long>(r.posts.sent), static_cast<unsigned long long>(r.posts.ok),
      static_cast<unsigned long long>(r.posts.failed),
      static_cast<unsigned long long>(r.posts.status_429),
      static_cast<unsigned long long>(r.posts.reconnects), post_s,
      post_s > 0 ? static_cast<double>(r.posts.ok) / post_s : 0.0);
  std::string json = text;
  json += "\"latency\":{\"delivery\":" + run.recorder.delivery.ToJson() +
          ",\"post\":" + run.recorder.post.ToJson() + ",\"ttfb\":" + run.recorder.ttfb.ToJson() +
          ",\"ttfb_refused\":" + run.recorder.ttfb_refused.ToJson() +
          ",\"ready\":" + run.recorder.ready.ToJson() + "},";
  std::snprintf(text, sizeof text,
                "\"client\":{\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f,\"max_rss_kib\":%ld,"
                "\"wall_s\":%.3f},\"run_tag\":\"%s\",\"timed_out\":%s}",
                Seconds(usage.ru_utime), Seconds(usage.ru_stime), usage.ru_maxrss, wall_s,
                run.options.run_tag.c_str(), run.timed_out ? "true" : "false");
  json += text;
  return json;
}

}  // namespace

std::expected<std::string, std::string> RunLoad(const LoadOptions& options) {
  auto address = ResolveLoopback(options.host, options.port);
  if (!address) return std::unexpected(address.error());
  RunState run(options, *address);
  run.start_us = MonotonicMicros();
  RaiseOpenFilesLimit(static_cast<uint64_t>(options.sse_connections + options.post_connections) +
                      64);
  run.epoll_fd = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  if (!run.epoll_fd.valid()) return std::unexpected(std::string("epoll: ") + std::strerror(errno));

  // Connect storm: every stream at once, TTFB measured per connection.
  run.streams.resize(static_cast<size_t>(options.sse_connections));
  for (size_t i = 0; i < run.streams.size(); ++i) {
    run.streams[i].Open(run.epoll_fd.get(), i, run.address, options.url_path, MonotonicMicros(),
                        &run.recorder);
  }
  const int64_t ready_deadline = run.start_us + static_cast<int64_t>(options.ready_timeout_s * 1e6);
  for (;;) {
    int64_t now = MonotonicMicros();
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

  run.posting_started_us = MonotonicMicros();
  if (options.post_rate > 0) {
    run.posts_planned =
        static_cast<uint64_t>(std::llround(options.post_rate * options.post_duration_s));
    run.posters.resize(static_cast<size_t>(options.post_connections));
    for (;;) {
      int64_t now = MonotonicMicros();
      if (OverTime(run, now)) break;
      if (run.posts_started < run.posts_planned) ServicePosts(run, now);
      if (run.posts_started >= run.posts_planned && !AnyPostBusy(run)) break;
      ServiceReconnects(run, now, true);
      PollOnce(run, 2);
    }
    run.posting_ended_us = MonotonicMicros();
    // Drain: give the streams time to receive the last posts (and let
    // dropped streams resume), stopping early once everything arrived.
    const int64_t drain_end = run.posting_ended_us + static_cast<int64_t>(options.drain_s * 1e6);
    for (;;) {
      int64_t now = MonotonicMicros();
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
      int64_t now = MonotonicMicros();
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

}  // namespace chat::bench
