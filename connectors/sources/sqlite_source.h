// The SQLite source: HR records from a query on an SQLite database.
//
// open_sqlite_source opens the database read-only, prepares the query (one read-only statement)
// and maps its result columns by name (column_map.h: renames, required columns), all before the
// first row: a missing file, a file that is not a database, a query SQLite refuses (its message
// is quoted) or a missing required column fail the open. Rows are then stepped one at a time,
// so memory does not grow with the result. A read waits up to 10 s for a writer's lock.
//
// Values become record text by the rules of db_value.h: integers in decimal, whole REALs as
// integers, NULL as "", TEXT as is (after a UTF-8 check), and in a time column (declared DATE,
// DATETIME or TIMESTAMP..., or feeding join_time / face_key_update_time) Unix seconds. SQLite has
// no booleans: 0/1 stay "0"/"1", 'true'/'false' stay text. A row with invalid UTF-8 text, a BLOB,
// a time that does not parse or an empty key goes to rejections() as
// {("sqlite PATH", row N), key if readable, reason}; N counts result rows from 1. Record::origin is
// ("sqlite PATH", row N) as well, printed "sqlite PATH row N".
//
// The statement reads one consistent state of the database (SQLite's read transaction). The file
// is stamped (file_stamp.h) when the first row is stepped and again after the last: a database
// file replaced, rewritten or checkpointed into while it was read fails the read with
// Error::Kind::kSourceRead; an error stepping a row ends it with kDatabase.
//
// Thread-safety: a source is used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "connectors/sources/record_source.h"
#include "base/error.h"

namespace hrsync {

// Errors: kIo (no such file), kDatabase (not a database, query refused, not a single read-only
// statement), kInput (missing or duplicate column), kConfig (contradictory renames).
Result<std::unique_ptr<RecordSource>> open_sqlite_source(const std::string& db_path, const std::string& query,
                                                         const SourceOptions& options);

}  // namespace hrsync
