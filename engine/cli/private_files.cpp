#include "engine/cli/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

namespace hrsync {

namespace fs = std::filesystem;

Result<void> create_private_dirs(const std::string& dir) {
  if (dir.empty()) return {};
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path p = fs::path(dir).lexically_normal(); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return fail(Error::Kind::kIo, it->string(), fmt::format("cannot create the folder: {}", std::strerror(errno)));
    }
    (void)::chmod(it->c_str(), 0700);  // mkdir's mode passes through the umask
  }
  return {};
}

std::optional<std::string> tighten(const std::string& path) {
  struct stat st {};
  // Only a regular file or a folder, never through a link: a device, a FIFO or a socket named as
  // the snapshot (`snapshot = "/dev/full"`) is the host's, not the job's, and keeps its mode.
  if (::lstat(path.c_str(), &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) return std::nullopt;
  const mode_t mode = st.st_mode & 07777;
  if ((mode & 077) == 0) return std::nullopt;
  const mode_t owner_only = S_ISDIR(st.st_mode) ? 0700 : 0600;
  if (::chmod(path.c_str(), owner_only) != 0) {
    return fmt::format("{} can be read by others (mode {:04o}) and could not be made private: {}", path, mode,
                       std::strerror(errno));
  }
  return fmt::format("{} could be read by others (mode {:04o}); it is now {:04o}", path, mode, owner_only);
}

std::optional<std::string> loose_secret_file(const std::string& path, std::string_view key) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return std::nullopt;
  const mode_t mode = st.st_mode & 07777;
  if ((mode & 044) == 0) return std::nullopt;
  return fmt::format("the secret file {} ({}) can be read by {} (mode {:04o}); make it the service user's alone: "
                     "chmod 600 {}",
                     path, key, (mode & 004) ? "every user" : "its group", mode, path);
}

Result<void> write_private_file(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(Error::Kind::kIo, path, fmt::format("cannot write the file: {}", std::strerror(errno)));
  bool ok = ::fchmod(fd, 0600) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  const std::string why = ok ? std::string() : std::strerror(errno);
  ok = ::close(fd) == 0 && ok;
  if (ok) return {};
  ::unlink(path.c_str());  // no truncated file
  return fail(Error::Kind::kIo, path, fmt::format("cannot write the file: {}", why.empty() ? std::strerror(errno) : why));
}

}  // namespace hrsync
