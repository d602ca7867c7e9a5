#include "chat/web/process_signals.h"

#include <signal.h>
#include <unistd.h>

#include <csignal>

namespace chat::web {
namespace {

volatile std::sig_atomic_t g_stop_requested = 0;
volatile std::sig_atomic_t g_idle = 0;

extern "C" void OnStopSignal(int) {
  g_stop_requested = 1;
  if (g_idle) _exit(0);  // async-signal-safe; nothing is in flight
}

}  // namespace

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, nullptr);
}

bool StopRequested() { return g_stop_requested != 0; }

void SetIdle(bool idle) { g_idle = idle ? 1 : 0; }

}  // namespace chat::web
