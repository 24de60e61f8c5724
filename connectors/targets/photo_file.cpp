#include "connectors/targets/photo_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace hrsync {
namespace {

constexpr std::size_t kChunk = 16 * 1024;  // bytes per read()

std::unexpected<Error> io_error(const std::string& path, std::string_view what, int err) {
  return fail(Error::Kind::kIo, path, std::string(what) + ": " + std::generic_category().message(err));
}

std::unexpected<Error> too_large(const std::string& path, std::uint64_t max_bytes) {
  return fail(Error::Kind::kIo, path, "the photo holds more than " + std::to_string(max_bytes) + " bytes");
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

  // Ok when the file is a regular one (not a device, a pipe or a folder) of at most `max_bytes`.
  Result<void> check(const std::string& path, std::uint64_t max_bytes) const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return io_error(path, "cannot stat the photo", errno);
    if (!S_ISREG(st.st_mode)) return fail(Error::Kind::kIo, path, "the photo is not a regular file");
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return too_large(path, max_bytes);
    return {};
  }

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

std::string_view image_format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kUnknown: break;
  }
  return "unknown";
}

Result<PhotoFacts> probe_photo(const std::string& path) {
  File file(path);
  if (file.fd() < 0) return io_error(path, "cannot open the photo", errno);
  struct stat st {};
  if (::fstat(file.fd(), &st) != 0) return io_error(path, "cannot stat the photo", errno);
  if (!S_ISREG(st.st_mode)) return fail(Error::Kind::kIo, path, "the photo is not a regular file");
  PhotoFacts facts;
  facts.size = static_cast<std::uint64_t>(st.st_size);
  unsigned char head[8] = {};
  std::size_t got = 0;
  while (got < sizeof head) {
    const ssize_t n = file.read(reinterpret_cast<char*>(head) + got, sizeof head - got);
    if (n < 0) return io_error(path, "cannot read the photo", errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  static constexpr unsigned char kPng[8] = {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A};
  if (got >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) {
    facts.format = ImageFormat::kJpeg;
  } else if (got == sizeof head && std::equal(head, head + sizeof head, kPng)) {
    facts.format = ImageFormat::kPng;
  }
  return facts;
}

Result<std::uint64_t> hash_file(const std::string& path, std::uint64_t max_bytes) {
  File file(path);
  if (file.fd() < 0) return io_error(path, "cannot open the photo", errno);
  if (auto ok = file.check(path, max_bytes); !ok) return std::unexpected(ok.error());
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
    if (total > max_bytes) return too_large(path, max_bytes);  // it grew while read
  }
  if (total == 0) return fail(Error::Kind::kIo, path, "the photo file is empty");
  return XXH3_64bits_digest(&state);
}

Result<std::string> read_whole_file(const std::string& path, std::uint64_t max_bytes) {
  File file(path);
  if (file.fd() < 0) return io_error(path, "cannot open the photo", errno);
  if (auto ok = file.check(path, max_bytes); !ok) return std::unexpected(ok.error());
  std::string out;
  struct stat st {};
  if (::fstat(file.fd(), &st) == 0 && st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size) + 1);
  for (;;) {
    const std::size_t old = out.size();
    out.resize(old + kChunk);
    const ssize_t got = file.read(out.data() + old, kChunk);
    if (got < 0) return io_error(path, "cannot read the photo", errno);
    out.resize(old + static_cast<std::size_t>(got));
    if (out.size() > max_bytes) return too_large(path, max_bytes);  // it grew while read
    if (got == 0) return out;
  }
}

std::uint64_t hash_bytes(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

HashText hash_text(std::uint64_t hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  HashText t;
  const char prefix[] = "xxh3:";
  for (int i = 0; i < 5; ++i) t.data[i] = prefix[i];
  for (int i = 0; i < 16; ++i) t.data[5 + i] = kHex[(hash >> (60 - 4 * i)) & 0xf];
  return t;
}

std::expected<std::uint64_t, std::string> hash_usable_photo(const std::string& path, const PhotoRule& rule) {
  const Result<PhotoFacts> facts = probe_photo(path);
  if (!facts) return std::unexpected(facts.error().str());
  if (facts->size == 0) return std::unexpected(fmt::format("{}: the photo file is empty", path));
  if (std::find(rule.formats.begin(), rule.formats.end(), facts->format) == rule.formats.end()) {
    std::string names;
    for (ImageFormat f : rule.formats) names += fmt::format("{}{}", names.empty() ? "" : " or ", image_format_name(f));
    return std::unexpected(fmt::format("{}: not a {} image (by its first bytes)", path, names));
  }
  if (facts->size > rule.max_bytes) {
    return std::unexpected(
        fmt::format("{}: {} bytes, larger than the {} bytes {}", path, facts->size, rule.max_bytes, rule.taker));
  }
  Result<std::uint64_t> hash = hash_file(path, rule.max_bytes);
  if (!hash) return std::unexpected(hash.error().str());
  return *hash;
}

}  // namespace hrsync
