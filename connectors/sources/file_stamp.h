// FileStamp: what a source file was when its read began, to tell whether it changed under the read.
//
// A file source (CSV, SQLite) takes a stamp of its file before it reads the first row and another
// after the last: the file's identity (st_dev, st_ino), its size and its modification time. When
// the two differ, the file was rewritten, appended to, truncated or replaced while it was read,
// and the records read are a mix of two files or a part of one: the source fails with
// Error::Kind::kSourceRead naming the file and what changed, so nothing is planned from them.
//
// Thread-safety: plain values and functions over the file system.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>

#include "base/error.h"

namespace hrsync {

struct FileStamp {
  dev_t dev = 0;
  ino_t ino = 0;
  std::int64_t size = 0;
  timespec mtime{};
};

// The stamp of the file at `path` (links followed). kIo when it cannot be taken.
Result<FileStamp> stamp_file(const std::string& path);

// Ok when the file at `path` still is `before`; otherwise a kSourceRead error at `where` that says
// what changed (removed, replaced by another file, size, modification time).
Result<void> check_unchanged(const std::string& path, const FileStamp& before, const std::string& where);

}  // namespace hrsync
