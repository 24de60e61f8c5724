#include "store/schema.h"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <array>
#include <fstream>

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

// hrsync's version 1, then a version 2 as a later release would append it.
std::array<Migration, 2> with_version_2(std::string_view v2_sql) {
  return {{migrations()[0], {2, v2_sql}}};
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
  EXPECT_EQ(user_version(path), 1);
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  for (const char* table : {"snapshot", "runs", "outcomes"}) EXPECT_TRUE(db.tableExists(table)) << table;
  EXPECT_TRUE(has_column(db, "snapshot", "applied_at"));
  EXPECT_TRUE(has_column(db, "outcomes", "log_id"));
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
  const auto steps = with_version_2("ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT ''");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    auto version = migrate(db, path, steps);
    ASSERT_TRUE(version.has_value()) << version.error().str();
    EXPECT_EQ(*version, 2);
    EXPECT_TRUE(has_column(db, "runs", "host"));
    EXPECT_EQ(db.execAndGet("SELECT document FROM snapshot WHERE key = 'E1'").getString(), R"({"name":"张三"})");
    // Running it again changes nothing (v2's ALTER would fail if it ran twice).
    auto again = migrate(db, path, steps);
    ASSERT_TRUE(again.has_value()) << again.error().str();
    EXPECT_EQ(*again, 2);
  }
  // This program knows only version 1: the upgraded file is refused.
  auto store = SnapshotStore::open(path);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().message.find("schema version 2 is newer than this hrsync knows (1)"), std::string::npos)
      << store.error().message;
}

TEST(Schema, AFailingStepLeavesTheFileAtItsVersion) {
  ScratchDir dir;
  const auto path = dir.file("failing.db");
  { ASSERT_TRUE(SnapshotStore::open(path).has_value()); }
  const auto steps = with_version_2("CREATE TABLE extra (x INTEGER); CREATE TABLE snapshot (x INTEGER);");
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  auto version = migrate(db, path, steps);
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().kind, Error::Kind::kDatabase);
  EXPECT_EQ(version.error().where, path);
  EXPECT_NE(version.error().message.find("migration to version 2"), std::string::npos) << version.error().message;
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 1);
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
