// chat-pool: a dynamic process manager for short-lived FastCGI workers.
#include <cstdio>

#include "pool/pool_options.h"
#include "pool/supervisor.h"

int main(int argc, char** argv) {
  auto options = chat::pool::ParsePoolOptions(argc, argv);
  if (!options) {
    std::fprintf(stderr, "chat-pool: %s\n", options.error().c_str());
    return 2;
  }
  if (options->show_help) {
    std::fputs(
        chat::pool::PoolHelpText("usage: chat-pool --socket PATH [options] -- PROGRAM [ARGS...]")
            .c_str(),
        stdout);
    return 0;
  }
  chat::pool::Supervisor supervisor(std::move(*options));
  return supervisor.Run();
}
