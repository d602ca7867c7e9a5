// chat-load: the benchmark's load client. Parses the options, runs one load
// and prints its JSON summary on stdout (errors on stderr, exit 2).
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "bench/load_options.h"
#include "bench/load_run.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = bench::ParseLoadOptions(args);
  if (!options) {
    bool help = options.error().rfind("usage:", 0) == 0;
    std::fputs(options.error().c_str(), help ? stdout : stderr);
    return help ? 0 : 2;
  }
  if (options->run_tag.empty()) {
    options->run_tag = std::to_string(::getpid()) + "-" +
                       std::to_string(static_cast<long long>(std::time(nullptr)));
  }
  auto summary = bench::RunLoad(*options);
  if (!summary) {
    std::fprintf(stderr, "chat-load: %s\n", summary.error().c_str());
    return 2;
  }
  std::puts(summary->c_str());
  return 0;
}
