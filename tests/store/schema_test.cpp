#include "store/schema.h"

#include <SQLiteCpp/Database.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <vector>

#include "store/snapshot_store.h"
#include "tests/store/scratch_dir.h"

namespace hrsync {
namespace {

using test::ScratchDir;

int user_version(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet("PRAGMA user_version").getInt();
}

void set_user_version(const std::string& path, int version) {
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA user_version = " + std::to_string(version));
}

bool has_column(SQLite::Database& db, const std::string& table, const std::string& column) {
  SQLite::Statement s(db, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2");
  s.bind(1, table);
  s.bind(2, column);
  s.executeStep();
  return s.getColumn(0).getInt() == 1;
}

// hrsync's migrations, then the next version as a later release would append it.
std::vector<Migration> with_next_version(std::string_view sql) {
  std::vector<Migration> steps(migrations().begin(), migrations().end());
  steps.push_back({latest_schema_version() + 1, sql});
  return steps;
}

TEST(Schema, MigrationsAreNumberedFromOneWithoutGaps) {
  const auto steps = migrations();
  ASSERT_FALSE(steps.empty());
  for (std::size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i].version, static_cast<int>(i) + 1);
  EXPECT_EQ(latest_schema_version(), steps.back().version);
}

TEST(Schema, AFreshFileGetsTheNewestVersionAndEveryTable) {
  ScratchDir dir;
  const auto path = dir.file("fresh.db");
  { ASSERT_TRUE(SnapshotStore::open(path).has_value()); }
  EXPECT_EQ(user_version(path), latest_schema_version());
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  for (const char* table : {"snapshot", "runs", "outcomes", "progress", "snapshot_generation", "plan_runs"}) {
    EXPECT_TRUE(db.tableExists(table)) << table;
  }
  EXPECT_TRUE(has_column(db, "snapshot", "applied_at"));
  EXPECT_TRUE(has_column(db, "outcomes", "log_id"));
  EXPECT_TRUE(has_column(db, "runs", "expected_end"));
}

TEST(Schema, TheFileIsInWalMode) {
  ScratchDir dir;
  const auto path = dir.file("wal.db");
  { ASSERT_TRUE(SnapshotStore::open(path).has_value()); }
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST(Schema, AFileFromANewerProgramIsRefusedUntouched) {
  ScratchDir dir;
  const auto path = dir.file("future.db");
  set_user_version(path, latest_schema_version() + 1);
  auto store = SnapshotStore::open(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().kind, Error::Kind::kDatabase);
  EXPECT_EQ(store.error().where, path);
  const auto& message = store.error().message;
  EXPECT_NE(message.find("schema version " + std::to_string(latest_schema_version() + 1) + " is newer"),
            std::string::npos)
      << message;
  EXPECT_EQ(user_version(path), latest_schema_version() + 1);
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_FALSE(db.tableExists("snapshot"));
}

TEST(Schema, AnUpgradeRunsOnlyTheNewStepsAndKeepsTheData) {
  ScratchDir dir;
  const auto path = dir.file("upgrade.db");
  {
    auto store = SnapshotStore::open(path);
    ASSERT_TRUE(store.has_value()) << store.error().str();
    const SnapshotStore::AppliedRow row{"E1", 42, R"({"name":"张三"})"};
    ASSERT_TRUE(store->commit("contact_user", std::span(&row, 1), 1, 1000).has_value());
  }
  const int next = latest_schema_version() + 1;
  const auto steps = with_next_version("ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT ''");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    auto version = migrate(db, path, steps);
    ASSERT_TRUE(version.has_value()) << version.error().str();
    EXPECT_EQ(*version, next);
    EXPECT_TRUE(has_column(db, "runs", "host"));
    EXPECT_EQ(db.execAndGet("SELECT document FROM snapshot WHERE key = 'E1'").getString(), R"({"name":"张三"})");
    // Running it again changes nothing (the ALTER would fail if it ran twice).
    auto again = migrate(db, path, steps);
    ASSERT_TRUE(again.has_value()) << again.error().str();
    EXPECT_EQ(*again, next);
  }
  // This program knows only up to latest_schema_version(): the upgraded file is refused, also
  // for reading.
  const std::string refused = fmt::format("schema version {} is newer than this hrsync knows ({})", next, next - 1);
  auto store = SnapshotStore::open(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find(refused), std::string::npos) << store.error().message;
  auto reader = SnapshotStore::open_read_only(path);
  ASSERT_FALSE(reader.has_value());
  EXPECT_NE(reader.error().message.find(refused), std::string::npos) << reader.error().message;
}

TEST(Schema, AVersionOneFileGetsTheProgressTableAndKeepsItsRuns) {
  ScratchDir dir;
  const auto path = dir.file("v1.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    ASSERT_EQ(migrate(db, path, migrations().first(1)), 1);
    db.exec("INSERT INTO runs (command, started_at, status, config_path) VALUES ('sync', 100, 'ok', 'job.toml')");
  }
  // A reader of a version 1 file (written by an earlier hrsync) sees its runs and no progress.
  {
    auto reader = SnapshotStore::open_read_only(path);
    ASSERT_TRUE(reader.has_value()) << reader.error().str();
    auto run = reader->last_run();
    ASSERT_TRUE(run.has_value() && run->has_value());
    EXPECT_EQ((*run)->command, "sync");
    EXPECT_EQ(reader->progress(1), RunProgress{});
    EXPECT_EQ(user_version(path), 1) << "reading migrates nothing";
  }
  auto store = SnapshotStore::open(path);
  ASSERT_TRUE(store.has_value()) << store.error().str();
  EXPECT_EQ(user_version(path), latest_schema_version());
  EXPECT_EQ(store->progress(1), RunProgress{}) << "no progress was written for the old run";
  const RunProgress p{.updated_at = 200, .expected_end = 300, .targets = {{.target = "contact_user", .planned = 5}}};
  ASSERT_TRUE(store->write_progress(1, p).has_value());
  EXPECT_EQ(store->progress(1), p);
}

TEST(Schema, AFailingStepLeavesTheFileAtItsVersion) {
  ScratchDir dir;
  const auto path = dir.file("failing.db");
  { ASSERT_TRUE(SnapshotStore::open(path).has_value()); }
  const auto steps = with_next_version("CREATE TABLE extra (x INTEGER); CREATE TABLE snapshot (x INTEGER);");
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  auto version = migrate(db, path, steps);
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().kind, Error::Kind::kDatabase);
  EXPECT_EQ(version.error().where, path);
  EXPECT_NE(version.error().message.find(fmt::format("migration to version {}", latest_schema_version() + 1)),
            std::string::npos)
      << version.error().message;
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), latest_schema_version());
  EXPECT_FALSE(db.tableExists("extra"));
}

TEST(Schema, AMissingFolderIsNamedAndNotCreated) {
  ScratchDir dir;
  const auto path = dir.file("no/such/folder/hrsync.db");
  auto store = SnapshotStore::open(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().kind, Error::Kind::kIo);
  EXPECT_EQ(store.error().where, path);
  EXPECT_NE(store.error().message.find(dir.file("no/such/folder")), std::string::npos) << store.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir.file("no")));
}

TEST(Schema, AFileThatIsNotADatabaseIsRefused) {
  ScratchDir dir;
  const auto path = dir.file("employees.csv");
  std::ofstream(path) << "employee_no,name\nE1,张三\n" << std::string(4096, 'x');
  auto store = SnapshotStore::open(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().kind, Error::Kind::kDatabase);
  EXPECT_EQ(store.error().where, path);
  EXPECT_NE(store.error().message.find("not a database"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace hrsync
