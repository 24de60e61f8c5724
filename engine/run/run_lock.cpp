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

// The whole file as one lock of `type` (F_WRLCK, F_RDLCK), for F_OFD_SETLK or F_OFD_GETLK.
struct flock whole_file(short type) {
  struct flock l {};
  l.l_type = type;
  l.l_whence = SEEK_SET;  // l_start = l_len = 0: from the start to the end, however it grows
  return l;
}

// Takes the exclusive lock without waiting. False with errno EWOULDBLOCK when another holds it.
bool lock_whole(int fd) {
  struct flock l = whole_file(F_WRLCK);
  if (::fcntl(fd, F_OFD_SETLK, &l) == 0) return true;
  if (errno == EACCES || errno == EAGAIN) errno = EWOULDBLOCK;
  return false;
}

}  // namespace

Result<RunLock::Probe> RunLock::probe(const std::string& snapshot) {
  const std::string path = path_for(snapshot);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Probe{};
    return fail(Error::Kind::kIo, path, fmt::format("cannot open the job's lock file: {}", std::strerror(errno)));
  }
  Probe probe;
  struct flock l = whole_file(F_WRLCK);  // what would stand in a run's way
  if (::fcntl(fd, F_OFD_GETLK, &l) != 0) {
    const int e = errno;
    ::close(fd);
    return fail(Error::Kind::kIo, path, fmt::format("cannot test the job's lock file: {}", std::strerror(e)));
  }
  if (l.l_type == F_UNLCK) {
    ::close(fd);
    return probe;
  }
  probe.held = true;
  probe.holder = read_holder(fd);
  probe.since = holder_since(probe.holder);
  if (probe.holder.empty()) probe.holder = "a run that has just started";
  ::close(fd);
  return probe;
}

Result<RunLock> RunLock::try_acquire(const std::string& snapshot, std::int64_t now) {
  std::string path = path_for(snapshot);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(Error::Kind::kIo, path, fmt::format("cannot open the job's lock file: {}", std::strerror(errno)));
  (void)::fchmod(fd, 0600);  // whatever the umask was when it was created
  if (!lock_whole(fd)) {
    const int e = errno;
    if (e == EWOULDBLOCK) {
      std::string holder = read_holder(fd);
      ::close(fd);
      return RunLock(-1, std::move(path), false, holder.empty() ? "a run that has just started" : std::move(holder));
    }
    ::close(fd);
    return fail(Error::Kind::kIo, path, fmt::format("cannot lock the job's lock file: {}", std::strerror(e)));
  }
  const std::string text = fmt::format("pid {} on {}, started {}\n", ::getpid(), host_name(), utc_time(now));
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    const int e = errno;
    ::close(fd);
    return fail(Error::Kind::kIo, path, fmt::format("cannot write the job's lock file: {}", std::strerror(e)));
  }
  return RunLock(fd, std::move(path), true, "");
}

RunLock::RunLock(RunLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      held_(std::exchange(other.held_, false)),
      holder_(std::move(other.holder_)) {}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    held_ = std::exchange(other.held_, false);
    holder_ = std::move(other.holder_);
  }
  return *this;
}

RunLock::~RunLock() { release(); }

void RunLock::release() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor of the open file drops the lock
  fd_ = -1;
  held_ = false;
}

}  // namespace hrsync
