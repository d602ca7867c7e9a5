#include "common/unix_listener.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace common {
namespace {

std::string Failure(const char* what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

}  // namespace

std::expected<common::UniqueFd, std::string> ListenUnix(
    const std::string& path, int backlog, const std::optional<UnixSocketAccess>& access) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return std::unexpected("socket path too long: " + path);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  common::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return std::unexpected(Failure("cannot create a socket for", path));
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
  // With `access`: no permissions at all until the chmod below.
  const mode_t old_umask = access ? umask(0777) : 0;
  const int bound = bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (access) umask(old_umask);
  if (bound != 0 || listen(fd.get(), backlog) != 0)
    return std::unexpected(Failure("cannot listen on", path));
  if (!access) return fd;
  if (!access->group.empty()) {
    const group* g = getgrnam(access->group.c_str());
    if (!g || chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
      unlink(path.c_str());
      return std::unexpected("cannot give " + path + " to group " + access->group);
    }
  }
  if (chmod(path.c_str(), access->mode) != 0) {
    std::string error = Failure("cannot chmod", path);
    unlink(path.c_str());
    return std::unexpected(error);
  }
  return fd;
}

}  // namespace common
