#include "connectors/sources/file_stamp.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace hrsync {
namespace {

constexpr std::string_view kAdvice = "read it again once its writer has finished; nothing was planned from it";

FileStamp stamp_of(const struct stat& st) {
  return FileStamp{st.st_dev, st.st_ino, static_cast<std::int64_t>(st.st_size), st.st_mtim};
}

double seconds_between(const timespec& a, const timespec& b) {
  return static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) / 1e9;
}

}  // namespace

Result<FileStamp> stamp_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return fail(Error::Kind::kIo, path, fmt::format("cannot read the file: {}", std::strerror(errno)));
  }
  return stamp_of(st);
}

Result<void> check_unchanged(const std::string& path, const FileStamp& before, const std::string& where) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int e = errno;
    return fail(Error::Kind::kSourceRead, where,
                fmt::format("the file was removed while it was read ({}); {}", std::strerror(e), kAdvice));
  }
  const FileStamp after = stamp_of(st);
  if (after.dev != before.dev || after.ino != before.ino) {
    return fail(Error::Kind::kSourceRead, where,
                fmt::format("the file was replaced by another while it was read (inode {} became {}); {}", before.ino,
                            after.ino, kAdvice));
  }
  if (after.size != before.size) {
    return fail(Error::Kind::kSourceRead, where,
                fmt::format("the file changed while it was read: its size went from {} to {} bytes; {}", before.size,
                            after.size, kAdvice));
  }
  if (after.mtime.tv_sec != before.mtime.tv_sec || after.mtime.tv_nsec != before.mtime.tv_nsec) {
    return fail(Error::Kind::kSourceRead, where,
                fmt::format("the file changed while it was read: it was written {:.3f} s after the read began; {}",
                            seconds_between(before.mtime, after.mtime), kAdvice));
  }
  return {};
}

}  // namespace hrsync
