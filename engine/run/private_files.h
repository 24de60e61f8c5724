// Private files: the snapshot (names, mobiles, emails in clear), its WAL files, the reports and the
// lock file are the owner's alone (files 0600, folders 0700) whatever the umask; a secret file that
// others can read is warned about.
//
// `sync` creates its folders with create_private_dirs() and its reports with write_private_file(),
// tightens what an earlier version or a person left readable (tighten_snapshot_files() and
// tighten_report_folder(), with a warning naming the path), and checks the config's secret files
// (loose_secret_file(), naming the file, never its content). Tightening touches only what hrsync
// made: a regular file or a folder owned by the user hrsync runs as, never through a link, never a
// device; a snapshot path naming a file that is no hrsync snapshot, or a report folder holding
// files hrsync did not write, keeps its mode. The snapshot file itself is created 0600 by SnapshotStore::open, and SQLite gives its
// -wal and -shm files the database file's mode. The metrics file is not private: node_exporter
// reads it as another user, and it holds counts only (engine/run/metrics_file.h).
//
// Thread-safety: plain functions on the file system.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace hrsync {

// Creates `dir` and its missing parents; every folder it creates is 0700.
Result<void> create_private_dirs(const std::string& dir);

// Makes the snapshot and its -wal and -shm files the owner's only (0600) where group or others have
// any access, and returns a warning for each, naming it and both modes. Only when the snapshot is
// hrsync's: a regular file (not a link, a device, a FIFO or a socket) owned by this user that is
// empty (a snapshot about to be made) or an SQLite database with a schema version; its -wal and
// -shm files only beside such a snapshot.
std::vector<std::string> tighten_snapshot_files(const std::string& snapshot);

// Makes the report folder 0700 where group or others have any access, with a warning naming it and
// both modes; only a real folder owned by this user that holds nothing but hrsync's reports
// (run-N.json). A folder holding other files keeps its mode, and the warning says why.
std::optional<std::string> tighten_report_folder(const std::string& dir);

// A warning when the secret file `path` (named by config key `key`) can be read by group or others.
std::optional<std::string> loose_secret_file(const std::string& path, std::string_view key);

// Writes `text` to `path`, created or replaced with mode 0600. Removes a file it could not write
// whole (a full disk, a file size limit).
Result<void> write_private_file(const std::string& path, std::string_view text);

}  // namespace hrsync
