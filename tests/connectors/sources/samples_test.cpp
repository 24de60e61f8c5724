// The sample HR data (samples/): what it holds, and that CSV, SQLite and PostgreSQL give the same
// records, so a job reading any of them makes the same plan.
#include <gtest/gtest.h>

#include <SQLiteCpp/Database.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "base/utf8.h"
#include "connectors/sources/csv_source.h"
#include "connectors/sources/postgres_source.h"
#include "connectors/sources/sqlite_source.h"
#include "tests/connectors/sources/pg_test_db.h"
#include "tests/connectors/sources/read_all.h"
#include "tests/connectors/sources/temp_dir.h"

namespace hrsync {
namespace {

using testing::groups_options;
using testing::read_all;
using testing::SourceContents;

const std::string kSamples = HRSYNC_SAMPLES_DIR;
// The queries a job config uses to read the sample databases.
constexpr const char* kSqliteEmployees = "SELECT * FROM employees ORDER BY id";
constexpr const char* kSqliteGroups = "SELECT * FROM groups ORDER BY id";
constexpr const char* kPgEmployees = "SELECT * FROM hr.employees ORDER BY id";
constexpr const char* kPgGroups = "SELECT * FROM hr.groups ORDER BY id";

SourceContents must_read(Result<std::unique_ptr<RecordSource>> source) {
  if (!source) {
    ADD_FAILURE() << source.error().str();
    return {};
  }
  auto got = read_all(**source);
  EXPECT_TRUE(got.status) << got.status.error().str();
  return got;
}

SourceContents csv_employees() { return must_read(open_csv_source(kSamples + "/employees.csv", {})); }
SourceContents csv_groups() { return must_read(open_csv_source(kSamples + "/groups.csv", groups_options())); }

// Field-by-field equality of two record sequences (origins aside).
void expect_same_records(const std::vector<Record>& want, const std::vector<Record>& got, const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    for (std::size_t f = 0; f < kFieldCount; ++f) {
      ASSERT_EQ(want[i].fields[f], got[i].fields[f])
          << what << ": record " << i + 1 << " (" << want[i].origin.str() << " vs " << got[i].origin.str() << "), column "
          << field_name(static_cast<Field>(f));
    }
  }
}

TEST(Samples, EmployeesCsvRejectsOnlyTheRowWithAMissingField) {
  const auto got = csv_employees();
  EXPECT_EQ(got.records.size(), 299u);
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_EQ(got.rejections[0].origin.str(), kSamples + "/employees.csv:151");
  EXPECT_EQ(got.rejections[0].key, "E0150");
  EXPECT_EQ(got.rejections[0].reason, "expected 25 fields, found 24");
}

TEST(Samples, EmployeesCsvHoldsOneOfEachDeliberateMistake) {
  const auto got = csv_employees();
  std::map<std::string, int> keys, user_ids, mobiles;
  int long_names = 0, bad_type = 0, bad_gender = 0, bad_card = 0, no_mobile = 0, foreign_without_email = 0;
  for (const Record& r : got.records) {
    ++keys[std::string(r.get(Field::kEmployeeNo))];
    ++user_ids[std::string(r.get(Field::kUserId))];
    if (!r.get(Field::kMobile).empty()) ++mobiles[std::string(r.get(Field::kMobile))];
    long_names += utf8_length(r.get(Field::kName)) > 64;
    bad_type += r.get(Field::kEmployeeType) == "7";
    bad_gender += r.get(Field::kGender) == "3";
    bad_card += r.get(Field::kCardNo).find_first_not_of("0123456789") != std::string_view::npos;
    no_mobile += r.get(Field::kMobile).empty();
    foreign_without_email += !r.get(Field::kMobile).empty() && !r.get(Field::kMobile).starts_with("+86") &&
                             r.get(Field::kEmail).empty();
  }
  const auto shared = [](const std::map<std::string, int>& counts) {
    int n = 0;
    for (const auto& [value, count] : counts) n += count > 1;
    return n;
  };
  EXPECT_EQ(shared(keys), 1);      // E0012 twice
  EXPECT_EQ(shared(user_ids), 1);  // the rehire: E0270 holds E0100's user_id
  EXPECT_EQ(user_ids["u0100"], 2);
  EXPECT_EQ(shared(mobiles), 1);   // E0280 holds E0160's mobile
  EXPECT_EQ(mobiles["+8618678653309"], 2);
  EXPECT_EQ(foreign_without_email, 1);  // E0199: +41 and no e-mail
  EXPECT_EQ(long_names, 1);
  EXPECT_EQ(bad_type, 1);
  EXPECT_EQ(bad_gender, 1);
  EXPECT_EQ(bad_card, 1);
  EXPECT_EQ(no_mobile, 1);
}

TEST(Samples, EmployeesHaveUniqueMobilesAndEmailsAndMixedNames) {
  const auto got = csv_employees();
  std::set<std::string_view> mobiles, emails, departments;
  int chinese = 0, quoted_commas = 0;
  for (const Record& r : got.records) {
    // E0280 gives E0160's mobile on purpose (EmployeesCsvHoldsOneOfEachDeliberateMistake).
    if (!r.get(Field::kMobile).empty() && r.get(Field::kEmployeeNo) != "E0280") {
      EXPECT_TRUE(mobiles.insert(r.get(Field::kMobile)).second) << r.origin.str();
    }
    // E0199 has no e-mail on purpose; every other row has its own.
    EXPECT_EQ(r.get(Field::kEmail).empty(), r.get(Field::kEmployeeNo) == "E0199") << r.origin.str();
    if (!r.get(Field::kEmail).empty()) {
      EXPECT_TRUE(emails.insert(r.get(Field::kEmail)).second) << r.origin.str();
    }
    departments.insert(r.get(Field::kDepartmentIds).substr(0, 35));
    chinese += utf8_length(r.get(Field::kName)) != r.get(Field::kName).size();
    quoted_commas += r.get(Field::kJobTitle).find(',') != std::string_view::npos ||
                     r.get(Field::kWorkStation).find(',') != std::string_view::npos;
  }
  EXPECT_GE(departments.size(), 5u);
  EXPECT_GT(chinese, 50);
  EXPECT_LT(chinese, 280);
  EXPECT_GT(quoted_commas, 10);
}

TEST(Samples, PhotosAreSmallJpegFilesRelativeToTheSamplesFolder) {
  const auto got = csv_employees();
  int photos = 0;
  for (const Record& r : got.records) {
    if (r.get(Field::kPhoto).empty()) continue;
    ++photos;
    const std::string path = kSamples + "/" + std::string(r.get(Field::kPhoto));
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_LT(bytes.size(), 2048u) << path;
    ASSERT_GT(bytes.size(), 4u);
    EXPECT_EQ(bytes.substr(0, 3), "\xFF\xD8\xFF") << path;
    EXPECT_EQ(bytes.substr(bytes.size() - 2), "\xFF\xD9") << path;
  }
  EXPECT_GE(photos, 2);
}

TEST(Samples, GroupsCsvHasOneNameOverTheLimit) {
  const auto got = csv_groups();
  EXPECT_TRUE(got.rejections.empty());
  EXPECT_GE(got.records.size(), 8u);
  int too_long = 0;
  for (const Record& r : got.records) too_long += utf8_length(r.get(Field::kName)) > 100;
  EXPECT_EQ(too_long, 1);
}

// The same export as Excel saves it in a Chinese locale: GB18030, read with encoding = "gb18030".
TEST(Samples, TheGb18030ExportGivesTheSameRecordsAndRejectionsAsTheUtf8One) {
  CsvOptions gb;
  gb.encoding = "gb18030";
  const auto utf8 = csv_employees();
  const auto got = must_read(open_csv_source(kSamples + "/employees-gb18030.csv", {}, gb));
  expect_same_records(utf8.records, got.records, "employees: utf-8 vs gb18030");
  ASSERT_EQ(got.rejections.size(), utf8.rejections.size());
  for (std::size_t i = 0; i < got.rejections.size(); ++i) {
    EXPECT_EQ(got.rejections[i].origin.line, utf8.rejections[i].origin.line);
    EXPECT_EQ(got.rejections[i].reason, utf8.rejections[i].reason);
  }
  // Read as UTF-8, it stops at open and names the option.
  auto as_utf8 = open_csv_source(kSamples + "/employees-gb18030.csv", {});
  if (as_utf8) {
    const auto wrong = read_all(**as_utf8);
    ASSERT_FALSE(wrong.status) << "a GB18030 export read as UTF-8 must not pass";
    EXPECT_NE(wrong.status.error().str().find("gb18030"), std::string::npos) << wrong.status.error().str();
  } else {
    EXPECT_NE(as_utf8.error().str().find("gb18030"), std::string::npos) << as_utf8.error().str();
  }
}

TEST(Samples, SqliteGivesTheSameRecordsAsTheCsv) {
  const std::string db = kSamples + "/hr.sqlite";
  const auto employees = must_read(open_sqlite_source(db, kSqliteEmployees, {}));
  EXPECT_TRUE(employees.rejections.empty());
  expect_same_records(csv_employees().records, employees.records, "employees: csv vs sqlite");
  const auto groups = must_read(open_sqlite_source(db, kSqliteGroups, groups_options()));
  expect_same_records(csv_groups().records, groups.records, "groups: csv vs sqlite");
}

TEST(Samples, SqliteFileIsBuiltFromItsScript) {
  testing::TempDir dir;
  const std::string fresh = dir.path("hr.sqlite");
  {
    std::ifstream in(kSamples + "/hr_sqlite.sql");
    const std::string script((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SQLite::Database db(fresh, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(script);
  }
  const auto committed = must_read(open_sqlite_source(kSamples + "/hr.sqlite", kSqliteEmployees, {}));
  const auto rebuilt = must_read(open_sqlite_source(fresh, kSqliteEmployees, {}));
  expect_same_records(committed.records, rebuilt.records, "hr.sqlite vs hr_sqlite.sql");
}

TEST(Samples, PostgresGivesTheSameRecordsAsTheCsv) {
  testing::PgTestDb pg;
  if (!pg.available()) GTEST_SKIP() << "HRSYNC_TEST_PG_DSN is not set: no PostgreSQL server to test against";
  std::ifstream in(kSamples + "/hr.sql");
  const std::string script((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  pg.exec(script);
  const auto employees = must_read(open_postgres_source(pg.dsn(), kPgEmployees, {}, "HRSYNC_TEST_PG_DSN"));
  EXPECT_TRUE(employees.rejections.empty());
  expect_same_records(csv_employees().records, employees.records, "employees: csv vs postgres");
  const auto groups = must_read(open_postgres_source(pg.dsn(), kPgGroups, groups_options(), "HRSYNC_TEST_PG_DSN"));
  expect_same_records(csv_groups().records, groups.records, "groups: csv vs postgres");
}

}  // namespace
}  // namespace hrsync
