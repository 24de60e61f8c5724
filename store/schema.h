// Schema: the tables of the snapshot database, as an ordered list of migrations.
//
// A database records its version in PRAGMA user_version: 0 for a new file, N once migration N
// has run. migrate() applies, in order and each in its own transaction with the version bump,
// every migration above the file's version, so a crash mid-way leaves a file at a consistent
// version. A file whose version is above the newest migration was written by a newer hrsync and
// is refused, untouched. To change the schema, append migration N+1; never edit a shipped one.
//
// Thread-safety: migrate() uses the connection it is given; BEGIN IMMEDIATE keeps two processes
// from migrating the same file at once.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/error.h"

namespace SQLite {
class Database;
}

namespace hrsync {

struct Migration {
  int version;          // the version the file has after `sql` ran: 1, 2, ...
  std::string_view sql; // statements run in one transaction
};

// hrsync's migrations, version 1 first.
std::span<const Migration> migrations();

// The version of the newest migration.
int latest_schema_version();

// The file's PRAGMA user_version.
Result<int> schema_version(SQLite::Database& db, const std::string& path);

// Brings `db` (the file at `path`, for messages) to the newest version of `steps` and returns
// it. REQUIRES: steps numbered 1, 2, ... in order. Errors are kDatabase with where = path.
Result<int> migrate(SQLite::Database& db, const std::string& path, std::span<const Migration> steps = migrations());

}  // namespace hrsync
