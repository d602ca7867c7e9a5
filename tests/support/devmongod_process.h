// A devmongod server for integration tests: started as a child process on a
// free port (`--port 0`), or, when the environment sets MONGODB_URI, a
// reference to that external server (a real mongod) instead.
//
// Start() returns once devmongod printed its ready line (10 s timeout). The
// destructor always kills a running child, so a failing test never leaks a
// server. Tests that need devmongod-only features (restart, dbpath, its
// options) check external() and GTEST_SKIP.
// The child is killed if the thread that started it exits (PR_SET_PDEATHSIG),
// so a test binary killed by a ctest timeout leaves no server behind.
// Thread-safety: one owner thread, which must outlive the server; host(),
// port() and Uri() may be read from any thread while no Stop/Kill/Restart runs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace test_support {

// What a finished child process left behind.
struct ProcessResult {
  int exit_code = -1;  // -1 if killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs devmongod with `args` to completion (killing it after `timeout_ms`),
// capturing stdout and stderr: for --help and start-up failure tests.
std::expected<ProcessResult, std::string> RunDevMongodToCompletion(
    const std::vector<std::string>& args, int timeout_ms = 20000);

// The devmongod binary under test (DEVMONGOD_PATH compile definition).
std::string DevMongodPath();

class DevMongod {
 public:
  static constexpr int kReadyTimeoutMs = 10000;
  static constexpr int kStopGraceMs = 5000;

  // Starts `devmongod --port 0 <extra_args>` unless MONGODB_URI is set.
  static std::expected<std::unique_ptr<DevMongod>, std::string> Start(
      std::vector<std::string> extra_args = {});

  DevMongod(const DevMongod&) = delete;
  DevMongod& operator=(const DevMongod&) = delete;
  ~DevMongod();

  bool external() const { return external_; }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  std::string HostPort() const;
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // mongodb://127.0.0.1:PORT/?replicaSet=rs0 plus "&" + `extra_params` if given.
  std::string Uri(std::string_view extra_params = "") const;

  // SIGTERM, wait (SIGKILL after 5 s). Returns the exit status.
  std::expected<int, std::string> Stop();
  // SIGKILL and reap.
  void Kill();
  // Sends `signal` and waits up to `timeout_ms` for the exit; returns the
  // exit status (an error if it did not exit or died of a signal).
  std::expected<int, std::string> SignalAndWait(int signal, int timeout_ms = kStopGraceMs);
  // Starts again with the same arguments on the same port (and dbpath).
  std::expected<void, std::string> Restart();

 private:
  DevMongod() = default;
  std::expected<void, std::string> Spawn(uint16_t port);

  bool external_ = false;
  std::string external_uri_;
  std::vector<std::string> extra_args_;
  std::string host_ = "127.0.0.1";
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace test_support
