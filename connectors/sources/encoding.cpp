#include "connectors/sources/encoding.h"

#include <fcntl.h>
#include <iconv.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "base/utf8.h"

namespace hrsync {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

// Owns one iconv descriptor.
class Iconv {
 public:
  Iconv() : cd_(::iconv_open("UTF-8", "GB18030")) {}
  ~Iconv() {
    if (ok()) ::iconv_close(cd_);
  }
  Iconv(const Iconv&) = delete;
  Iconv& operator=(const Iconv&) = delete;
  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

// Owns one file descriptor.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int release() { return std::exchange(fd, -1); }
};

ssize_t read_some(int fd, char* buf, std::size_t n) {
  for (;;) {
    const ssize_t got = ::read(fd, buf, n);
    if (got >= 0 || errno != EINTR) return got;
  }
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t put = ::write(fd, p, n);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    p += put;
    n -= static_cast<std::size_t>(put);
  }
  return true;
}

std::unexpected<Error> io_error(const std::string& path, std::string_view what, int err) {
  return fail(Error::Kind::kIo, path, fmt::format("{}: {}", what, std::strerror(err)));
}

// How many lines of `text` are not empty, and how many of those are not UTF-8.
struct LineCounts {
  std::size_t lines = 0;
  std::size_t invalid = 0;
};

LineCounts count_lines(std::string_view text) {
  LineCounts c;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    if (!line.empty() && line != "\r") ++c.lines;
    if (!is_valid_utf8(line)) ++c.invalid;
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return c;
}

// True iff `text` decodes as GB18030 (a sequence cut at the end is allowed).
bool decodes_as_gb18030(std::string_view text) {
  Iconv cv;
  if (!cv.ok()) return false;
  std::array<char, kChunk> out;
  char* in = const_cast<char*>(text.data());
  std::size_t in_left = text.size();
  while (in_left > 0) {
    char* o = out.data();
    std::size_t o_left = out.size();
    if (::iconv(cv.get(), &in, &in_left, &o, &o_left) != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) continue;
    return errno == EINVAL;  // EINVAL: a sequence cut at the end of the sample
  }
  return true;
}

int open_temporary() {
  const char* dir = std::getenv("TMPDIR");
  for (const char* d : {dir, "/tmp"}) {
    if (d == nullptr || *d == '\0') continue;
    const int fd = ::open(d, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
  }
  return -1;
}

}  // namespace

bool known_csv_encoding(std::string_view encoding) { return encoding == "utf-8" || encoding == "gb18030"; }

Result<int> gb18030_to_utf8_file(const std::string& path) {
  Fd src(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (src.fd < 0) return io_error(path, "cannot open the file", errno);
  Fd dst(open_temporary());
  if (dst.fd < 0) return io_error(path, "cannot create a temporary file for its UTF-8 text", errno);
  Iconv cv;
  if (!cv.ok()) return io_error(path, "iconv cannot convert GB18030 to UTF-8", errno);
  std::string in(kChunk + 4, '\0');  // + the tail of a sequence cut by the previous read
  std::string out(kChunk * 2, '\0');
  std::size_t kept = 0;     // bytes of a cut sequence carried to the next read
  std::uint64_t line = 1;   // line of the first byte of `in`
  for (;;) {
    const ssize_t got = read_some(src.fd, in.data() + kept, kChunk);
    if (got < 0) return io_error(path, "cannot read the file", errno);
    std::size_t left = kept + static_cast<std::size_t>(got);
    if (left == 0) break;
    char* p = in.data();
    while (left > 0) {
      char* o = out.data();
      std::size_t o_left = out.size();
      char* const before = p;
      const std::size_t r = ::iconv(cv.get(), &p, &left, &o, &o_left);
      const int err = errno;
      for (const char* q = before; q < p; ++q) line += *q == '\n' ? 1 : 0;
      if (!write_all(dst.fd, out.data(), out.size() - o_left)) return io_error(path, "cannot write the temporary file", errno);
      if (r != static_cast<std::size_t>(-1) || err == E2BIG) continue;
      if (err == EINVAL && got > 0) break;  // a sequence cut by the read: carry it over
      return fail(Error::Kind::kInput, fmt::format("{}:{}", path, line),
                  fmt::format("byte 0x{:02X} is not GB18030 (sources.*.encoding = \"gb18030\")",
                              static_cast<unsigned char>(*p)));
    }
    if (got == 0 && left == 0) break;
    std::memmove(in.data(), p, left);
    kept = left;
    if (got == 0) break;
  }
  if (::lseek(dst.fd, 0, SEEK_SET) < 0) return io_error(path, "cannot rewind the temporary file", errno);
  return dst.release();
}

Result<void> check_not_gb18030(const std::string& path) {
  Fd src(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (src.fd < 0) return {};
  std::string sample(kChunk, '\0');
  std::size_t have = 0;
  while (have < sample.size()) {
    const ssize_t got = read_some(src.fd, sample.data() + have, sample.size() - have);
    if (got <= 0) break;
    have += static_cast<std::size_t>(got);
  }
  sample.resize(have);
  if (have == kChunk) {
    const std::size_t last = sample.rfind('\n');  // whole lines only
    if (last != std::string::npos) sample.resize(last + 1);
  }
  const LineCounts c = count_lines(sample);
  // Most lines, not a stray byte or two: those are the rows' problems, reported with their lines.
  if (c.invalid * 2 <= c.lines || !decodes_as_gb18030(sample)) return {};
  return fail(Error::Kind::kInput, path,
              fmt::format("the file is not UTF-8: in its first {} bytes, {} of the {} lines are not UTF-8, and "
                          "they read as GB18030 (GBK), as Excel saves CSV in a Chinese locale. Set "
                          "encoding = \"gb18030\" in the job's [sources.NAME] table of this file",
                          sample.size(),
                          c.invalid, c.lines));
}

}  // namespace hrsync
