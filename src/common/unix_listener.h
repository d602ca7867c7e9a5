// A listening Unix-domain stream socket at a path, as the FastCGI workers
// (--socket) and the pools use them. A stale socket file left by a previous
// run is replaced; any other file at the path is an error.
// Thread-safety: changes the process umask for the duration of the call
// when `access` is given; call it before starting threads.
#pragma once

#include <sys/types.h>

#include <expected>
#include <optional>
#include <string>

#include "common/unique_fd.h"

namespace common {

struct UnixSocketAccess {
  mode_t mode = 0660;
  std::string group;  // empty: keep the process's group
};

// Without `access` the file gets the umask's permissions. With it, the file
// is created with no permissions at all and only then given `mode` and
// `group`, so nobody can connect in between. The error is one line naming
// the path and the failing step.
std::expected<common::UniqueFd, std::string> ListenUnix(
    const std::string& path, int backlog, const std::optional<UnixSocketAccess>& access);

}  // namespace common
