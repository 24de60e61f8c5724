#include "engine/run/private_files.h"

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

namespace {

// A file or folder opened without following a link and without blocking on a FIFO, checked to be
// the very entry lstat saw, and ours: a regular file or a folder owned by the user hrsync runs as.
// Closes on destruction.
class OwnEntry {
 public:
  explicit OwnEntry(const std::string& path) {
    struct stat seen {};
    // lstat first: a device, a FIFO or a socket is never opened (opening some devices acts).
    if (::lstat(path.c_str(), &seen) != 0 || !(S_ISREG(seen.st_mode) || S_ISDIR(seen.st_mode))) return;
    if (seen.st_uid != ::geteuid()) return;
    fd_ = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0) return;
    // The entry may have been swapped between lstat and open: it must be the same one.
    if (::fstat(fd_, &st_) != 0 || st_.st_dev != seen.st_dev || st_.st_ino != seen.st_ino) close_now();
  }
  ~OwnEntry() { close_now(); }
  OwnEntry(const OwnEntry&) = delete;
  OwnEntry& operator=(const OwnEntry&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool is_file() const { return ok() && S_ISREG(st_.st_mode); }
  bool is_dir() const { return ok() && S_ISDIR(st_.st_mode); }
  int fd() const { return fd_; }
  const struct stat& st() const { return st_; }

 private:
  void close_now() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
  struct stat st_ {};
};

// Makes the entry the owner's only (0600 for a file, 0700 for a folder) when group or others have
// any access, through its descriptor, and returns a warning naming `path` and both modes.
std::optional<std::string> make_owner_only(const OwnEntry& entry, const std::string& path) {
  const mode_t mode = entry.st().st_mode & 07777;
  if ((mode & 077) == 0) return std::nullopt;
  const mode_t owner_only = entry.is_dir() ? 0700 : 0600;
  if (::fchmod(entry.fd(), owner_only) != 0) {
    return fmt::format("{} can be read by others (mode {:04o}) and could not be made private: {}", path, mode,
                       std::strerror(errno));
  }
  return fmt::format("{} could be read by others (mode {:04o}); it is now {:04o}", path, mode, owner_only);
}

// True when the file is empty (a snapshot about to be made: SQLite takes an empty file as an empty
// database) or an SQLite database whose header carries a schema version (PRAGMA user_version, a
// big-endian word at offset 60), which hrsync's schema sets on its first step.
bool is_snapshot_file(const OwnEntry& file) {
  if (!file.is_file()) return false;
  if (file.st().st_size == 0) return true;
  unsigned char header[64] = {};
  if (::pread(file.fd(), header, sizeof header, 0) != static_cast<ssize_t>(sizeof header)) return false;
  static constexpr char kMagic[] = "SQLite format 3";  // with its NUL: 16 bytes
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0) return false;
  return (header[60] | header[61] | header[62] | header[63]) != 0;
}

// True when every entry of the folder is a report hrsync writes (run-N.json).
bool holds_only_reports(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!(name.starts_with("run-") && name.ends_with(".json"))) return false;
  }
  return !ec;
}

}  // namespace

std::vector<std::string> tighten_snapshot_files(const std::string& snapshot) {
  std::vector<std::string> warnings;
  const OwnEntry main(snapshot);
  if (!is_snapshot_file(main)) return warnings;
  if (auto warning = make_owner_only(main, snapshot)) warnings.push_back(std::move(*warning));
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string path = snapshot + suffix;
    const OwnEntry side(path);
    if (!side.is_file()) continue;
    if (auto warning = make_owner_only(side, path)) warnings.push_back(std::move(*warning));
  }
  return warnings;
}

std::optional<std::string> tighten_report_folder(const std::string& dir) {
  const OwnEntry folder(dir);
  if (!folder.is_dir() || (folder.st().st_mode & 077) == 0) return std::nullopt;
  if (!holds_only_reports(dir)) {
    return fmt::format("the report folder {} can be read by others (mode {:04o}) and holds files hrsync did not "
                       "write, so it keeps its mode; give hrsync a folder of its own",
                       dir, folder.st().st_mode & 07777);
  }
  return make_owner_only(folder, dir);
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
