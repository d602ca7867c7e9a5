// devmongod: parses options, listens, opens the engine and runs the event
// loop until SIGINT/SIGTERM. Exit status: 0 after a signal, 1 when it cannot
// start (port taken, dbpath locked), 2 for a bad command line.
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>

#include "common/cpu_policy.h"
#include "common/unique_fd.h"
#include "devmongod/engine/engine.h"
#include "devmongod/engine/log.h"
#include "devmongod/server/clock.h"
#include "devmongod/server/event_loop.h"
#include "devmongod/server/listener.h"
#include "devmongod/server/options.h"

namespace {

using devmongod::LogLevel;
using devmongod::LogLine;

int Fail(const std::string& line, int status) {
  std::fprintf(stderr, "devmongod: %s\n", line.c_str());
  return status;
}

// Thousands of parked change streams need thousands of descriptors; the hard
// limit is what the administrator allows, so take all of it.
void RaiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      LogLine(LogLevel::kWarn, std::string("setrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
    }
  }
}

// SIGINT/SIGTERM are blocked and delivered through a signalfd the loop
// watches, so no work ever happens in a signal handler.
common::UniqueFd BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return common::UniqueFd();
  return common::UniqueFd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
}

std::string ReceivedSignal(int signal_fd) {
  signalfd_siginfo info{};
  if (read(signal_fd, &info, sizeof(info)) != sizeof(info)) return "stop requested";
  return std::string("received ") + (info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = devmongod::server::ParseOptions(
      std::span<const char* const>(argv + 1, static_cast<size_t>(argc > 0 ? argc - 1 : 0)));
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
    return parsed.error().exit_code;
  }
  devmongod::server::ServerOptions options = std::move(*parsed);
  if (options.show_help) {
    std::fputs(devmongod::server::HelpText().c_str(), stdout);
    return 0;
  }

  signal(SIGPIPE, SIG_IGN);
  RaiseDescriptorLimit();
  if (auto applied = common::ApplyCpuPolicy(options.cpu_policy); !applied) {
    return Fail(applied.error(), 1);
  }
  common::UniqueFd stop_fd = BlockStopSignals();
  if (!stop_fd.valid()) return Fail(std::string("signalfd: ") + std::strerror(errno), 1);

  auto listener = devmongod::server::Listen(options.bind, options.port);
  if (!listener) return Fail(listener.error(), 1);
  std::string listening_on = listener->host_port;
  if (options.engine.advertise.empty()) options.engine.advertise = listening_on;

  auto engine = devmongod::OpenEngine(options.engine, devmongod::server::WallNowMs());
  if (!engine) return Fail(engine.error(), 1);

  devmongod::server::LoopOptions loop_options;
  loop_options.max_connections = options.max_connections;
  loop_options.quiet = options.quiet;
  auto loop = devmongod::server::EventLoop::Create(std::move(*listener), **engine, loop_options,
                                                   stop_fd.get());
  if (!loop) return Fail(loop.error(), 1);

  LogLine(LogLevel::kInfo, "starting: " + devmongod::server::DescribeOptions(options));
  // Test harnesses and scripts wait for exactly this line.
  std::printf("devmongod listening on %s\n", listening_on.c_str());
  std::fflush(stdout);

  auto ran = (*loop)->Run();
  if (!ran) {
    LogLine(LogLevel::kError, ran.error());
    return 1;
  }
  LogLine(LogLevel::kInfo, ReceivedSignal(stop_fd.get()) + "; stopped");
  return 0;
}
