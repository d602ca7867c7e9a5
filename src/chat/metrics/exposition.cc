#include "chat/metrics/exposition.h"

#include <cinttypes>
#include <cstdio>
#include <string_view>

namespace chat::metrics {
namespace {

constexpr std::string_view kEndpointNames[] = {"stream", "post",   "history", "message",
                                               "me",     "health", "metrics", "other"};
constexpr std::string_view kStatusClassNames[] = {"2xx", "3xx", "4xx", "5xx"};
constexpr std::string_view kSseEventNames[] = {"message",   "update", "delete",
                                               "heartbeat", "reset",  "error"};
constexpr std::string_view kResumeNames[] = {"resumed", "history_lost", "invalid_id"};
constexpr std::string_view kDbErrorNames[] = {"unavailable", "history_lost", "invalid_token",
                                              "duplicate_key", "other"};
constexpr std::string_view kExitNames[] = {"normal", "recycled", "crashed", "killed"};
constexpr std::string_view kPoolNames[] = {"stream", "messages"};
constexpr std::string_view kProgramNames[] = {"stream-messages", "messages"};

static_assert(std::size(kEndpointNames) == CountOf<Endpoint>());
static_assert(std::size(kStatusClassNames) == CountOf<StatusClass>());
static_assert(std::size(kSseEventNames) == CountOf<SseEvent>());
static_assert(std::size(kResumeNames) == CountOf<ResumeOutcome>());
static_assert(std::size(kDbErrorNames) == CountOf<DbErrorKind>());
static_assert(std::size(kExitNames) == CountOf<WorkerExit>());
static_assert(std::size(kPoolNames) == CountOf<Pool>());

class Writer {
 public:
  void Header(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // `labels` is already formatted (`a="x",b="y"`) or empty.
  void Sample(std::string_view name, std::string_view labels, uint64_t value) {
    Name(name, labels);
    char text[32];
    std::snprintf(text, sizeof text, " %" PRIu64 "\n", value);
    out_ += text;
  }
  void Sample(std::string_view name, std::string_view labels, double value) {
    Name(name, labels);
    char text[48];
    std::snprintf(text, sizeof text, " %.6f\n", value);
    out_ += text;
  }
  std::string Take() { return std::move(out_); }

 private:
  void Name(std::string_view name, std::string_view labels) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
  }
  std::string out_;
};

std::string Label(std::string_view key, std::string_view value) {
  return std::string(key) + "=\"" + std::string(value) + "\"";
}

uint64_t Sum(std::span<const Snapshot> snapshots, size_t index) {
  uint64_t total = 0;
  for (const Snapshot& s : snapshots) total += s.at(index);
  return total;
}

std::string_view ProgramOf(const Snapshot& s) { return kProgramNames[static_cast<size_t>(s.pool)]; }
std::string_view PoolOf(const Snapshot& s) { return kPoolNames[static_cast<size_t>(s.pool)]; }

template <size_t kBounds>
void Histogram(Writer& w, std::span<const Snapshot> snapshots, std::string_view name,
               std::string_view help, size_t buckets, size_t sum_us, size_t count,
               const std::array<double, kBounds>& bounds) {
  w.Header(name, "histogram", help);
  const std::string bucket_name = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += Sum(snapshots, buckets + i);
    char le[32];
    if (i < bounds.size())
      std::snprintf(le, sizeof le, "%g", bounds[i]);
    else
      std::snprintf(le, sizeof le, "+Inf");
    w.Sample(bucket_name, Label("le", le), cumulative);
  }
  w.Sample(std::string(name) + "_sum", "", static_cast<double>(Sum(snapshots, sum_us)) / 1e6);
  w.Sample(std::string(name) + "_count", "", Sum(snapshots, count));
}

void Requests(Writer& w, std::span<const Snapshot> snapshots) {
  w.Header("chat_http_requests_total", "counter",
           "Requests the workers answered, by program, endpoint and status class.");
  for (const Snapshot& s : snapshots) {
    for (size_t e = 0; e < CountOf<Endpoint>(); ++e) {
      for (size_t c = 0; c < CountOf<StatusClass>(); ++c) {
        const std::string labels = Label("program", ProgramOf(s)) + "," +
                                   Label("endpoint", kEndpointNames[e]) + "," +
                                   Label("code", kStatusClassNames[c]);
        w.Sample("chat_http_requests_total", labels,
                 s.at(slot::kRequests + e * CountOf<StatusClass>() + c));
      }
    }
  }
}

void Streams(Writer& w, std::span<const Snapshot> snapshots) {
  const uint64_t started = Sum(snapshots, slot::kStreamsStarted);
  const uint64_t ended = Sum(snapshots, slot::kStreamsEnded);
  w.Header("chat_streams_open", "gauge", "SSE streams open now.");
  w.Sample("chat_streams_open", "", started > ended ? started - ended : 0);
  w.Header("chat_sse_events_total", "counter", "SSE events written, by kind.");
  for (size_t k = 0; k < CountOf<SseEvent>(); ++k) {
    w.Sample("chat_sse_events_total", Label("kind", kSseEventNames[k]),
             Sum(snapshots, slot::kSseEvents + k));
  }
  w.Header("chat_sse_bytes_total", "counter", "Bytes of SSE streams written to nginx.");
  w.Sample("chat_sse_bytes_total", "", Sum(snapshots, slot::kSseBytes));
  w.Header("chat_stream_resumes_total", "counter",
           "Streams opened with a Last-Event-ID, by outcome.");
  for (size_t o = 0; o < CountOf<ResumeOutcome>(); ++o) {
    w.Sample("chat_stream_resumes_total", Label("outcome", kResumeNames[o]),
             Sum(snapshots, slot::kResumes + o));
  }
  w.Header("chat_change_stream_reopens_total", "counter",
           "Change streams the driver reopened (resumed) after a resumable error.");
  w.Sample("chat_change_stream_reopens_total", "", Sum(snapshots, slot::kChangeStreamReopens));
}

void DatabaseErrors(Writer& w, std::span<const Snapshot> snapshots) {
  w.Header("chat_database_errors_total", "counter",
           "Database operations that failed, by program and kind.");
  for (const Snapshot& s : snapshots) {
    for (size_t k = 0; k < CountOf<DbErrorKind>(); ++k) {
      w.Sample("chat_database_errors_total",
               Label("program", ProgramOf(s)) + "," + Label("kind", kDbErrorNames[k]),
               s.at(slot::kDbErrors + k));
    }
  }
}

void Pools(Writer& w, std::span<const Snapshot> snapshots) {
  w.Header("chat_pool_workers", "gauge", "Worker processes of each pool, by state.");
  for (const Snapshot& s : snapshots) {
    if (s.at(slot::kPoolPid) == 0) continue;  // no pool runs this program
    const std::string pool = Label("pool", PoolOf(s));
    w.Sample("chat_pool_workers", pool + ",state=\"idle\"", s.at(slot::kPoolIdle));
    w.Sample("chat_pool_workers", pool + ",state=\"busy\"", s.at(slot::kPoolBusy));
  }
  w.Header("chat_pool_max_workers", "gauge", "The most workers each pool may run.");
  for (const Snapshot& s : snapshots) {
    if (s.at(slot::kPoolPid) == 0) continue;
    w.Sample("chat_pool_max_workers", Label("pool", PoolOf(s)), s.at(slot::kPoolMaxWorkers));
  }
  w.Header("chat_pool_workers_spawned_total", "counter", "Workers each pool started.");
  for (const Snapshot& s : snapshots) {
    w.Sample("chat_pool_workers_spawned_total", Label("pool", PoolOf(s)), s.at(slot::kPoolSpawned));
  }
  w.Header("chat_pool_workers_exited_total", "counter",
           "Workers that ended, by cause: normal (retired or stopped), recycled (served "
           "CHAT_MAX_REQUESTS), crashed, killed (by a signal).");
  for (const Snapshot& s : snapshots) {
    for (size_t c = 0; c < CountOf<WorkerExit>(); ++c) {
      w.Sample("chat_pool_workers_exited_total",
               Label("pool", PoolOf(s)) + "," + Label("cause", kExitNames[c]),
               s.at(slot::kPoolExited + c));
    }
  }
  w.Header("chat_pool_rejected_total", "counter",
           "Requests refused with 503 because the pool had no free worker.");
  for (size_t p = 0; p < CountOf<Pool>(); ++p) {
    w.Sample("chat_pool_rejected_total", Label("pool", kPoolNames[p]),
             Sum(snapshots, slot::kRejected + p));
  }
}

}  // namespace

std::string RenderExposition(std::span<const Snapshot> snapshots) {
  Writer w;
  Requests(w, snapshots);
  Histogram(w, snapshots, "chat_post_duration_seconds",
            "Time to answer POST /api/messages, from request to response.", slot::kPostBuckets,
            slot::kPostSumUs, slot::kPostCount, kPostSecondsBounds);
  Histogram(w, snapshots, "chat_stream_duration_seconds", "How long SSE streams stayed open.",
            slot::kStreamBuckets, slot::kStreamSumUs, slot::kStreamCount, kStreamSecondsBounds);
  Streams(w, snapshots);
  DatabaseErrors(w, snapshots);
  Pools(w, snapshots);
  return w.Take();
}

}  // namespace chat::metrics
