#include "engine/run/run_lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <time.h>

#include <fmt/format.h>

#include "engine/run/utc_time.h"

namespace hrsync {
namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown host";
  return name;
}

// What the holder wrote, as one line ("" when it has not written yet).
std::string read_holder(int fd) {
  std::string text(512, '\0');
  const ssize_t n = ::pread(fd, text.data(), text.size(), 0);
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

// The start time in a holder's line ("pid 1 on h, started 2026-11-30 02:30:00 UTC"), if it has one.
std::optional<std::int64_t> holder_since(const std::string& holder) {
  const auto at = holder.rfind(", started ");
  if (at == std::string::npos) return std::nullopt;
  std::tm tm{};
  const char* end = ::strptime(holder.c_str() + at + 10, "%Y-%m-%d %H:%M:%S UTC", &tm);
  if (end == nullptr) return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&tm));
}

// The byte of the snapshot a run locks: far past SQLite's lock bytes (at 1 GiB) and past the end
// of any file, so it neither meets SQLite's locks nor covers data.
constexpr off_t kSnapshotByte = off_t{1} << 62;

// How many times a file removed or replaced between its open and its lock is opened again.
constexpr int kAttempts = 5;

// The whole file as one lock of `type` (F_WRLCK, F_RDLCK), for F_OFD_SETLK or F_OFD_GETLK.
struct flock whole_file(short type) {
  struct flock l {};
  l.l_type = type;
  l.l_whence = SEEK_SET;  // l_start = l_len = 0: from the start to the end, however it grows
  return l;
}

// The run's byte of the snapshot as one lock of `type`.
struct flock snapshot_byte(short type) {
  struct flock l {};
  l.l_type = type;
  l.l_whence = SEEK_SET;
  l.l_start = kSnapshotByte;
  l.l_len = 1;
  return l;
}

// Takes `l` without waiting. False with errno EWOULDBLOCK when another holds it.
bool take(int fd, struct flock l) {
  if (::fcntl(fd, F_OFD_SETLK, &l) == 0) return true;
  if (errno == EACCES || errno == EAGAIN) errno = EWOULDBLOCK;
  return false;
}

// Whether an open file description other than `fd`'s holds a lock that would stand in `l`'s way.
// An error value (errno) when it cannot be tested.
Result<bool> held_by_other(int fd, struct flock l, const std::string& path) {
  if (::fcntl(fd, F_OFD_GETLK, &l) != 0) {
    return fail(Error::Kind::kIo, path, fmt::format("cannot test the job's lock: {}", std::strerror(errno)));
  }
  return l.l_type != F_UNLCK;
}

// True iff `fd` is the file now at `path` (the link itself when `follow` is false): the same
// device and inode. False when the path was removed or now names another file.
bool still_at_path(int fd, const std::string& path, bool follow) {
  struct stat locked {};
  struct stat named {};
  if (::fstat(fd, &locked) != 0) return false;
  if ((follow ? ::stat(path.c_str(), &named) : ::lstat(path.c_str(), &named)) != 0) return false;
  return locked.st_dev == named.st_dev && locked.st_ino == named.st_ino;
}

// The snapshot opened for its lock: created empty when missing (unless not `create`); -1 when it
// exists but cannot be written (a read-only file: the run cannot record, and only the lock file is
// taken), or is missing and not to be created.
Result<int> open_snapshot(const std::string& snapshot, bool create) {
  const auto not_a_file = [&] {
    return fail(Error::Kind::kIo, snapshot, "the snapshot is not a regular file; job.snapshot must name a database file");
  };
  // Looked at before it is opened: opening a device may act on it.
  struct stat before {};
  if (::stat(snapshot.c_str(), &before) == 0 && !S_ISREG(before.st_mode)) return not_a_file();
  const int fd = ::open(snapshot.c_str(), O_RDWR | (create ? O_CREAT : 0) | O_CLOEXEC | O_NONBLOCK, 0600);
  if (fd < 0) {
    if (errno == EACCES || errno == EROFS || (!create && errno == ENOENT)) return -1;
    return fail(Error::Kind::kIo, snapshot, fmt::format("cannot open the snapshot to lock it: {}", std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return not_a_file();
  }
  return fd;
}

// What a second run says of a holder that locks the snapshot but not the lock file it finds.
std::string unnamed_holder(const std::string& snapshot) {
  return fmt::format("a process that holds the snapshot {} locked; the lock file was removed or replaced while it ran",
                     snapshot);
}

}  // namespace

Result<RunLock::Probe> RunLock::probe(const std::string& snapshot) {
  const std::string path = path_for(snapshot);
  Probe probe;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno != ENOENT) {
    return fail(Error::Kind::kIo, path, fmt::format("cannot open the job's lock file: {}", std::strerror(errno)));
  }
  if (fd >= 0) {
    auto held = held_by_other(fd, whole_file(F_WRLCK), path);  // what would stand in a run's way
    if (held && *held) probe.holder = read_holder(fd);
    ::close(fd);
    if (!held) return std::unexpected(held.error());
    probe.held = *held;
  }
  // The lock file may have been removed (or replaced) under a live run: its snapshot says.
  if (!probe.held) {
    const int snap = ::open(snapshot.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (snap >= 0) {
      auto held = held_by_other(snap, snapshot_byte(F_WRLCK), snapshot);
      ::close(snap);
      if (!held) return std::unexpected(held.error());
      if (*held) {
        probe.held = true;
        probe.holder = unnamed_holder(snapshot);
      }
    }
  }
  if (!probe.held) return probe;
  probe.since = holder_since(probe.holder);
  if (probe.holder.empty()) probe.holder = "a run that has just started";
  return probe;
}

Result<RunLock> RunLock::try_acquire(const std::string& snapshot, std::int64_t now, bool create_snapshot) {
  std::string path = path_for(snapshot);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return fail(Error::Kind::kIo, path, fmt::format("cannot open the job's lock file: {}", std::strerror(errno)));
    (void)::fchmod(fd, 0600);  // whatever the umask was when it was created
    if (!take(fd, whole_file(F_WRLCK))) {
      const int e = errno;
      if (e == EWOULDBLOCK) {
        std::string holder = read_holder(fd);
        ::close(fd);
        return RunLock(-1, -1, std::move(path), false, holder.empty() ? "a run that has just started" : std::move(holder));
      }
      ::close(fd);
      return fail(Error::Kind::kIo, path, fmt::format("cannot lock the job's lock file: {}", std::strerror(e)));
    }
    if (!still_at_path(fd, path, /*follow=*/false)) {  // removed or replaced since it was opened
      ::close(fd);
      continue;
    }
    auto snap = open_snapshot(snapshot, create_snapshot);
    if (!snap) {
      ::close(fd);
      return std::unexpected(snap.error());
    }
    if (*snap >= 0 && !take(*snap, snapshot_byte(F_WRLCK))) {
      const int e = errno;
      ::close(*snap);
      ::close(fd);
      if (e == EWOULDBLOCK) return RunLock(-1, -1, std::move(path), false, unnamed_holder(snapshot));
      return fail(Error::Kind::kIo, snapshot, fmt::format("cannot lock the snapshot: {}", std::strerror(e)));
    }
    if (*snap >= 0 && !still_at_path(*snap, snapshot, /*follow=*/true)) {
      ::close(*snap);
      ::close(fd);
      continue;
    }
    const std::string text = fmt::format("pid {} on {}, started {}\n", ::getpid(), host_name(), utc_time(now));
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
      const int e = errno;
      if (*snap >= 0) ::close(*snap);
      ::close(fd);
      return fail(Error::Kind::kIo, path, fmt::format("cannot write the job's lock file: {}", std::strerror(e)));
    }
    return RunLock(fd, *snap, std::move(path), true, "");
  }
  return fail(Error::Kind::kIo, path,
              fmt::format("the lock file or the snapshot was removed or replaced each of the {} times it was locked; "
                          "nothing was sent (is something cleaning the snapshot's folder?)",
                          kAttempts));
}

RunLock::RunLock(RunLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      snapshot_fd_(std::exchange(other.snapshot_fd_, -1)),
      path_(std::move(other.path_)),
      held_(std::exchange(other.held_, false)),
      holder_(std::move(other.holder_)) {}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    snapshot_fd_ = std::exchange(other.snapshot_fd_, -1);
    path_ = std::move(other.path_);
    held_ = std::exchange(other.held_, false);
    holder_ = std::move(other.holder_);
  }
  return *this;
}

RunLock::~RunLock() { release(); }

void RunLock::release() {
  // Closing the last descriptor of an open file description drops its lock.
  if (snapshot_fd_ >= 0) ::close(snapshot_fd_);
  if (fd_ >= 0) ::close(fd_);
  snapshot_fd_ = -1;
  fd_ = -1;
  held_ = false;
}

}  // namespace hrsync
