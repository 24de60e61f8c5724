// RecordSource: a stream of HR records from a CSV file, an SQLite database or PostgreSQL.
//
// A source is an iterator with a status (leveldb's Iterator): next() fills the caller's Record
// with the next good row and returns true, or returns false at the end of input or on a fatal
// error, after which status() tells which. A row that cannot be read as a record (wrong field
// count, invalid UTF-8, an unterminated quote, an empty key, a value of the wrong type) is not
// returned: it is appended to rejections() with where it was and why, and reading goes on.
// A source holds at most one row in memory, whatever the size of its input.
//
// Duplicate keys are caught by the planner, which sees every source the same way.
//
// Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "diff/record.h"

namespace hrsync {

// A row that a source or the planner refused, and why.
struct Rejection {
  Origin origin;       // hr/employees.csv line 17, sqlite hr.db row 17
  std::string key;     // the row's key when it could be read, else ""
  std::string reason;  // "expected 25 fields, found 24"
};

// What every source kind is told by the job config.
struct SourceOptions {
  Entity entity = Entity::kEmployees;
  // Optional renames: canonical column -> column name in the source ("name" -> "姓名").
  std::vector<std::pair<Field, std::string>> renames;
  // Columns the targets reading this source cannot do without; the key column is always required.
  // A source whose header or result lacks one of them fails to open, naming the column.
  std::vector<Field> required;
};

class RecordSource {
 public:
  virtual ~RecordSource() = default;

  // Reads the next good record into `out`, reusing its storage. Rejected rows are skipped after
  // being appended to rejections(). Returns false at the end or on a fatal error (see status()).
  virtual bool next(Record& out) = 0;

  // Ok while reading and after a clean end; the fatal error otherwise.
  virtual const Result<void>& status() const = 0;

  // Rows refused so far, in input order.
  virtual const std::vector<Rejection>& rejections() const = 0;

  // Where the records come from, for messages: "hr/employees.csv", "postgres query".
  virtual std::string describe() const = 0;
};

}  // namespace hrsync
