#include "connectors/sources/sqlite_source.h"

#include <sqlite3.h>

#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>

#include "connectors/sources/column_map.h"
#include "connectors/sources/db_value.h"
#include "connectors/sources/file_stamp.h"
#include "base/utf8.h"

namespace hrsync {
namespace {

// How long a read waits for a writer holding the database lock (the HR system, mid-export).
constexpr int kBusyTimeoutMs = 10'000;

struct StatementDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// A result column that feeds a field.
struct MappedColumn {
  int index;
  Field field;
  bool time;
};

bool only_separators(const char* tail) {
  for (; tail != nullptr && *tail != '\0'; ++tail) {
    if (*tail != ';' && *tail != ' ' && *tail != '\t' && *tail != '\n' && *tail != '\r') return false;
  }
  return true;
}

class SqliteSource final : public RecordSource {
 public:
  SqliteSource(std::string where, std::string db_path, std::unique_ptr<SQLite::Database> db, StatementPtr stmt,
               std::vector<MappedColumn> columns, ColumnMap map, Field key)
      : where_(std::move(where)), db_path_(std::move(db_path)), db_(std::move(db)), stmt_(std::move(stmt)), columns_(std::move(columns)),
        map_(std::move(map)), key_(key) {}

  bool next(Record& out) override {
    while (!done_) {
      const int rc = sqlite3_step(stmt_.get());
      if (!stamp_ && !take_stamp()) break;
      if (rc == SQLITE_DONE) {
        // A file rewritten or replaced under the read, other than through SQLite's own locks.
        if (auto same = check_unchanged(db_path_, *stamp_, where_); !same) status_ = std::unexpected(same.error());
        break;
      }
      if (rc != SQLITE_ROW) {
        status_ = fail(Error::Kind::kDatabase, where_,
                       fmt::format("reading row {}: {}", row_ + 1, sqlite3_errmsg(db_->getHandle())));
        break;
      }
      ++row_;
      out.clear();
      std::string reason = read_row(out);
      out.origin.set(where_, row_, Origin::Unit::kRow);
      if (reason.empty()) return true;
      const bool key_readable = reason_column_ != key_;
      rejections_.push_back(Rejection{out.origin, key_readable ? std::string(out.get(key_)) : std::string(),
                                      std::move(reason)});
    }
    done_ = true;
    return false;
  }

  const Result<void>& status() const override { return status_; }
  const std::vector<Rejection>& rejections() const override { return rejections_; }
  std::string describe() const override { return where_; }

 private:
  // The database file as the read transaction, opened by the first step, found it; false (and
  // status() the error) when it cannot be taken.
  bool take_stamp() {
    auto stamp = stamp_file(db_path_);
    if (!stamp) {
      status_ = std::unexpected(stamp.error());
      return false;
    }
    stamp_ = *stamp;
    return true;
  }

  // Fills `out` from the current row (key column first); the reason the row is bad, or "".
  std::string read_row(Record& out) {
    for (const MappedColumn& c : columns_) {
      std::string reason = read_value(c, out.at(c.field));
      if (!reason.empty()) {
        reason_column_ = c.field;
        return reason;
      }
    }
    if (out.get(key_).empty()) {
      reason_column_ = key_;
      return fmt::format("empty key ({})", map_.names[static_cast<std::size_t>(columns_.front().index)]);
    }
    return {};
  }

  std::string read_value(const MappedColumn& c, std::string& dst) {
    sqlite3_stmt* s = stmt_.get();
    const std::string& name = map_.names[static_cast<std::size_t>(c.index)];
    switch (sqlite3_column_type(s, c.index)) {
      case SQLITE_NULL:
        return {};
      case SQLITE_INTEGER:
        append_integer(dst, sqlite3_column_int64(s, c.index));
        return {};
      case SQLITE_FLOAT: {
        const double v = sqlite3_column_double(s, c.index);
        if (!append_real(dst, v)) return fmt::format("column {}: {} is not a finite number", name, v);
        if (c.time && dst.find('.') != std::string::npos) {
          return fmt::format("column {}: unparseable timestamp {} (not whole seconds)", name, v);
        }
        return {};
      }
      case SQLITE_TEXT: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, c.index));
        const std::string_view value(text, static_cast<std::size_t>(sqlite3_column_bytes(s, c.index)));
        return append_text_value(dst, name, value, c.time);
      }
      default:
        return fmt::format("column {} holds a BLOB where text is expected", name);
    }
  }

  std::string where_;
  std::string db_path_;
  std::optional<FileStamp> stamp_;  // the file when the read began
  std::unique_ptr<SQLite::Database> db_;
  StatementPtr stmt_;
  std::vector<MappedColumn> columns_;
  ColumnMap map_;
  Field key_;
  std::uint64_t row_ = 0;
  bool done_ = false;
  Field reason_column_ = Field::kCount;
  Result<void> status_;
  std::vector<Rejection> rejections_;
};

Result<StatementPtr> prepare(sqlite3* db, const std::string& query, const std::string& where) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v2(db, query.c_str(), static_cast<int>(query.size()) + 1, &raw, &tail);
  StatementPtr stmt(raw);
  if (rc == SQLITE_NOTADB) return fail(Error::Kind::kDatabase, where, "the file is not an SQLite database");
  if (rc != SQLITE_OK) {
    return fail(Error::Kind::kDatabase, where, fmt::format("the query failed: {}", sqlite3_errmsg(db)));
  }
  if (!stmt) return fail(Error::Kind::kDatabase, where, "the query is empty");
  if (!only_separators(tail)) {
    return fail(Error::Kind::kDatabase, where, "the query holds more than one statement");
  }
  if (sqlite3_stmt_readonly(stmt.get()) == 0 || sqlite3_column_count(stmt.get()) == 0) {
    return fail(Error::Kind::kDatabase, where, "the query must be a SELECT that returns rows");
  }
  return stmt;
}

}  // namespace

Result<std::unique_ptr<RecordSource>> open_sqlite_source(const std::string& db_path, const std::string& query,
                                                         const SourceOptions& options) {
  const std::string where = "sqlite " + db_path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db_path, ec)) {
    return fail(Error::Kind::kIo, where, "no such database file");
  }
  std::unique_ptr<SQLite::Database> db;
  try {
    // NOMUTEX: a source is used by one thread at a time, so SQLite need not lock per call.
    db = std::make_unique<SQLite::Database>(db_path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX, kBusyTimeoutMs);
  } catch (const SQLite::Exception& e) {
    return fail(Error::Kind::kDatabase, where, fmt::format("cannot open the database: {}", e.what()));
  }
  // Reading the schema now tells a file that is not a database from a bad query.
  if (sqlite3_exec(db->getHandle(), "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) == SQLITE_NOTADB) {
    return fail(Error::Kind::kDatabase, where, "the file is not an SQLite database");
  }
  auto stmt = prepare(db->getHandle(), query, where);
  if (!stmt) return std::unexpected(stmt.error());

  const int count = sqlite3_column_count(stmt->get());
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    const char* n = sqlite3_column_name(stmt->get(), i);
    names.emplace_back(n != nullptr ? n : "");
  }
  auto map = map_columns(names, options, where);
  if (!map) return std::unexpected(map.error());

  const Field key = key_field(options.entity);
  std::vector<MappedColumn> columns;
  for (int i = 0; i < count; ++i) {
    const auto field = map->fields[static_cast<std::size_t>(i)];
    if (!field) continue;
    const char* declared = sqlite3_column_decltype(stmt->get(), i);
    MappedColumn c{i, *field, is_time_column(declared != nullptr ? declared : "", *field)};
    if (*field == key) {
      columns.insert(columns.begin(), c);
    } else {
      columns.push_back(c);
    }
  }
  return std::make_unique<SqliteSource>(where, db_path, std::move(db), std::move(*stmt), std::move(columns),
                                        std::move(*map), key);
}

}  // namespace hrsync
