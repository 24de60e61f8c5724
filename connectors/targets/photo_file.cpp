#include "connectors/targets/photo_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

#include <cerrno>
#include <system_error>

namespace hrsync {
namespace {

constexpr std::size_t kChunk = 16 * 1024;  // bytes per read()

std::unexpected<Error> io_error(const std::string& path, std::string_view what, int err) {
  return fail(Error::Kind::kIo, path, std::string(what) + ": " + std::generic_category().message(err));
}

// Owns one file descriptor.
class File {
 public:
  explicit File(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  int fd() const { return fd_; }

  // Reads up to `n` bytes; the count, 0 at the end, or -1 with errno set.
  ssize_t read(char* buf, std::size_t n) const {
    for (;;) {
      const ssize_t got = ::read(fd_, buf, n);
      if (got >= 0 || errno != EINTR) return got;
    }
  }

 private:
  int fd_;
};

}  // namespace

std::string resolve_photo_path(std::string_view path, std::string_view base) {
  if (base.empty() || (!path.empty() && path.front() == '/')) return std::string(path);
  std::string out(base);
  if (out.back() != '/') out.push_back('/');
  out.append(path);
  return out;
}

Result<std::uint64_t> hash_file(const std::string& path) {
  File file(path);
  if (file.fd() < 0) return io_error(path, "cannot open the photo", errno);
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  char buf[kChunk];
  std::size_t total = 0;
  for (;;) {
    const ssize_t got = file.read(buf, sizeof buf);
    if (got < 0) return io_error(path, "cannot read the photo", errno);
    if (got == 0) break;
    XXH3_64bits_update(&state, buf, static_cast<std::size_t>(got));
    total += static_cast<std::size_t>(got);
  }
  if (total == 0) return fail(Error::Kind::kIo, path, "the photo file is empty");
  return XXH3_64bits_digest(&state);
}

Result<std::string> read_whole_file(const std::string& path) {
  File file(path);
  if (file.fd() < 0) return io_error(path, "cannot open the photo", errno);
  std::string out;
  struct stat st {};
  if (::fstat(file.fd(), &st) == 0 && st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size) + 1);
  for (;;) {
    const std::size_t old = out.size();
    out.resize(old + kChunk);
    const ssize_t got = file.read(out.data() + old, kChunk);
    if (got < 0) return io_error(path, "cannot read the photo", errno);
    out.resize(old + static_cast<std::size_t>(got));
    if (got == 0) return out;
  }
}

HashText hash_text(std::uint64_t hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  HashText t;
  const char prefix[] = "xxh3:";
  for (int i = 0; i < 5; ++i) t.data[i] = prefix[i];
  for (int i = 0; i < 16; ++i) t.data[5 + i] = kHex[(hash >> (60 - 4 * i)) & 0xf];
  return t;
}

}  // namespace hrsync
