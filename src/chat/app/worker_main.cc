#include "chat/app/worker_main.h"

#include <cstdio>
#include <cstdlib>

#include "chat/db/mongo_handles.h"

namespace chat::app {
namespace {

// The driver logs through a process-wide handler; keep its warnings as one
// line each on stderr (nginx's error log) and drop its chatter.
void LogDriverMessage(mongoc_log_level_t level, const char* domain, const char* message,
                      void* program) {
  if (level > MONGOC_LOG_LEVEL_WARNING) return;
  std::fprintf(stderr, "prog=%s level=%s source=mongoc domain=%s msg=\"%s\"\n",
               static_cast<const char*>(program), mongoc_log_level_str(level), domain, message);
}

}  // namespace

int WorkerMain(int argc, char** argv, const char* program, int default_max_requests,
               const HandlerFactory& make_handler) {
  bool help = false;
  auto socket = web::ParseWorkerArgs(argc, argv, &help);
  if (!socket) {
    std::fprintf(stderr, "%s: %s\n", program, socket.error().c_str());
    return 2;
  }
  if (help) {
    std::printf(
        "usage: %s [--socket PATH|HOST:PORT]\n"
        "FastCGI worker: serves requests from the listening socket on fd 0 (or --socket),\n"
        "or, started as a CGI program, the one request in its environment.\n\n"
        "environment:\n%s",
        program, ConfigHelp(default_max_requests).c_str());
    return 0;
  }
  auto config =
      LoadConfig(program, default_max_requests, [](const char* name) { return std::getenv(name); });
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().c_str());
    return 2;
  }
  db::MongoRuntime runtime;
  mongoc_log_set_handler(LogDriverMessage, const_cast<char*>(program));
  web::Handler handler = make_handler(*config);
  return web::RunWorker(
      web::WorkerOptions{
          .program = program, .max_requests = config->max_requests, .socket = *socket},
      handler);
}

}  // namespace chat::app
