#include "chat/web/process_signals.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <utility>

namespace chat::web {
namespace {

volatile std::sig_atomic_t g_stop_requested = 0;
volatile std::sig_atomic_t g_idle = 0;
// The self-pipe behind StopSignalFd(): read end, write end.
int g_stop_pipe[2] = {-1, -1};

extern "C" void OnStopSignal(int) {
  g_stop_requested = 1;
  if (g_idle) _exit(0);  // async-signal-safe; nothing is in flight
  // Also async-signal-safe; the byte is never read, so the pipe stays
  // readable. A full pipe (impossible after one byte) would just not block.
  if (g_stop_pipe[1] >= 0) (void)!write(g_stop_pipe[1], "s", 1);
}

}  // namespace

StopHandlers::StopHandlers() {
  if (g_stop_pipe[0] < 0 && pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    g_stop_pipe[0] = g_stop_pipe[1] = -1;  // StopRequested() still works
  }
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

StopHandlers::~StopHandlers() {
  // Blocked here and the write end forgotten before closing, so a handler
  // (on this thread or another) does not write to a descriptor being closed.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  const int read_end = std::exchange(g_stop_pipe[0], -1);
  const int write_end = std::exchange(g_stop_pipe[1], -1);
  if (write_end >= 0) close(write_end);
  if (read_end >= 0) close(read_end);
}

bool StopRequested() { return g_stop_requested != 0; }

int StopSignalFd() { return g_stop_pipe[0]; }

void SetIdle(bool idle) { g_idle = idle ? 1 : 0; }

}  // namespace chat::web
