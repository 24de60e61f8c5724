#include "store/schema.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/core.h>

#include <array>

namespace hrsync {
namespace {

// Version 1: the snapshot, the run log and the outcomes of each run.
//  - snapshot: the last applied document per (target, key), and its content hash (the bit
//    pattern of the uint64, stored as a signed INTEGER). snapshot_hash covers the hash scan of
//    a plan, so that it does not read the documents.
//  - runs / outcomes: one row per run, one per entity and run; outcomes go with their run.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE snapshot (
  target     TEXT    NOT NULL CHECK (target <> ''),
  key        TEXT    NOT NULL CHECK (key <> ''),
  hash       INTEGER NOT NULL,
  document   TEXT    NOT NULL,
  run_id     INTEGER NOT NULL,
  applied_at INTEGER NOT NULL,
  PRIMARY KEY (target, key)
) WITHOUT ROWID;
CREATE INDEX snapshot_hash ON snapshot (target, key, hash);

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  command     TEXT    NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  status      TEXT    NOT NULL,
  exit_code   INTEGER,
  summary     TEXT    CHECK (summary IS NULL OR json_valid(summary)),
  config_path TEXT    NOT NULL
);

CREATE TABLE outcomes (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  target   TEXT    NOT NULL,
  key      TEXT    NOT NULL,
  action   TEXT    NOT NULL CHECK (action IN ('upsert', 'freeze')),
  status   TEXT    NOT NULL CHECK (status IN ('applied', 'failed', 'skipped')),
  code     INTEGER NOT NULL,
  message  TEXT    NOT NULL,
  log_id   TEXT    NOT NULL,
  attempts INTEGER NOT NULL,
  PRIMARY KEY (run_id, target, key)
) WITHOUT ROWID;
)sql";

// Version 2: how far a run has got, for `hrsync status` from another terminal.
//  - progress: one row per target of a run, rewritten in the transaction of each commit batch
//    (counts of the outcomes committed, the recent rate and the expected end at that rate);
//    position keeps the plan's order of targets.
//  - runs.progress_at / runs.expected_end: when the progress was last written, and when the run
//    should end (its slowest target's eta).
constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE progress (
  run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  target      TEXT    NOT NULL CHECK (target <> ''),
  position    INTEGER NOT NULL,
  planned     INTEGER NOT NULL,
  applied     INTEGER NOT NULL,
  failed      INTEGER NOT NULL,
  skipped     INTEGER NOT NULL,
  retries     INTEGER NOT NULL,
  throttled   INTEGER NOT NULL,
  rate        REAL    NOT NULL,
  eta         INTEGER,
  finished_at INTEGER,
  stopped     INTEGER NOT NULL CHECK (stopped IN (0, 1)),
  PRIMARY KEY (run_id, target)
) WITHOUT ROWID;
ALTER TABLE runs ADD COLUMN progress_at INTEGER;
ALTER TABLE runs ADD COLUMN expected_end INTEGER;
)sql";

// Version 3: what a plan file is checked against when it is applied.
//  - snapshot_generation: one row; generation grows by one with every transaction that changes
//    snapshot rows, and run_id names the run that made the last change (NULL for a change of no
//    run: forgetting keys). A plan records the generation it was made against.
//  - plan_runs: the runs that applied a plan file, by the plan's checksum, so that applying the
//    same file again knows which changes since the plan were its own.
constexpr std::string_view kVersion3 = R"sql(
CREATE TABLE snapshot_generation (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  generation INTEGER NOT NULL,
  run_id     INTEGER
);
INSERT INTO snapshot_generation (id, generation, run_id) VALUES (1, 0, NULL);

CREATE TABLE plan_runs (
  plan   TEXT    NOT NULL CHECK (plan <> ''),
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  PRIMARY KEY (plan, run_id)
) WITHOUT ROWID;
)sql";

// Version 4: what a read of a target found it lacks.
//  - absent: per (target, key), an entity the target did not hold when the run that read it last
//    read it: later runs that do not read send it nothing (an update could only fail) and list it.
//    A run that reads the target replaces its rows.
constexpr std::string_view kVersion4 = R"sql(
CREATE TABLE absent (
  target TEXT    NOT NULL CHECK (target <> ''),
  key    TEXT    NOT NULL CHECK (key <> ''),
  run_id INTEGER NOT NULL,
  PRIMARY KEY (target, key)
) WITHOUT ROWID;
)sql";

// Version 5: an outcome's action may be "create" (an entity the target lacked, created with
// on_new = "create"). SQLite cannot change a CHECK: the table is copied into a new one.
constexpr std::string_view kVersion5 = R"sql(
CREATE TABLE outcomes_v5 (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  target   TEXT    NOT NULL,
  key      TEXT    NOT NULL,
  action   TEXT    NOT NULL CHECK (action IN ('upsert', 'freeze', 'create')),
  status   TEXT    NOT NULL CHECK (status IN ('applied', 'failed', 'skipped')),
  code     INTEGER NOT NULL,
  message  TEXT    NOT NULL,
  log_id   TEXT    NOT NULL,
  attempts INTEGER NOT NULL,
  PRIMARY KEY (run_id, target, key)
) WITHOUT ROWID;
INSERT INTO outcomes_v5 SELECT run_id, target, key, action, status, code, message, log_id, attempts FROM outcomes;
DROP TABLE outcomes;
ALTER TABLE outcomes_v5 RENAME TO outcomes;
)sql";

// Version 6: what hrsync did to a leaver, so that it undoes only that when they return.
//  - leavers: per (target, key), an entity that on_missing froze, revoked or blacklisted when it
//    left the source: `document` is the snapshot's document from before (what the target held),
//    `run_id` the run that applied the change. The row goes when an update of the key, back in
//    the source, is applied.
constexpr std::string_view kVersion6 = R"sql(
CREATE TABLE leavers (
  target   TEXT    NOT NULL CHECK (target <> ''),
  key      TEXT    NOT NULL CHECK (key <> ''),
  document TEXT    NOT NULL,
  run_id   INTEGER NOT NULL,
  PRIMARY KEY (target, key)
) WITHOUT ROWID;
)sql";

// Version 7: an entity an update found the target lacks (its not-found code).
//  - outcomes.status may be "absent": not a failure; the key goes into the absent table, as a read
//    that found it absent would put it there. SQLite cannot change a CHECK: the table is copied.
//  - progress.absent: those outcomes committed so far.
constexpr std::string_view kVersion7 = R"sql(
CREATE TABLE outcomes_v7 (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  target   TEXT    NOT NULL,
  key      TEXT    NOT NULL,
  action   TEXT    NOT NULL CHECK (action IN ('upsert', 'freeze', 'create')),
  status   TEXT    NOT NULL CHECK (status IN ('applied', 'failed', 'skipped', 'absent')),
  code     INTEGER NOT NULL,
  message  TEXT    NOT NULL,
  log_id   TEXT    NOT NULL,
  attempts INTEGER NOT NULL,
  PRIMARY KEY (run_id, target, key)
) WITHOUT ROWID;
INSERT INTO outcomes_v7 SELECT run_id, target, key, action, status, code, message, log_id, attempts FROM outcomes;
DROP TABLE outcomes;
ALTER TABLE outcomes_v7 RENAME TO outcomes;
ALTER TABLE progress ADD COLUMN absent INTEGER NOT NULL DEFAULT 0;
)sql";

constexpr std::array<Migration, 7> kMigrations = {{
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
    {4, kVersion4},
    {5, kVersion5},
    {6, kVersion6},
    {7, kVersion7},
}};

int read_version(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

std::unexpected<Error> too_new(const std::string& path, int found, int known) {
  return fail(Error::Kind::kDatabase, path,
              fmt::format("schema version {} is newer than this hrsync knows ({}); the file was written by a newer "
                          "hrsync: run that one, or point [job] snapshot at another file",
                          found, known));
}

// Runs `step` and sets the version, in one transaction, unless another process got there first.
void apply(SQLite::Database& db, const Migration& step) {
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  if (read_version(db) >= step.version) return;
  db.exec(std::string(step.sql));
  db.exec(fmt::format("PRAGMA user_version = {}", step.version));
  tx.commit();
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations.back().version; }

Result<int> schema_version(SQLite::Database& db, const std::string& path) {
  try {
    return read_version(db);
  } catch (const SQLite::Exception& e) {
    return fail(Error::Kind::kDatabase, path, fmt::format("cannot read the schema version: {}", e.what()));
  }
}

Result<int> migrate(SQLite::Database& db, const std::string& path, std::span<const Migration> steps) {
  const int known = steps.empty() ? 0 : steps.back().version;
  auto found = schema_version(db, path);
  if (!found) return found;
  if (*found > known) return too_new(path, *found, known);
  for (const auto& step : steps) {
    if (step.version <= *found) continue;
    try {
      apply(db, step);
    } catch (const SQLite::Exception& e) {
      return fail(Error::Kind::kDatabase, path,
                  fmt::format("schema migration to version {} failed: {} (code {})", step.version, e.what(),
                              e.getExtendedErrorCode()));
    }
  }
  return schema_version(db, path);
}

}  // namespace hrsync
