#include "store/snapshot_store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/core.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "store/schema.h"

namespace hrsync {
namespace {

constexpr const char* kScanHashes = "SELECT key, hash FROM snapshot WHERE target = ?1 ORDER BY key";
constexpr const char* kSelectDocument = "SELECT document, hash FROM snapshot WHERE target = ?1 AND key = ?2";
constexpr const char* kUpsertSnapshot =
    "INSERT INTO snapshot (target, key, hash, document, run_id, applied_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (target, key) DO UPDATE SET hash = excluded.hash, document = excluded.document, "
    "run_id = excluded.run_id, applied_at = excluded.applied_at";
constexpr const char* kCount = "SELECT count(*) FROM snapshot WHERE target = ?1";
constexpr const char* kInsertRun =
    "INSERT INTO runs (command, started_at, status, config_path) VALUES (?1, ?2, 'running', ?3)";
constexpr const char* kFinishRun =
    "UPDATE runs SET finished_at = ?2, status = ?3, exit_code = ?4, summary = ?5 WHERE id = ?1";
constexpr const char* kUpsertOutcome =
    "INSERT INTO outcomes (run_id, target, key, action, status, code, message, log_id, attempts) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (run_id, target, key) DO UPDATE SET action = excluded.action, status = excluded.status, "
    "code = excluded.code, message = excluded.message, log_id = excluded.log_id, attempts = excluded.attempts";
constexpr const char* kAdvanceGeneration =
    "UPDATE snapshot_generation SET generation = generation + 1, run_id = ?1 WHERE id = 1";
constexpr const char* kSelectGeneration = "SELECT generation, run_id FROM snapshot_generation WHERE id = 1";
constexpr const char* kSelectRowState = "SELECT hash, run_id FROM snapshot WHERE target = ?1 AND key = ?2";
constexpr const char* kRunColumns =
    "SELECT id, command, started_at, finished_at, status, exit_code, summary, config_path FROM runs ";
constexpr const char* kUpsertProgress =
    "INSERT INTO progress (run_id, target, position, planned, applied, failed, skipped, retries, throttled, rate, eta, "
    "finished_at, stopped, absent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
    "ON CONFLICT (run_id, target) DO UPDATE SET position = excluded.position, planned = excluded.planned, "
    "applied = excluded.applied, failed = excluded.failed, skipped = excluded.skipped, retries = excluded.retries, "
    "throttled = excluded.throttled, rate = excluded.rate, eta = excluded.eta, finished_at = excluded.finished_at, "
    "stopped = excluded.stopped, absent = excluded.absent";
constexpr const char* kUpdateRunProgress = "UPDATE runs SET progress_at = ?2, expected_end = ?3 WHERE id = ?1";
constexpr const char* kSelectProgress =
    "SELECT target, planned, applied, failed, skipped, retries, throttled, rate, eta, finished_at, stopped "
    "FROM progress WHERE run_id = ?1 ORDER BY position, target";
// The first schema version with the progress table.
constexpr int kProgressVersion = 2;
// The first schema version with progress.absent and "absent" outcomes.
constexpr int kAbsentOutcomeVersion = 7;
constexpr const char* kSelectProgressAbsent = "SELECT absent FROM progress WHERE run_id = ?1 AND target = ?2";
constexpr const char* kRememberAbsent = "INSERT OR REPLACE INTO absent (target, key, run_id) VALUES (?1, ?2, ?3)";
constexpr const char* kSelectOutcomes =
    "SELECT target, key, action, status, code, message, log_id, attempts FROM outcomes WHERE run_id = ?1 "
    "ORDER BY target, key";

// Per key of a target, the status of its latest tried outcome (SQLite takes the bare column
// `status` from the row that gave MAX(run_id)).
constexpr const char* kSelectFailedLast =
    "SELECT key FROM (SELECT key, status, MAX(run_id) FROM outcomes WHERE target = ?1 AND status <> 'skipped' "
    "GROUP BY key) WHERE status = 'failed' ORDER BY key";

std::unexpected<Error> db_error(const std::string& path, std::string_view what, const SQLite::Exception& e) {
  return fail(Error::Kind::kDatabase, path,
              fmt::format("{}: {} (SQLite code {})", what, e.what(), e.getExtendedErrorCode()));
}

// Resets a statement and drops its bindings when leaving a scope, so that no read stays open
// and no binding points at a string that is gone.
class ResetOnExit {
 public:
  explicit ResetOnExit(SQLite::Statement& s) : s_(s) { s_.tryReset(); }
  ~ResetOnExit() {
    s_.tryReset();
    try {
      s_.clearBindings();
    } catch (const SQLite::Exception&) {
      // clearing cannot fail in SQLite; nothing to do
    }
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  SQLite::Statement& s_;
};

struct FinalizeStatement {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

RunRow read_run(const SQLite::Statement& s) {
  RunRow r;
  r.id = s.getColumn(0).getInt64();
  r.command = s.getColumn(1).getString();
  r.started_at = s.getColumn(2).getInt64();
  if (!s.isColumnNull(3)) r.finished_at = s.getColumn(3).getInt64();
  r.status = s.getColumn(4).getString();
  if (!s.isColumnNull(5)) r.exit_code = s.getColumn(5).getInt();
  r.summary = s.getColumn(6).getString();
  r.config_path = s.getColumn(7).getString();
  return r;
}

Result<void> check_folder(const std::string& path) {
  if (path == ":memory:") return {};
  const auto folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (folder.empty() || std::filesystem::is_directory(folder, ec)) return {};
  return fail(Error::Kind::kIo, path,
              fmt::format("folder {} does not exist; hrsync creates the snapshot file but not its folder",
                          folder.string()));
}

// A new snapshot file is created empty with mode 0600 (an empty file is an empty database), so
// that SQLite, which gives the -wal and -shm files the database file's mode, keeps all three the
// owner's whatever the umask. An existing file is left as it is.
Result<void> create_private_file(const std::string& path) {
  if (path == ":memory:" || path.empty()) return {};
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};
    return fail(Error::Kind::kDatabase, path, fmt::format("cannot create the snapshot file: {}", std::strerror(errno)));
  }
  (void)::fchmod(fd, 0600);
  ::close(fd);
  return {};
}

// " at TARGET KEY (action 'A', status 'S')" for the outcome a batch failed at, "" when it failed
// after the last one (at the commit).
std::string outcome_at(std::span<const OutcomeRow> outcomes, std::size_t at) {
  if (at >= outcomes.size()) return "";
  const OutcomeRow& o = outcomes[at];
  return fmt::format(" at {} {} (action '{}', status '{}')", o.target, o.key, o.action, o.status);
}

}  // namespace

struct SnapshotStore::Impl {
  Impl(const std::string& p, const StoreOptions& options, int flags = SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE)
      // NOMUTEX: a store serves one thread at a time (see the header), so SQLite's per-call
      // connection mutex only costs time (four lock pairs per row of a hash scan).
      : path(p), db(p, flags | SQLite::OPEN_NOMUTEX, options.busy_timeout_ms) {}

  // The cached statement in `slot`, prepared on first use.
  SQLite::Statement& statement(std::optional<SQLite::Statement>& slot, const char* sql) {
    if (!slot) slot.emplace(db, sql);
    return *slot;
  }

  std::string path;
  int version = 0;      // the file's schema version once opened
  SQLite::Database db;  // declared before the statements, so destroyed after them
  std::unique_ptr<sqlite3_stmt, FinalizeStatement> scan;
  std::optional<SQLite::Statement> select_document, upsert_snapshot, delete_snapshot, count, insert_run, finish_run, upsert_outcome,
      delete_absent, insert_absent, insert_leaver, delete_leaver,
      select_outcomes, upsert_progress, update_run_progress, select_progress, advance_generation, select_row_state;
};

SnapshotStore::SnapshotStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SnapshotStore::SnapshotStore(SnapshotStore&&) noexcept = default;
SnapshotStore& SnapshotStore::operator=(SnapshotStore&&) noexcept = default;
SnapshotStore::~SnapshotStore() = default;

const std::string& SnapshotStore::path() const { return impl_->path; }

Result<SnapshotStore> SnapshotStore::open(const std::string& path, const StoreOptions& options) {
  if (auto folder = check_folder(path); !folder) return std::unexpected(folder.error());
  if (auto created = create_private_file(path); !created) return std::unexpected(created.error());
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(path, options);
    const std::string mode = impl->db.execAndGet("PRAGMA journal_mode = WAL").getString();
    if (mode != "wal" && path != ":memory:") {
      return fail(Error::Kind::kDatabase, path,
                  fmt::format("cannot use WAL journal mode (SQLite kept '{}'); is the file on a network share?", mode));
    }
    impl->db.exec("PRAGMA synchronous = NORMAL");
    impl->db.exec("PRAGMA foreign_keys = ON");
  } catch (const SQLite::Exception& e) {
    return db_error(path, "cannot open the snapshot database", e);
  }
  auto version = migrate(impl->db, path);
  if (!version) return std::unexpected(version.error());
  impl->version = *version;
  return SnapshotStore(std::move(impl));
}

Result<SnapshotStore> SnapshotStore::open_read_only(const std::string& path, const StoreOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(Error::Kind::kIo, path, "no snapshot database here; `hrsync sync` creates it");
  }
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(path, options, SQLite::OPEN_READONLY);
  } catch (const SQLite::Exception& e) {
    return db_error(path, "cannot open the snapshot database for reading", e);
  }
  auto version = schema_version(impl->db, path);
  if (!version) return std::unexpected(version.error());
  if (*version > latest_schema_version()) {
    return fail(Error::Kind::kDatabase, path,
                fmt::format("schema version {} is newer than this hrsync knows ({}); the file was written by a newer "
                            "hrsync: run that one",
                            *version, latest_schema_version()));
  }
  impl->version = *version;
  return SnapshotStore(std::move(impl));
}

Result<void> SnapshotStore::scan_hashes(std::string_view target, void* context, HashVisitor visit) {
  sqlite3* db = impl_->db.getHandle();
  if (!impl_->scan) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db, kScanHashes, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      sqlite3_finalize(s);
      return fail(Error::Kind::kDatabase, impl_->path,
                  fmt::format("cannot read the snapshot of {}: {}", target, sqlite3_errmsg(db)));
    }
    impl_->scan.reset(s);
  }
  sqlite3_stmt* s = impl_->scan.get();
  struct Reset {
    sqlite3_stmt* s;
    ~Reset() {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  } reset{s};
  sqlite3_bind_text(s, 1, target.data(), static_cast<int>(target.size()), SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const auto* key = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    const auto len = static_cast<std::size_t>(sqlite3_column_bytes(s, 0));
    visit(context, std::string_view(key, len), static_cast<std::uint64_t>(sqlite3_column_int64(s, 1)));
  }
  if (rc != SQLITE_DONE) {
    return fail(Error::Kind::kDatabase, impl_->path,
                fmt::format("cannot read the snapshot of {}: {} (SQLite code {})", target, sqlite3_errmsg(db),
                            sqlite3_extended_errcode(db)));
  }
  return {};
}

Result<std::optional<SnapshotStore::AppliedRow>> SnapshotStore::applied_row(std::string_view target,
                                                                           std::string_view key) {
  try {
    auto& s = impl_->statement(impl_->select_document, kSelectDocument);
    ResetOnExit reset(s);
    const std::string t(target), k(key);
    s.bindNoCopy(1, t);
    s.bindNoCopy(2, k);
    if (!s.executeStep()) return std::optional<AppliedRow>();
    return std::optional<AppliedRow>(
        AppliedRow{k, static_cast<std::uint64_t>(s.getColumn(1).getInt64()), s.getColumn(0).getString()});
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot read the document of {} {}", target, key), e);
  }
}

Result<std::optional<std::string>> SnapshotStore::document(std::string_view target, std::string_view key) {
  auto row = applied_row(target, key);
  if (!row) return std::unexpected(std::move(row.error()));
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(std::move((*row)->document));
}

Result<void> SnapshotStore::commit(std::string_view target, std::span<const AppliedRow> rows, std::int64_t run_id,
                                   std::int64_t now) {
  if (rows.empty()) return {};
  std::size_t at = 0;
  try {
    auto& s = impl_->statement(impl_->upsert_snapshot, kUpsertSnapshot);
    const std::string t(target);
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    ResetOnExit reset(s);  // before the rollback, when leaving on an error
    s.bindNoCopy(1, t);
    s.bind(5, run_id);
    s.bind(6, now);
    for (; at < rows.size(); ++at) {
      const auto& row = rows[at];
      s.bindNoCopy(2, row.key);
      s.bind(3, static_cast<std::int64_t>(row.hash));
      s.bindNoCopy(4, row.document);
      s.exec();
      s.reset();
    }
    advance_generation(run_id);
    tx.commit();
    return {};
  } catch (const SQLite::Exception& e) {
    const std::string row = at < rows.size() ? fmt::format(" at row {} (key '{}')", at + 1, rows[at].key) : "";
    return db_error(impl_->path,
                    fmt::format("commit of {} snapshot rows of {} failed{}; none was written", rows.size(), target, row),
                    e);
  }
}

Result<void> SnapshotStore::forget(std::string_view target, std::span<const std::string> keys, std::int64_t run_id) {
  if (keys.empty()) return {};
  try {
    auto& s = impl_->statement(impl_->delete_snapshot, "DELETE FROM snapshot WHERE target = ?1 AND key = ?2");
    const std::string t(target);
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    ResetOnExit reset(s);
    s.bindNoCopy(1, t);
    for (const auto& key : keys) {
      s.bindNoCopy(2, key);
      s.exec();
      s.reset();
    }
    advance_generation(run_id);
    tx.commit();
    return {};
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot forget {} snapshot rows of {}; none was removed", keys.size(), target), e);
  }
}

Result<void> SnapshotStore::quick_check() {
  try {
    SQLite::Statement s(impl_->db, "PRAGMA quick_check(5)");
    std::string found;
    while (s.executeStep()) {
      const std::string line = s.getColumn(0).getString();
      if (line == "ok") continue;
      found += (found.empty() ? "" : "; ") + line;
    }
    if (found.empty()) return {};
    return fail(Error::Kind::kDatabase, impl_->path,
                "the snapshot database is damaged (SQLite's quick_check: " + found +
                    "); nothing was sent. Restore it from a backup, or move it away and run with --first-run");
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, "the snapshot database is damaged; nothing was sent", e);
  }
}

Result<std::int64_t> SnapshotStore::count(std::string_view target) {
  try {
    auto& s = impl_->statement(impl_->count, kCount);
    ResetOnExit reset(s);
    const std::string t(target);
    s.bindNoCopy(1, t);
    s.executeStep();
    return s.getColumn(0).getInt64();
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot count the snapshot of {}", target), e);
  }
}

Result<std::vector<std::string>> SnapshotStore::absent_keys(std::string_view target) {
  try {
    SQLite::Statement s(impl_->db, "SELECT key FROM absent WHERE target = ?1 ORDER BY key");
    s.bind(1, std::string(target));
    std::vector<std::string> keys;
    while (s.executeStep()) keys.push_back(s.getColumn(0).getString());
    return keys;
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot read which entities {} lacks", target), e);
  }
}

Result<void> SnapshotStore::replace_absent(std::string_view target, std::span<const std::string> keys,
                                           std::int64_t run_id) {
  try {
    const std::string t(target);
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement clear(impl_->db, "DELETE FROM absent WHERE target = ?1");
    clear.bind(1, t);
    clear.exec();
    SQLite::Statement insert(impl_->db, "INSERT OR REPLACE INTO absent (target, key, run_id) VALUES (?1, ?2, ?3)");
    insert.bind(1, t);
    insert.bind(3, run_id);
    for (const auto& key : keys) {
      insert.bindNoCopy(2, key);
      insert.exec();
      insert.reset();
    }
    tx.commit();
    return {};
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot record the {} entities {} lacks; none was recorded", keys.size(), target), e);
  }
}

Result<std::vector<SnapshotStore::LeaverRow>> SnapshotStore::leavers(std::string_view target) {
  constexpr int kLeaversVersion = 6;  // the first schema version with the leavers table
  if (impl_->version < kLeaversVersion) return std::vector<LeaverRow>{};
  try {
    SQLite::Statement s(impl_->db, "SELECT key, document, run_id FROM leavers WHERE target = ?1 ORDER BY key");
    s.bind(1, std::string(target));
    std::vector<LeaverRow> rows;
    while (s.executeStep()) {
      rows.push_back({s.getColumn(0).getString(), s.getColumn(1).getString(), s.getColumn(2).getInt64()});
    }
    return rows;
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot read the leavers of {}", target), e);
  }
}

Result<std::int64_t> SnapshotStore::begin_run(std::string_view command, std::string_view config_path,
                                              std::int64_t now) {
  try {
    auto& s = impl_->statement(impl_->insert_run, kInsertRun);
    ResetOnExit reset(s);
    s.bind(1, std::string(command));
    s.bind(2, now);
    s.bind(3, std::string(config_path));
    s.exec();
    return impl_->db.getLastInsertRowid();
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot record the start of a {} run", command), e);
  }
}

Result<void> SnapshotStore::record_outcomes(std::int64_t run_id, std::span<const OutcomeRow> outcomes) {
  if (outcomes.empty()) return {};
  std::size_t at = 0;
  try {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    upsert_outcomes(run_id, outcomes, at);
    tx.commit();
    return {};
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path,
                    fmt::format("recording {} outcomes of run {} failed{}; none was written", outcomes.size(), run_id,
                                outcome_at(outcomes, at)),
                    e);
  }
}

Result<void> SnapshotStore::commit_batch(std::int64_t run_id, std::span<const TargetRow> rows,
                                         std::span<const OutcomeRow> outcomes, std::int64_t now,
                                         const RunProgress* progress) {
  if (rows.empty() && outcomes.empty() && progress == nullptr) return {};
  std::size_t row_index = SIZE_MAX;  // where the failure happened; SIZE_MAX: before the first row
  std::size_t outcome_index = SIZE_MAX;
  try {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    record_leavers(run_id, outcomes);
    upsert_rows(rows, run_id, now, row_index);
    if (!rows.empty()) advance_generation(run_id);
    upsert_outcomes(run_id, outcomes, outcome_index);
    if (progress != nullptr) replace_progress(run_id, *progress);
    tx.commit();
    return {};
  } catch (const SQLite::Exception& e) {
    std::string where;
    if (row_index < rows.size()) {
      where = fmt::format(" at snapshot row {} ({} '{}')", row_index + 1, rows[row_index].target,
                          rows[row_index].row.key);
    } else {
      where = outcome_at(outcomes, outcome_index);
    }
    return db_error(impl_->path,
                    fmt::format("commit of {} snapshot rows and {} outcomes of run {} failed{}; none was written",
                                rows.size(), outcomes.size(), run_id, where),
                    e);
  }
}

void SnapshotStore::upsert_rows(std::span<const TargetRow> rows, std::int64_t run_id, std::int64_t now,
                                std::size_t& at) {
  auto& s = impl_->statement(impl_->upsert_snapshot, kUpsertSnapshot);
  ResetOnExit reset(s);  // before the caller's rollback, when leaving on an error
  s.bind(5, run_id);
  s.bind(6, now);
  for (at = 0; at < rows.size(); ++at) {
    const TargetRow& r = rows[at];
    s.bindNoCopy(1, r.target);
    s.bindNoCopy(2, r.row.key);
    s.bind(3, static_cast<std::int64_t>(r.row.hash));
    s.bindNoCopy(4, r.row.document);
    s.exec();
    s.reset();
  }
}

void SnapshotStore::advance_generation(std::int64_t run_id) {
  auto& s = impl_->statement(impl_->advance_generation, kAdvanceGeneration);
  ResetOnExit reset(s);
  if (run_id != 0) {
    s.bind(1, run_id);
  } else {
    s.bind(1);
  }
  s.exec();
}

Result<SnapshotStore::Generation> SnapshotStore::generation() {
  try {
    SQLite::Statement s(impl_->db, kSelectGeneration);
    Generation g;
    if (!s.executeStep()) return g;
    g.generation = s.getColumn(0).getInt64();
    if (!s.isColumnNull(1)) g.run_id = s.getColumn(1).getInt64();
    return g;
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, "cannot read the snapshot's generation", e);
  }
}

Result<std::optional<SnapshotStore::RowState>> SnapshotStore::row_state(std::string_view target,
                                                                         std::string_view key) {
  try {
    auto& s = impl_->statement(impl_->select_row_state, kSelectRowState);
    ResetOnExit reset(s);
    const std::string t(target), k(key);
    s.bindNoCopy(1, t);
    s.bindNoCopy(2, k);
    if (!s.executeStep()) return std::optional<RowState>();
    return std::optional<RowState>(
        RowState{static_cast<std::uint64_t>(s.getColumn(0).getInt64()), s.getColumn(1).getInt64()});
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot read the snapshot row of {} {}", target, key), e);
  }
}

Result<void> SnapshotStore::attach_plan(std::int64_t run_id, std::string_view plan) {
  try {
    SQLite::Statement s(impl_->db, "INSERT OR IGNORE INTO plan_runs (plan, run_id) VALUES (?1, ?2)");
    s.bind(1, std::string(plan));
    s.bind(2, run_id);
    s.exec();
    return {};
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot record that run {} applies plan {}", run_id, plan), e);
  }
}

Result<std::vector<std::int64_t>> SnapshotStore::plan_runs(std::string_view plan) {
  try {
    SQLite::Statement s(impl_->db, "SELECT run_id FROM plan_runs WHERE plan = ?1 ORDER BY run_id");
    s.bind(1, std::string(plan));
    std::vector<std::int64_t> ids;
    while (s.executeStep()) ids.push_back(s.getColumn(0).getInt64());
    return ids;
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot read the runs of plan {}", plan), e);
  }
}

void SnapshotStore::upsert_outcomes(std::int64_t run_id, std::span<const OutcomeRow> outcomes, std::size_t& at) {
  auto& s = impl_->statement(impl_->upsert_outcome, kUpsertOutcome);
  ResetOnExit reset(s);  // before the caller's rollback, when leaving on an error
  s.bind(1, run_id);
  for (at = 0; at < outcomes.size(); ++at) {
    const auto& o = outcomes[at];
    s.bindNoCopy(2, o.target);
    s.bindNoCopy(3, o.key);
    s.bindNoCopy(4, o.action);
    s.bindNoCopy(5, o.status);
    s.bind(6, o.code);
    s.bindNoCopy(7, o.message);
    s.bindNoCopy(8, o.log_id);
    s.bind(9, o.attempts);
    s.exec();
    s.reset();
    if (o.status == "absent" && o.action == "upsert") remember_absent(o.target, o.key, run_id);
    if (o.status != "applied") continue;
    if (o.action == "create") forget_absent(o.target, o.key);
    if (o.action == "upsert" || o.action == "create") forget_leaver(o.target, o.key);
  }
}

void SnapshotStore::record_leavers(std::int64_t run_id, std::span<const OutcomeRow> outcomes) {
  constexpr const char* kInsertLeaver =
      "INSERT OR IGNORE INTO leavers (target, key, document, run_id) "
      "SELECT target, key, document, ?3 FROM snapshot WHERE target = ?1 AND key = ?2";
  for (const auto& o : outcomes) {
    if (o.action != "freeze" || o.status != "applied") continue;
    auto& s = impl_->statement(impl_->insert_leaver, kInsertLeaver);
    ResetOnExit reset(s);
    s.bindNoCopy(1, o.target);
    s.bindNoCopy(2, o.key);
    s.bind(3, run_id);
    s.exec();
  }
}

// The leaver is back and the update that gave back its access was applied.
void SnapshotStore::forget_leaver(const std::string& target, const std::string& key) {
  auto& s = impl_->statement(impl_->delete_leaver, "DELETE FROM leavers WHERE target = ?1 AND key = ?2");
  ResetOnExit reset(s);
  s.bindNoCopy(1, target);
  s.bindNoCopy(2, key);
  s.exec();
}

// An update of `key` was answered with the target's not-found code: it is absent, as a read would
// have found it.
void SnapshotStore::remember_absent(const std::string& target, const std::string& key, std::int64_t run_id) {
  auto& s = impl_->statement(impl_->insert_absent, kRememberAbsent);
  ResetOnExit reset(s);
  s.bindNoCopy(1, target);
  s.bindNoCopy(2, key);
  s.bind(3, run_id);
  s.exec();
}

// The target holds `key` now (hrsync created it): it is no longer absent.
void SnapshotStore::forget_absent(const std::string& target, const std::string& key) {
  auto& s = impl_->statement(impl_->delete_absent, "DELETE FROM absent WHERE target = ?1 AND key = ?2");
  ResetOnExit reset(s);
  s.bindNoCopy(1, target);
  s.bindNoCopy(2, key);
  s.exec();
}

void SnapshotStore::replace_progress(std::int64_t run_id, const RunProgress& progress) {
  auto& run = impl_->statement(impl_->update_run_progress, kUpdateRunProgress);
  {
    ResetOnExit reset(run);
    run.bind(1, run_id);
    run.bind(2, progress.updated_at);
    if (progress.expected_end) run.bind(3, *progress.expected_end);
    if (run.exec() == 0) throw SQLite::Exception(fmt::format("there is no run {}", run_id), SQLITE_CONSTRAINT);
  }
  auto& s = impl_->statement(impl_->upsert_progress, kUpsertProgress);
  ResetOnExit reset(s);
  s.bind(1, run_id);
  for (std::size_t i = 0; i < progress.targets.size(); ++i) {
    const TargetProgressRow& t = progress.targets[i];
    s.bindNoCopy(2, t.target);
    s.bind(3, static_cast<std::int64_t>(i));
    s.bind(4, static_cast<std::int64_t>(t.planned));
    s.bind(5, static_cast<std::int64_t>(t.applied));
    s.bind(6, static_cast<std::int64_t>(t.failed));
    s.bind(7, static_cast<std::int64_t>(t.skipped));
    s.bind(8, static_cast<std::int64_t>(t.retries));
    s.bind(9, static_cast<std::int64_t>(t.throttled));
    s.bind(10, t.rate);
    if (t.eta) s.bind(11, *t.eta); else s.bind(11);
    if (t.finished_at) s.bind(12, *t.finished_at); else s.bind(12);
    s.bind(13, t.stopped ? 1 : 0);
    s.bind(14, static_cast<std::int64_t>(t.absent));
    s.exec();
    s.reset();
  }
}

Result<void> SnapshotStore::write_progress(std::int64_t run_id, const RunProgress& progress) {
  try {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    replace_progress(run_id, progress);
    tx.commit();
    return {};
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot record the progress of run {}", run_id), e);
  }
}

Result<RunProgress> SnapshotStore::progress(std::int64_t run_id) {
  RunProgress out;
  if (impl_->version < kProgressVersion) return out;
  try {
    SQLite::Statement run(impl_->db, "SELECT progress_at, expected_end FROM runs WHERE id = ?1");
    run.bind(1, run_id);
    if (!run.executeStep() || run.isColumnNull(0)) return out;
    out.updated_at = run.getColumn(0).getInt64();
    if (!run.isColumnNull(1)) out.expected_end = run.getColumn(1).getInt64();
    auto& s = impl_->statement(impl_->select_progress, kSelectProgress);
    ResetOnExit reset(s);
    s.bind(1, run_id);
    while (s.executeStep()) {
      TargetProgressRow t;
      t.target = s.getColumn(0).getString();
      t.planned = static_cast<std::uint64_t>(s.getColumn(1).getInt64());
      t.applied = static_cast<std::uint64_t>(s.getColumn(2).getInt64());
      t.failed = static_cast<std::uint64_t>(s.getColumn(3).getInt64());
      t.skipped = static_cast<std::uint64_t>(s.getColumn(4).getInt64());
      t.retries = static_cast<std::uint64_t>(s.getColumn(5).getInt64());
      t.throttled = static_cast<std::uint64_t>(s.getColumn(6).getInt64());
      t.rate = s.getColumn(7).getDouble();
      if (!s.isColumnNull(8)) t.eta = s.getColumn(8).getInt64();
      if (!s.isColumnNull(9)) t.finished_at = s.getColumn(9).getInt64();
      t.stopped = s.getColumn(10).getInt() != 0;
      out.targets.push_back(std::move(t));
    }
    if (impl_->version >= kAbsentOutcomeVersion) {
      SQLite::Statement absent(impl_->db, kSelectProgressAbsent);
      for (TargetProgressRow& t : out.targets) {
        absent.bind(1, run_id);
        absent.bind(2, t.target);
        if (absent.executeStep()) t.absent = static_cast<std::uint64_t>(absent.getColumn(0).getInt64());
        absent.reset();
      }
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot read the progress of run {}", run_id), e);
  }
}

Result<void> SnapshotStore::finish_run(std::int64_t run_id, std::string_view status, int exit_code,
                                       const std::string& summary_json, std::int64_t now) {
  try {
    auto& s = impl_->statement(impl_->finish_run, kFinishRun);
    ResetOnExit reset(s);
    s.bind(1, run_id);
    s.bind(2, now);
    s.bind(3, std::string(status));
    s.bind(4, exit_code);
    // Not copied: the summary is bound as it is.
    s.bindNoCopy(5, summary_json);
    if (s.exec() == 0) return fail(Error::Kind::kDatabase, impl_->path, fmt::format("there is no run {} to finish", run_id));
    return {};
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot record the end of run {}", run_id), e);
  }
}

Result<std::vector<std::int64_t>> SnapshotStore::abandon_running_runs() {
  try {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    std::vector<std::int64_t> ids;
    SQLite::Statement select(impl_->db, "SELECT id FROM runs WHERE status = 'running' ORDER BY id");
    while (select.executeStep()) ids.push_back(select.getColumn(0).getInt64());
    impl_->db.exec("UPDATE runs SET status = 'abandoned' WHERE status = 'running'");
    tx.commit();
    return ids;
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, "cannot mark the runs left running as abandoned", e);
  }
}

Result<std::optional<RunRow>> SnapshotStore::run(std::int64_t id) {
  if (impl_->version == 0) return std::optional<RunRow>();  // created, not yet migrated
  try {
    SQLite::Statement s(impl_->db, std::string(kRunColumns) + "WHERE id = ?1");
    s.bind(1, id);
    if (!s.executeStep()) return std::optional<RunRow>();
    return std::optional<RunRow>(read_run(s));
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot read run {}", id), e);
  }
}

Result<std::optional<RunRow>> SnapshotStore::last_run() {
  auto runs = recent_runs(1);
  if (!runs) return std::unexpected(runs.error());
  if (runs->empty()) return std::optional<RunRow>();
  return std::optional<RunRow>(std::move(runs->front()));
}

Result<std::vector<RunRow>> SnapshotStore::recent_runs(int limit) {
  // A reader may open a file a sync has just created and not yet migrated: it holds no run yet.
  if (impl_->version == 0) return std::vector<RunRow>();
  try {
    SQLite::Statement s(impl_->db, std::string(kRunColumns) + "ORDER BY id DESC LIMIT ?1");
    s.bind(1, limit);
    std::vector<RunRow> runs;
    while (s.executeStep()) runs.push_back(read_run(s));
    return runs;
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, "cannot list the recent runs", e);
  }
}

Result<std::vector<OutcomeRow>> SnapshotStore::outcomes(std::int64_t run_id) {
  std::vector<OutcomeRow> rows;
  auto read = for_each_outcome(run_id, [&](OutcomeRow&& o) { rows.push_back(std::move(o)); });
  if (!read) return std::unexpected(read.error());
  return rows;
}

Result<void> SnapshotStore::for_each_outcome(std::int64_t run_id, const std::function<void(OutcomeRow&&)>& visit) {
  try {
    auto& s = impl_->statement(impl_->select_outcomes, kSelectOutcomes);
    ResetOnExit reset(s);
    s.bind(1, run_id);
    while (s.executeStep()) {
      OutcomeRow o;
      o.target = s.getColumn(0).getString();
      o.key = s.getColumn(1).getString();
      o.action = s.getColumn(2).getString();
      o.status = s.getColumn(3).getString();
      o.code = s.getColumn(4).getInt64();
      o.message = s.getColumn(5).getString();
      o.log_id = s.getColumn(6).getString();
      o.attempts = s.getColumn(7).getInt();
      visit(std::move(o));
    }
    return {};
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot read the outcomes of run {}", run_id), e);
  }
}

Result<std::vector<std::string>> SnapshotStore::keys_failed_last(std::string_view target) {
  try {
    SQLite::Statement s(impl_->db, kSelectFailedLast);
    s.bind(1, std::string(target));
    std::vector<std::string> keys;
    while (s.executeStep()) keys.push_back(s.getColumn(0).getString());
    return keys;
  } catch (const SQLite::Exception& e) {
    return db_error(impl_->path, fmt::format("cannot read which entities of {} failed last time", target), e);
  }
}

}  // namespace hrsync
