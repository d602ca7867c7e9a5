// The process-wide "please stop" flag set by SIGTERM/SIGINT: the one piece of
// global state POSIX signal handling forces on us, kept here and nowhere else.
#pragma once

namespace chat::web {

// While alive, SIGTERM and SIGINT set the stop flag: the handlers are
// installed without SA_RESTART (a blocking accept() returns EINTR and the
// worker can exit), and SIGPIPE is ignored, so a write to a closed peer fails
// with EPIPE instead of killing the process. Must be created before
// FCGX_Init(): libfcgi only installs its own SIGTERM handler when the
// disposition is still the default. One per process; the destructor blocks
// both signals (the process is about to end) and closes the self-pipe.
class StopHandlers {
 public:
  StopHandlers();
  ~StopHandlers();
  StopHandlers(const StopHandlers&) = delete;
  StopHandlers& operator=(const StopHandlers&) = delete;
};

// True once SIGTERM or SIGINT arrived.
bool StopRequested();

// A descriptor that becomes readable (and stays so) once SIGTERM or SIGINT
// arrived, for a thread that waits in poll(): the signal may be delivered to
// any thread, so a flag alone would not wake it. -1 before
// StopHandlers exist.
int StopSignalFd();

// Marks whether the worker is between requests. libfcgi retries accept()
// after EINTR, so a worker waiting for a request would never see the stop
// signal; an idle worker has nothing to finish, so the handler ends it at
// once (_exit), while a busy one finishes its request first.
void SetIdle(bool idle);

}  // namespace chat::web
