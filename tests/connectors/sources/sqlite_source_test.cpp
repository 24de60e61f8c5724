#include "connectors/sources/sqlite_source.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <filesystem>

#include <SQLiteCpp/Database.h>

#include <string>

#include "tests/connectors/sources/read_all.h"
#include "tests/connectors/sources/temp_dir.h"

namespace hrsync {
namespace {

using testing::read_all;
using testing::SourceContents;
using testing::TempDir;

class SqliteSourceTest : public ::testing::Test {
 protected:
  SqliteSourceTest() : path_(dir_.path("hr.db")) {}

  // Runs `sql` on a fresh writable connection to the test database.
  void exec(const std::string& sql) {
    SQLite::Database db(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(sql);
  }

  SourceContents read(const std::string& query, const SourceOptions& options = {}) {
    auto source = open_sqlite_source(path_, query, options);
    if (!source) {
      ADD_FAILURE() << "open failed: " << source.error().str();
      return {};
    }
    return read_all(**source);
  }

  Error open_error(const std::string& query, const SourceOptions& options = {}) {
    auto source = open_sqlite_source(path_, query, options);
    if (source) {
      ADD_FAILURE() << "open succeeded";
      return {};
    }
    return source.error();
  }

  TempDir dir_;
  std::string path_;
};

TEST_F(SqliteSourceTest, ConvertsEachStorageClass) {
  exec(
      "CREATE TABLE e (employee_no TEXT, gender INTEGER, card_no REAL, name TEXT, city TEXT, is_frozen BOOLEAN,"
      " mobile_visible BOOLEAN, nickname TEXT);"
      "INSERT INTO e VALUES ('E1', 1, 12345.0, '张三', NULL, 1, 'true', 'x');"
      "INSERT INTO e VALUES ('E2', -7, 2.5, 'Bob', 'Paris', 0, 'false', NULL);");
  const auto got = read("SELECT * FROM e ORDER BY employee_no");
  ASSERT_TRUE(got.status);
  ASSERT_EQ(got.records.size(), 2u);
  const Record& a = got.records[0];
  EXPECT_EQ(a.get(Field::kEmployeeNo), "E1");
  EXPECT_EQ(a.get(Field::kGender), "1");
  EXPECT_EQ(a.get(Field::kCardNo), "12345");  // a whole REAL prints as an integer
  EXPECT_EQ(a.get(Field::kName), "张三");
  EXPECT_EQ(a.get(Field::kCity), "");  // NULL
  EXPECT_EQ(a.get(Field::kIsFrozen), "1");  // SQLite has no booleans: as given
  EXPECT_EQ(a.get(Field::kMobileVisible), "true");
  const Record& b = got.records[1];
  EXPECT_EQ(b.get(Field::kGender), "-7");
  EXPECT_EQ(b.get(Field::kCardNo), "2.5");
  EXPECT_EQ(b.get(Field::kIsFrozen), "0");
  EXPECT_EQ(b.get(Field::kNickname), "");
  EXPECT_EQ(a.origin.str(), "sqlite " + path_ + " row 1");
  EXPECT_EQ(b.origin.str(), "sqlite " + path_ + " row 2");
}

TEST_F(SqliteSourceTest, DeclaredDateColumnsAndTimeFieldsBecomeUnixSeconds) {
  exec(
      "CREATE TABLE e (employee_no TEXT, join_time DATE, face_key_update_time TEXT, hired DATETIME, city TEXT);"
      "INSERT INTO e VALUES ('E1', '2021-03-01', '2021-03-01T09:30:00Z', '2021-03-01 17:30:00+08:00', 'x');"
      "INSERT INTO e VALUES ('E2', 1614556800, '1614591000', NULL, '2021-03-01');"
      "INSERT INTO e VALUES ('E3', 1614556800.0, '', '2021-03-01', 'y');");
  SourceOptions o;
  o.renames = {{Field::kWorkStation, "hired"}};  // a DATETIME column feeding any field is a time
  const auto got = read("SELECT * FROM e ORDER BY employee_no", o);
  ASSERT_EQ(got.records.size(), 3u);
  EXPECT_EQ(got.records[0].get(Field::kJoinTime), "1614556800");
  EXPECT_EQ(got.records[0].get(Field::kFaceKeyUpdateTime), "1614591000");
  EXPECT_EQ(got.records[0].get(Field::kWorkStation), "1614591000");
  EXPECT_EQ(got.records[1].get(Field::kJoinTime), "1614556800");
  EXPECT_EQ(got.records[1].get(Field::kFaceKeyUpdateTime), "1614591000");
  EXPECT_EQ(got.records[1].get(Field::kWorkStation), "");
  EXPECT_EQ(got.records[1].get(Field::kCity), "2021-03-01");  // plain TEXT column: untouched
  EXPECT_EQ(got.records[2].get(Field::kJoinTime), "1614556800");
  EXPECT_EQ(got.records[2].get(Field::kFaceKeyUpdateTime), "");
  EXPECT_TRUE(got.rejections.empty());
}

TEST_F(SqliteSourceTest, BadRowsAreRejectedWithKeyAndReasonAndReadingGoesOn) {
  exec(
      "CREATE TABLE e (id INTEGER PRIMARY KEY, employee_no TEXT, name TEXT, join_time TEXT, photo BLOB);"
      "INSERT INTO e VALUES (1, 'E1', 'ok', '2021-03-01', NULL);"
      "INSERT INTO e VALUES (2, 'E2', CAST(x'41FF42' AS TEXT), NULL, NULL);"
      "INSERT INTO e VALUES (3, 'E3', 'ok', '2021-02-30', NULL);"
      "INSERT INTO e VALUES (4, 'E4', 'ok', NULL, x'FFD8FF');"
      "INSERT INTO e VALUES (5, '', 'no key', NULL, NULL);"
      "INSERT INTO e VALUES (6, NULL, 'null key', NULL, NULL);"
      "INSERT INTO e VALUES (7, x'00', 'blob key', NULL, NULL);"
      "INSERT INTO e VALUES (8, 'E8', 'ok', 1.5, NULL);"
      "INSERT INTO e VALUES (9, 'E9', 'ok', NULL, NULL);");
  const auto got = read("SELECT employee_no, name, join_time, photo FROM e ORDER BY id");
  ASSERT_TRUE(got.status);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[0].get(Field::kEmployeeNo), "E1");
  EXPECT_EQ(got.records[1].get(Field::kEmployeeNo), "E9");
  EXPECT_EQ(got.records[1].origin.str(), "sqlite " + path_ + " row 9");
  ASSERT_EQ(got.rejections.size(), 7u);
  const auto& r = got.rejections;
  EXPECT_EQ(r[0].origin.str(), "sqlite " + path_ + " row 2");
  EXPECT_EQ(r[0].key, "E2");
  EXPECT_EQ(r[0].reason, "column name: invalid UTF-8 at byte 2 (0xFF)");
  EXPECT_EQ(r[1].key, "E3");
  EXPECT_EQ(r[1].reason, "column join_time: unparseable timestamp \"2021-02-30\"");
  EXPECT_EQ(r[2].key, "E4");
  EXPECT_EQ(r[2].reason, "column photo holds a BLOB where text is expected");
  EXPECT_EQ(r[3].reason, "empty key (employee_no)");
  EXPECT_EQ(r[4].reason, "empty key (employee_no)");
  EXPECT_EQ(r[5].key, "");
  EXPECT_EQ(r[5].reason, "column employee_no holds a BLOB where text is expected");
  EXPECT_EQ(r[6].key, "E8");
  EXPECT_EQ(r[6].reason, "column join_time: unparseable timestamp \"1.5\"");
}

TEST_F(SqliteSourceTest, RenamesUseResultColumnNames) {
  exec("CREATE TABLE g (gid TEXT, title TEXT, description TEXT); INSERT INTO g VALUES ('g1', 'Sales', 'd');");
  SourceOptions o;
  o.entity = Entity::kGroups;
  o.renames = {{Field::kGroupId, "gid"}, {Field::kName, "组名"}};
  const auto got = read("SELECT gid, title AS \"组名\", description FROM g", o);
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].get(Field::kGroupId), "g1");
  EXPECT_EQ(got.records[0].get(Field::kName), "Sales");
  EXPECT_EQ(got.records[0].get(Field::kDescription), "d");
}

TEST_F(SqliteSourceTest, MissingFileIsAnIoError) {
  auto source = open_sqlite_source(dir_.path("none.db"), "SELECT 1 AS employee_no", {});
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().kind, Error::Kind::kIo);
  EXPECT_NE(source.error().str().find("none.db"), std::string::npos);
}

TEST_F(SqliteSourceTest, FileThatIsNotADatabaseIsNamed) {
  const std::string text = dir_.write("text.db", "employee_no,name\nthis is a CSV, not a database, but long enough\n");
  auto source = open_sqlite_source(text, "SELECT * FROM e", {});
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().kind, Error::Kind::kDatabase);
  EXPECT_EQ(source.error().where, "sqlite " + text);
  EXPECT_NE(source.error().message.find("not an SQLite database"), std::string::npos) << source.error().message;
}

TEST_F(SqliteSourceTest, QueryErrorQuotesSqlite) {
  exec("CREATE TABLE e (employee_no TEXT);");
  const Error e = open_error("SELECT employee_no FROM nope");
  EXPECT_EQ(e.kind, Error::Kind::kDatabase);
  EXPECT_NE(e.message.find("no such table: nope"), std::string::npos) << e.message;
}

TEST_F(SqliteSourceTest, RequiredColumnMissingFromResult) {
  exec("CREATE TABLE e (employee_no TEXT, name TEXT);");
  SourceOptions o;
  o.required = {Field::kMobile};
  const Error e = open_error("SELECT * FROM e", o);
  EXPECT_EQ(e.kind, Error::Kind::kInput);
  EXPECT_NE(e.message.find("\"mobile\" is missing; found: employee_no, name"), std::string::npos) << e.message;
}

TEST_F(SqliteSourceTest, OnlyOneReadOnlyStatementIsAccepted) {
  exec("CREATE TABLE e (employee_no TEXT); INSERT INTO e VALUES ('E1');");
  EXPECT_NE(open_error("DELETE FROM e").message.find("must be a SELECT"), std::string::npos);
  EXPECT_NE(open_error("SELECT * FROM e; DELETE FROM e").message.find("more than one statement"), std::string::npos);
  EXPECT_NE(open_error("").message.find("empty"), std::string::npos);
  EXPECT_EQ(read("SELECT * FROM e;  ").records.size(), 1u);  // a trailing separator is fine
}

TEST_F(SqliteSourceTest, TheDatabaseIsOpenedReadOnly) {
  exec("CREATE TABLE e (employee_no TEXT); INSERT INTO e VALUES ('E1');");
  // A statement that would write is refused even when SQLite would call it read-only at prepare.
  const auto got = read("SELECT employee_no FROM e");
  ASSERT_EQ(got.records.size(), 1u);
  auto writer = open_sqlite_source(path_, "INSERT INTO e VALUES ('E2') RETURNING employee_no", {});
  ASSERT_FALSE(writer);
  EXPECT_EQ(read("SELECT employee_no FROM e").records.size(), 1u);
}

TEST_F(SqliteSourceTest, StreamsALargeResultRowByRow) {
  exec("CREATE TABLE e (n INTEGER);");
  const auto got = read(
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 50000)"
      " SELECT 'E' || n AS employee_no, n AS card_no FROM s");
  ASSERT_TRUE(got.status);
  ASSERT_EQ(got.records.size(), 50000u);
  EXPECT_EQ(got.records.back().get(Field::kEmployeeNo), "E50000");
  EXPECT_EQ(got.records.back().get(Field::kCardNo), "50000");
}

// The database file is stamped when the read begins and compared after the last row: a new
// export moved over it, or the file written by other means than SQLite, fails the read.
TEST_F(SqliteSourceTest, ADatabaseFileReplacedOrWrittenWhileReadFailsTheReadAtItsEnd) {
  exec("CREATE TABLE e (employee_no TEXT); INSERT INTO e VALUES ('E1'), ('E2'), ('E3'), ('E4');");
  const std::string next = dir_.path("next.db");
  std::filesystem::copy_file(path_, next);
  auto source = open_sqlite_source(path_, "SELECT employee_no FROM e", {});
  ASSERT_TRUE(source) << source.error().str();
  Record r;
  ASSERT_TRUE((*source)->next(r));
  ASSERT_TRUE((*source)->next(r));
  ASSERT_EQ(std::rename(next.c_str(), path_.c_str()), 0);
  while ((*source)->next(r)) {
  }
  ASSERT_FALSE((*source)->status());
  EXPECT_EQ((*source)->status().error().kind, Error::Kind::kSourceRead);
  EXPECT_EQ((*source)->status().error().where, "sqlite " + path_);
  EXPECT_NE((*source)->status().error().message.find("replaced"), std::string::npos) << (*source)->status().error().str();

  auto again = open_sqlite_source(path_, "SELECT employee_no FROM e", {});
  ASSERT_TRUE(again) << again.error().str();
  ASSERT_TRUE((*again)->next(r));
  const timespec later[2] = {{0, UTIME_OMIT}, {std::time(nullptr) + 5, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path_.c_str(), later, 0), 0);
  while ((*again)->next(r)) {
  }
  ASSERT_FALSE((*again)->status());
  EXPECT_EQ((*again)->status().error().kind, Error::Kind::kSourceRead);

  auto untouched = open_sqlite_source(path_, "SELECT employee_no FROM e", {});
  ASSERT_TRUE(untouched) << untouched.error().str();
  std::size_t rows = 0;
  while ((*untouched)->next(r)) ++rows;
  EXPECT_EQ(rows, 4u);
  EXPECT_TRUE((*untouched)->status()) << (*untouched)->status().error().str();
}

TEST_F(SqliteSourceTest, RuntimeErrorStopsWithStatus) {
  exec("CREATE TABLE e (employee_no TEXT); INSERT INTO e VALUES ('E1'), ('E2');");
  // abs() of the smallest integer overflows when the second row is stepped.
  auto source = open_sqlite_source(
      path_, "SELECT employee_no, abs(CASE employee_no WHEN 'E2' THEN -9223372036854775807 - 1 ELSE 1 END) AS card_no"
             " FROM e", {});
  ASSERT_TRUE(source) << source.error().str();
  Record r;
  EXPECT_TRUE((*source)->next(r));
  EXPECT_FALSE((*source)->next(r));
  ASSERT_FALSE((*source)->status());
  EXPECT_EQ((*source)->status().error().kind, Error::Kind::kDatabase);
  EXPECT_NE((*source)->status().error().message.find("reading row 2: integer overflow"), std::string::npos)
      << (*source)->status().error().message;
  EXPECT_FALSE((*source)->next(r));
}

}  // namespace
}  // namespace hrsync
