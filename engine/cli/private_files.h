// Private files: the snapshot (names, mobiles, emails in clear), its WAL files, the reports and the
// lock file are the owner's alone (files 0600, folders 0700) whatever the umask; a secret file that
// others can read is warned about.
//
// `sync` creates its folders with create_private_dirs() and its reports with write_private_file(),
// tightens what an earlier version or a person left readable (tighten(), with a warning naming the
// path), and checks the config's secret files (loose_secret_file(), naming the file, never its
// content). The snapshot file itself is created 0600 by SnapshotStore::open, and SQLite gives its
// -wal and -shm files the database file's mode. The metrics file is not private: node_exporter
// reads it as another user, and it holds counts only (engine/run/metrics_file.h).
//
// Thread-safety: plain functions on the file system.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace hrsync {

// Creates `dir` and its missing parents; every folder it creates is 0700.
Result<void> create_private_dirs(const std::string& dir);

// When `path` is a regular file or a folder (not a link, a device, a FIFO or a socket) and its
// group or others have any access, makes it the owner's only (0600 for
// a file, 0700 for a folder) and returns a warning naming it and both modes.
std::optional<std::string> tighten(const std::string& path);

// A warning when the secret file `path` (named by config key `key`) can be read by group or others.
std::optional<std::string> loose_secret_file(const std::string& path, std::string_view key);

// Writes `text` to `path`, created or replaced with mode 0600. Removes a file it could not write
// whole (a full disk, a file size limit).
Result<void> write_private_file(const std::string& path, std::string_view text);

}  // namespace hrsync
