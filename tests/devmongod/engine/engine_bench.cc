// Measurement tool (not a test): engine throughput in-process, without
// sockets. Prints one line per scenario:
//   single-document inserts (memory only, and journaled with each fsync policy),
//   a chat history page (find room + sort _id desc + limit 50) over N documents,
//   re-running P parked change-stream getMores after one insert.
// Usage: devmongod_engine_bench [--docs N] [--parked P]
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "devmongod/engine/engine.h"
#include "devmongod/wire/wire_message.h"

namespace {

using Clock = std::chrono::steady_clock;

// Resident set size from /proc/self/statm, in KiB.
long ResidentKb() {
  long pages_total = 0, pages_resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
    std::fclose(f);
  }
  return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

devmongod::Outcome Run(devmongod::CommandHandler& engine, common::BsonPtr command,
                       uint64_t connection = 1, bool deadline_passed = false) {
  devmongod::wire::Request request;
  request.header.op_code = devmongod::wire::kOpMsg;
  request.database = "bench";
  request.command = std::move(command);
  devmongod::ExecContext ctx;
  ctx.connection_id = connection;
  ctx.now_wall_ms = 1'700'000'000'000;
  ctx.now_mono_ms = 1'000'000;
  ctx.deadline_passed = deadline_passed;
  return engine.Execute(request, ctx);
}

common::BsonPtr InsertCommand(int i) {
  common::BsonPtr command = common::NewBson();
  BSON_APPEND_UTF8(command.get(), "insert", "messages");
  bson_t docs, doc;
  bson_append_array_begin(command.get(), "documents", -1, &docs);
  bson_append_document_begin(&docs, "0", 1, &doc);
  std::string room = "room" + std::to_string(i % 10);
  BSON_APPEND_UTF8(&doc, "room", room.c_str());
  BSON_APPEND_UTF8(&doc, "user", "bench");
  BSON_APPEND_UTF8(&doc, "text", "hello there, this is a chat message of ordinary length");
  bson_append_document_end(&docs, &doc);
  bson_append_array_end(command.get(), &docs);
  return command;
}

void BenchInserts(const char* label, devmongod::EngineOptions options, int docs) {
  auto engine = devmongod::OpenEngine(options, 1'700'000'000'000);
  if (!engine) {
    std::fprintf(stderr, "open failed: %s\n", engine.error().c_str());
    return;
  }
  const auto start = Clock::now();
  for (int i = 0; i < docs; ++i) {
    Run(**engine, InsertCommand(i));
    (*engine)->BeforeReplies();  // one loop iteration per insert: the worst case for group commit
  }
  const double ms = MsSince(start);
  std::printf("inserts %-22s docs=%d total_ms=%.0f per_insert_us=%.1f\n", label, docs, ms,
              ms * 1000.0 / docs);
}

}  // namespace

int main(int argc, char** argv) {
  int docs = 100000, parked = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--docs") == 0) docs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--parked") == 0) parked = std::atoi(argv[i + 1]);
  }
  if (docs <= 0 || parked <= 0) {
    std::fprintf(stderr, "usage: devmongod_engine_bench [--docs N] [--parked P]\n");
    return 2;
  }

  devmongod::EngineOptions memory;
  BenchInserts("memory", memory, docs);
  char pattern[] = "/tmp/devmongod-engine-bench-XXXXXX";
  if (const char* dir = mkdtemp(pattern)) {
    for (auto [label, policy, count] :
         {std::tuple{"journal fsync=never", devmongod::EngineOptions::Fsync::kNever, docs},
          std::tuple{"journal fsync=always", devmongod::EngineOptions::Fsync::kAlways,
                     std::min(docs, 2000)}}) {
      devmongod::EngineOptions journaled;
      journaled.dbpath = std::string(dir) + "/" + std::to_string(static_cast<int>(policy));
      journaled.fsync = policy;
      BenchInserts(label, journaled, count);
    }
    std::filesystem::remove_all(dir);
  }

  auto engine = devmongod::OpenEngine(memory, 1'700'000'000'000);
  if (!engine) return 1;
  devmongod::CommandHandler& e = **engine;
  for (int i = 0; i < docs; ++i) Run(e, InsertCommand(i));
  const bool with_index = std::getenv("BENCH_NO_INDEX") == nullptr;
  if (with_index) {
    // The chat's index: {room: 1, _id: -1}.
    common::BsonPtr create = common::NewBson();
    BSON_APPEND_UTF8(create.get(), "createIndexes", "messages");
    bson_t indexes, index, key;
    bson_append_array_begin(create.get(), "indexes", -1, &indexes);
    bson_append_document_begin(&indexes, "0", 1, &index);
    bson_append_document_begin(&index, "key", -1, &key);
    BSON_APPEND_INT32(&key, "room", 1);
    BSON_APPEND_INT32(&key, "_id", -1);
    bson_append_document_end(&index, &key);
    BSON_APPEND_UTF8(&index, "name", "room_1__id_-1");
    bson_append_document_end(&indexes, &index);
    bson_append_array_end(create.get(), &indexes);
    Run(e, std::move(create));
  }
  std::printf("index {room: 1, _id: -1}: %s\n", with_index ? "yes" : "no (BENCH_NO_INDEX)");
  const auto page_start = Clock::now();
  constexpr int kPages = 20;
  for (int i = 0; i < kPages; ++i) {
    common::BsonPtr find = common::NewBson();
    BSON_APPEND_UTF8(find.get(), "find", "messages");
    bson_t filter, sort;
    bson_append_document_begin(find.get(), "filter", -1, &filter);
    BSON_APPEND_UTF8(&filter, "room", "room3");
    bson_append_document_end(find.get(), &filter);
    bson_append_document_begin(find.get(), "sort", -1, &sort);
    BSON_APPEND_INT32(&sort, "_id", -1);
    bson_append_document_end(find.get(), &sort);
    BSON_APPEND_INT32(find.get(), "limit", 50);
    Run(e, std::move(find));
  }
  std::printf("history page over %d docs: per_page_ms=%.2f\n", docs, MsSince(page_start) / kPages);
  const auto count_start = Clock::now();
  for (int i = 0; i < kPages; ++i) {
    common::BsonPtr count = common::NewBson();
    BSON_APPEND_UTF8(count.get(), "count", "messages");
    bson_t filter;
    bson_append_document_begin(count.get(), "query", -1, &filter);
    BSON_APPEND_UTF8(&filter, "room", "room3");
    bson_append_document_end(count.get(), &filter);
    Run(e, std::move(count));
  }
  std::printf("count {room} over %d docs (filter only): per_count_ms=%.2f\n", docs,
              MsSince(count_start) / kPages);

  std::vector<int64_t> cursors;
  const long rss_before = ResidentKb();
  for (int i = 0; i < parked; ++i) {
    common::BsonPtr open = common::NewBson();
    BSON_APPEND_UTF8(open.get(), "aggregate", "messages");
    bson_t pipeline, stage, spec, cursor, match, match_spec;
    bson_append_array_begin(open.get(), "pipeline", -1, &pipeline);
    bson_append_document_begin(&pipeline, "0", 1, &stage);
    bson_append_document_begin(&stage, "$changeStream", -1, &spec);
    bson_append_document_end(&stage, &spec);
    bson_append_document_end(&pipeline, &stage);
    bson_append_document_begin(&pipeline, "1", 1, &match);
    bson_append_document_begin(&match, "$match", -1, &match_spec);
    std::string room = "room" + std::to_string(i % 10);
    BSON_APPEND_UTF8(&match_spec, "fullDocument.room", room.c_str());
    bson_append_document_end(&match, &match_spec);
    bson_append_document_end(&pipeline, &match);
    bson_append_array_end(open.get(), &pipeline);
    bson_append_document_begin(open.get(), "cursor", -1, &cursor);
    bson_append_document_end(open.get(), &cursor);
    devmongod::Outcome opened = Run(e, std::move(open));
    bson_iter_t id;
    if (opened.reply && bson_iter_init(&id, opened.reply.get()) &&
        bson_iter_find_descendant(&id, "cursor.id", &id)) {
      cursors.push_back(bson_iter_int64(&id));
    }
  }
  auto get_more = [&](size_t i) {
    common::BsonPtr command = common::NewBson();
    BSON_APPEND_INT64(command.get(), "getMore", cursors[i]);
    BSON_APPEND_UTF8(command.get(), "collection", "messages");
    return Run(e, std::move(command), 100 + i);
  };
  for (size_t i = 0; i < cursors.size(); ++i) get_more(i);  // park them all
  std::printf("parked change streams: %zu, resident growth per stream ~%ld bytes\n", cursors.size(),
              (ResidentKb() - rss_before) * 1024 / static_cast<long>(parked));
  Run(e, InsertCommand(3), 99);
  const auto rerun_start = Clock::now();
  size_t answered = 0;
  for (size_t i = 0; i < cursors.size(); ++i) {
    answered += get_more(i).kind == devmongod::Outcome::Kind::kReply ? 1 : 0;
  }
  std::printf(
      "re-run %zu parked getMores after one insert (history %d events): total_ms=%.2f "
      "answered=%zu\n",
      cursors.size(), docs, MsSince(rerun_start), answered);
  return 0;
}
