// chat-pool: a dynamic process manager for short-lived FastCGI workers.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "pool/pool_options.h"
#include "pool/supervisor.h"

int main(int argc, char** argv) {
  auto options = pool::ParsePoolOptions(argc, argv);
  if (!options) {
    std::fprintf(stderr, "chat-pool: %s\n", options.error().c_str());
    return 2;
  }
  if (options->show_help) {
    std::fputs(
        pool::PoolHelpText("usage: chat-pool --socket PATH [options] -- PROGRAM [ARGS...]").c_str(),
        stdout);
    return 0;
  }
  // The chat's programs share their metrics with the pool that runs them
  // (CHAT_METRICS_DIR, as the workers read it); other programs get none.
  std::optional<chat::metrics::Recorder> metrics;
  const char* metrics_dir = std::getenv("CHAT_METRICS_DIR");
  if (metrics_dir && *metrics_dir && !options->command.empty()) {
    if (auto pool = chat::metrics::PoolOfProgram(options->command.front())) {
      std::string warning;
      metrics = chat::metrics::Recorder::Open(metrics_dir, *pool, &warning);
      if (!warning.empty())
        std::fprintf(stderr, "chat-pool: metrics not shared: %s\n", warning.c_str());
    }
  }
  pool::Supervisor supervisor(std::move(*options), nullptr, metrics ? &*metrics : nullptr);
  return supervisor.Run();
}
