#include "chat/app/worker_main.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "chat/db/mongo_handles.h"
#include "pool/pool_options.h"
#include "pool/supervisor.h"

namespace chat::app {
namespace {

// The name the program was started under, for its usage text: installed
// programs carry a prefix (chat-stream runs stream-messages), while logs and
// metrics keep the canonical `program`.
std::string InvokedName(int argc, char** argv, const char* program) {
  if (argc < 1 || argv[0] == nullptr || argv[0][0] == '\0') return program;
  return std::filesystem::path(argv[0]).filename().string();
}

// The driver logs through a process-wide handler; keep its warnings as one
// line each on stderr (nginx's error log) and drop its chatter.
void LogDriverMessage(mongoc_log_level_t level, const char* domain, const char* message,
                      void* program) {
  if (level > MONGOC_LOG_LEVEL_WARNING) return;
  std::fprintf(stderr, "prog=%s level=%s source=mongoc domain=%s msg=\"%s\"\n",
               static_cast<const char*>(program), mongoc_log_level_str(level), domain, message);
}

// Checks the configuration (invalid: one line, status 2), initialises the
// driver for this process and whatever it forks, then runs `body`.
int WithConfigAndDriver(const char* program, metrics::Pool pool, int default_max_requests,
                        const std::function<int(const WorkerContext&)>& body) {
  auto config =
      LoadConfig(program, default_max_requests, [](const char* name) { return std::getenv(name); });
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().c_str());
    return 2;
  }
  auto authenticator = Authenticator::Create(*config);
  if (!authenticator) {
    std::fprintf(stderr, "%s: %s\n", program, authenticator.error().c_str());
    return 2;
  }
  std::string warning;
  metrics::Recorder recorder = metrics::Recorder::Open(config->metrics_dir, pool, &warning);
  if (!warning.empty()) {
    // Metrics are worth a warning, not a refusal to serve.
    std::fprintf(stderr, "prog=%s level=warning msg=\"metrics not shared: %s\"\n", program,
                 warning.c_str());
  }
  db::MongoRuntime runtime;
  mongoc_log_set_handler(LogDriverMessage, const_cast<char*>(program));
  return body(WorkerContext{*config, *authenticator, recorder});
}

// `PROGRAM --pool [pool options]`: this process supervises a pool of
// workers forked from it, not exec'd. Libraries are loaded and relocated,
// the driver initialised and the configuration checked once, here; every
// worker shares those pages instead of building private copies, and starts
// in a fraction of the time a fresh program needs.
int PoolMain(int argc, char** argv, const char* program, metrics::Pool pool,
             int default_max_requests, const HandlerFactory& make_handler) {
  std::vector<char*> pool_args{argv[0]};
  pool_args.insert(pool_args.end(), argv + 2, argv + argc);
  auto options = pool::ParsePoolOptions(static_cast<int>(pool_args.size()), pool_args.data(),
                                        pool::WorkerSource::kBuiltIn);
  if (!options) {
    std::fprintf(stderr, "%s --pool: %s\n", program, options.error().c_str());
    return 2;
  }
  // Argument 0 as started (an absolute path under systemd), so that after an
  // upgrade SIGHUP execs the new binary, not the deleted file still running.
  options->reexec_argv.assign(argv, argv + argc);
  if (options->show_help) {
    const std::string invoked = InvokedName(argc, argv, program);
    std::fputs(pool::PoolHelpText("usage: " + invoked +
                                  " --pool --socket PATH [options]\n"
                                  "Configuration: the environment variables of " +
                                  invoked + " --help.")
                   .c_str(),
               stdout);
    return 0;
  }
  return WithConfigAndDriver(
      program, pool, default_max_requests, [&](const WorkerContext& context) {
        auto worker = [&]() {
          // Runs in the forked worker: fd 0 is the pool's listening socket.
          web::Handler handler = make_handler(context);
          return web::RunWorker(
              web::WorkerOptions{
                  .program = program, .max_requests = context.config.max_requests, .socket = ""},
              handler);
        };
        pool::Supervisor supervisor(std::move(*options), worker, &context.metrics);
        return supervisor.Run();
      });
}

}  // namespace

int WorkerMain(int argc, char** argv, const char* program, metrics::Pool pool,
               int default_max_requests, const HandlerFactory& make_handler) {
  if (argc > 1 && std::string(argv[1]) == "--pool") {
    return PoolMain(argc, argv, program, pool, default_max_requests, make_handler);
  }
  bool help = false;
  auto socket = web::ParseWorkerArgs(argc, argv, &help);
  if (!socket) {
    std::fprintf(stderr, "%s: %s\n", program, socket.error().c_str());
    return 2;
  }
  if (help) {
    const std::string invoked = InvokedName(argc, argv, program);
    std::printf(
        "usage: %s [--socket PATH|HOST:PORT]\n"
        "       %s --pool --socket PATH [pool options]   (see --pool --help)\n"
        "FastCGI worker: serves requests from the listening socket on fd 0 (or --socket),\n"
        "or, started as a CGI program, the one request in its environment.\n"
        "With --pool it runs its own pool of workers, forked from it, on a new socket.\n\n"
        "environment:\n%s",
        invoked.c_str(), invoked.c_str(), ConfigHelp(default_max_requests).c_str());
    return 0;
  }
  return WithConfigAndDriver(
      program, pool, default_max_requests, [&](const WorkerContext& context) {
        web::Handler handler = make_handler(context);
        return web::RunWorker(
            web::WorkerOptions{
                .program = program, .max_requests = context.config.max_requests, .socket = *socket},
            handler);
      });
}

}  // namespace chat::app
