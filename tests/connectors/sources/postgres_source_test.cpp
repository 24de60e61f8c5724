#include "connectors/sources/postgres_source.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/connectors/sources/pg_test_db.h"
#include "tests/connectors/sources/read_all.h"

namespace hrsync {
namespace {

using testing::PgTestDb;
using testing::read_all;
using testing::SourceContents;

constexpr std::string_view kDsnName = "HR_PG_DSN";

class PostgresSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { db_ = new PgTestDb(); }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  void SetUp() override {
    if (!db_->available()) GTEST_SKIP() << "HRSYNC_TEST_PG_DSN is not set: no PostgreSQL server to test against";
  }

  SourceContents read(const std::string& query, const SourceOptions& options = {}) {
    auto source = open_postgres_source(db_->dsn(), query, options, kDsnName);
    if (!source) {
      ADD_FAILURE() << "open failed: " << source.error().str();
      return {};
    }
    return read_all(**source);
  }

  Error open_error(const std::string& dsn, const std::string& query, const SourceOptions& options = {}) {
    auto source = open_postgres_source(dsn, query, options, kDsnName);
    if (source) {
      ADD_FAILURE() << "open succeeded";
      return {};
    }
    return source.error();
  }

  static PgTestDb* db_;
};

PgTestDb* PostgresSourceTest::db_ = nullptr;

TEST_F(PostgresSourceTest, ConvertsColumnTypes) {
  const auto got = read(
      "SELECT 'E1'::text AS employee_no, 2::int2 AS gender, 5::int4 AS employee_type, 9007199254740993::int8 AS card_no,"
      " 12.50::numeric(8,2) AS person_type, 3.00::numeric AS permission_ids, 2.0::float8 AS leader_user_id,"
      " 0.25::float4 AS nickname, '张三'::varchar(10) AS name, 'ab'::char(5) AS city, true AS is_frozen,"
      " false AS mobile_visible, NULL::text AS email, '2021-03-01'::date AS join_time,"
      " '2021-03-01 17:30:00.75+08'::timestamptz AS face_key_update_time,"
      " '2021-03-01 09:30:00'::timestamp AS work_station, 'CN'::name AS country,"
      " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS user_id");
  ASSERT_TRUE(got.status) << got.status.error().str();
  ASSERT_EQ(got.records.size(), 1u);
  const Record& r = got.records[0];
  EXPECT_EQ(r.get(Field::kEmployeeNo), "E1");
  EXPECT_EQ(r.get(Field::kGender), "2");
  EXPECT_EQ(r.get(Field::kEmployeeType), "5");
  EXPECT_EQ(r.get(Field::kCardNo), "9007199254740993");  // int8 exact, no float on the way
  EXPECT_EQ(r.get(Field::kPersonType), "12.5");
  EXPECT_EQ(r.get(Field::kPermissionIds), "3");
  EXPECT_EQ(r.get(Field::kLeaderUserId), "2");
  EXPECT_EQ(r.get(Field::kNickname), "0.25");
  EXPECT_EQ(r.get(Field::kName), "张三");
  EXPECT_EQ(r.get(Field::kCity), "ab");  // char(n) padding dropped
  EXPECT_EQ(r.get(Field::kIsFrozen), "true");
  EXPECT_EQ(r.get(Field::kMobileVisible), "false");
  EXPECT_EQ(r.get(Field::kEmail), "");
  EXPECT_EQ(r.get(Field::kJoinTime), "1614556800");
  EXPECT_EQ(r.get(Field::kFaceKeyUpdateTime), "1614591000");
  EXPECT_EQ(r.get(Field::kWorkStation), "1614591000");  // timestamp without zone: UTC
  EXPECT_EQ(r.get(Field::kCountry), "CN");
  EXPECT_EQ(r.get(Field::kUserId), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(r.origin.str(), "postgres HR_PG_DSN row 1");
}

TEST_F(PostgresSourceTest, TimeZoneOfTheServerSessionDoesNotMatter) {
  // The source sets the session to UTC itself, whatever the role's default.
  db_->exec("ALTER DATABASE " + db_->dsn().substr(db_->dsn().rfind('=') + 1) + " SET TimeZone TO 'Asia/Shanghai'");
  const auto got = read("SELECT 'E1' AS employee_no, '2021-03-01 00:00:00'::timestamp AS join_time,"
                        " '2021-03-01 08:00:00+08'::timestamptz AS face_key_update_time");
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].get(Field::kJoinTime), "1614556800");
  EXPECT_EQ(got.records[0].get(Field::kFaceKeyUpdateTime), "1614556800");
}

TEST_F(PostgresSourceTest, TextTimeColumnsAreParsed) {
  const auto got = read("SELECT 'E1' AS employee_no, '2021-03-01' AS join_time, '1614591000' AS face_key_update_time");
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].get(Field::kJoinTime), "1614556800");
  EXPECT_EQ(got.records[0].get(Field::kFaceKeyUpdateTime), "1614591000");
}

TEST_F(PostgresSourceTest, BadRowsAreRejectedWithKeyAndReason) {
  const auto got = read(
      "SELECT * FROM (VALUES"
      " (1, 'E1', '2021-03-01'::text, '2021-03-01'::timestamptz, 1::numeric),"
      " (2, 'E2', 'yesterday', NULL, 1),"
      " (3, 'E3', NULL, 'infinity', 1),"
      " (4, 'E4', NULL, NULL, 'NaN'),"
      " (5, '', NULL, NULL, 1),"
      " (6, 'E6', NULL, NULL, 1)"
      ") AS t(n, employee_no, join_time, face_key_update_time, person_type) ORDER BY n");
  ASSERT_TRUE(got.status);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[1].get(Field::kEmployeeNo), "E6");
  EXPECT_EQ(got.records[1].origin.str(), "postgres HR_PG_DSN row 6");
  ASSERT_EQ(got.rejections.size(), 4u);
  EXPECT_EQ(got.rejections[0].origin.str(), "postgres HR_PG_DSN row 2");
  EXPECT_EQ(got.rejections[0].key, "E2");
  EXPECT_EQ(got.rejections[0].reason, "column join_time: unparseable timestamp \"yesterday\"");
  EXPECT_EQ(got.rejections[1].key, "E3");
  EXPECT_EQ(got.rejections[1].reason, "column face_key_update_time: unparseable timestamp \"infinity\"");
  EXPECT_EQ(got.rejections[2].key, "E4");
  EXPECT_EQ(got.rejections[2].reason, "column person_type: \"NaN\" is not a finite number");
  EXPECT_EQ(got.rejections[3].reason, "empty key (employee_no)");
}

TEST_F(PostgresSourceTest, StreamsRowsBeforeTheQueryEnds) {
  // The query fails on its last row: every row before it has already been handed over, which
  // only happens when rows stream one at a time instead of arriving as one result.
  auto source = open_postgres_source(
      db_->dsn(),
      "SELECT 'E' || g AS employee_no, g AS card_no, 1 / (200000 - g) AS person_type FROM generate_series(1, 200000) g",
      {}, kDsnName);
  ASSERT_TRUE(source) << source.error().str();
  Record r;
  std::size_t rows = 0;
  while ((*source)->next(r)) ++rows;
  EXPECT_EQ(rows, 199999u);
  EXPECT_EQ(r.get(Field::kEmployeeNo), "E199999");
  ASSERT_FALSE((*source)->status());
  EXPECT_EQ((*source)->status().error().kind, Error::Kind::kDatabase);
  EXPECT_NE((*source)->status().error().message.find("reading row 200000: division by zero (SQLSTATE 22012)"), std::string::npos)
      << (*source)->status().error().message;
}

TEST_F(PostgresSourceTest, ReadsAGeneratedSeriesCompletely) {
  const auto got = read("SELECT 'E' || g AS employee_no, g AS card_no FROM generate_series(1, 200000) g");
  ASSERT_TRUE(got.status);
  ASSERT_EQ(got.records.size(), 200000u);
  EXPECT_EQ(got.records.back().get(Field::kCardNo), "200000");
}

TEST_F(PostgresSourceTest, StoppingEarlyDoesNotHang) {
  auto source = open_postgres_source(
      db_->dsn(), "SELECT 'E' || g AS employee_no FROM generate_series(1, 5000000) g", {}, kDsnName);
  ASSERT_TRUE(source);
  Record r;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*source)->next(r));
  EXPECT_EQ(r.get(Field::kEmployeeNo), "E10");
  source->reset();  // closes the connection mid-query
}

TEST_F(PostgresSourceTest, EmptyResultIsNoRecordsAndOk) {
  const auto got = read("SELECT 'E1' AS employee_no WHERE false");
  EXPECT_TRUE(got.status);
  EXPECT_TRUE(got.records.empty());
}

TEST_F(PostgresSourceTest, UnreachableServerNamesHostAndPortButNotTheDsn) {
  const Error e = open_error("host=127.0.0.1 port=1 user=hrsync password=s3cretpw dbname=x connect_timeout=2",
                             "SELECT 1");
  EXPECT_EQ(e.kind, Error::Kind::kNetwork);
  EXPECT_EQ(e.where, "postgres HR_PG_DSN");
  EXPECT_NE(e.message.find("127.0.0.1:1"), std::string::npos) << e.message;
  EXPECT_EQ(e.str().find("s3cretpw"), std::string::npos) << e.str();
}

TEST_F(PostgresSourceTest, UnknownRoleIsAnAuthenticationError) {
  const Error e = open_error(db_->base() + " user=no_such_role_hrsync password=s3cretpw", "SELECT 1");
  EXPECT_EQ(e.kind, Error::Kind::kAuth);
  EXPECT_NE(e.message.find("no_such_role_hrsync"), std::string::npos) << e.message;
  EXPECT_EQ(e.str().find("s3cretpw"), std::string::npos) << e.str();
}

TEST_F(PostgresSourceTest, UnknownDatabaseIsNamed) {
  const Error e = open_error(db_->base() + " dbname=no_such_db_hrsync", "SELECT 1");
  EXPECT_EQ(e.kind, Error::Kind::kDatabase);
  EXPECT_NE(e.message.find("database \"no_such_db_hrsync\" does not exist"), std::string::npos) << e.message;
}

TEST_F(PostgresSourceTest, MalformedDsnIsAConfigErrorThatDoesNotEchoIt) {
  const Error e = open_error("host=127.0.0.1 s3cretpw", "SELECT 1");
  EXPECT_EQ(e.kind, Error::Kind::kConfig);
  EXPECT_NE(e.message.find("HR_PG_DSN"), std::string::npos);
  EXPECT_EQ(e.str().find("s3cretpw"), std::string::npos) << e.str();
}

TEST_F(PostgresSourceTest, QueryErrorCarriesTheServerMessage) {
  const Error e = open_error(db_->dsn(), "SELECT employee_no FROM hr.nope");
  EXPECT_EQ(e.kind, Error::Kind::kDatabase);
  EXPECT_NE(e.message.find("(SQLSTATE 42P01)"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("relation \"hr.nope\" does not exist"), std::string::npos) << e.message;
}

TEST_F(PostgresSourceTest, OnlyOneSelectIsAccepted) {
  EXPECT_NE(open_error(db_->dsn(), "SELECT 'a' AS employee_no; SELECT 'b' AS employee_no").message.find("multiple commands"),
            std::string::npos);
  db_->exec("CREATE TABLE IF NOT EXISTS scratch (employee_no text)");
  EXPECT_NE(open_error(db_->dsn(), "INSERT INTO scratch VALUES ('x')").message.find("must be a SELECT"),
            std::string::npos);
}

TEST_F(PostgresSourceTest, MissingRequiredColumnIsNamed) {
  SourceOptions o;
  o.required = {Field::kName};
  const Error e = open_error(db_->dsn(), "SELECT 'E1' AS employee_no, 'x' AS mobile", o);
  EXPECT_EQ(e.kind, Error::Kind::kInput);
  EXPECT_EQ(e.message, "required column \"name\" is missing; found: employee_no, mobile");
}

TEST_F(PostgresSourceTest, UnreadableTypeIsNamedWithAHint) {
  const Error e = open_error(db_->dsn(), "SELECT 'E1' AS employee_no, '\\x00'::bytea AS photo");
  EXPECT_EQ(e.kind, Error::Kind::kInput);
  EXPECT_NE(e.message.find("column photo has type bytea"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("cast it to text"), std::string::npos);
  // Columns that feed no field may be of any type.
  EXPECT_EQ(read("SELECT 'E1' AS employee_no, '\\x00'::bytea AS blob").records.size(), 1u);
}

TEST_F(PostgresSourceTest, RenamesUseResultColumnNames) {
  SourceOptions o;
  o.entity = Entity::kGroups;
  o.renames = {{Field::kName, "组名"}};
  const auto got = read("SELECT 'g1' AS group_id, '销售' AS \"组名\", 'x' AS name", o);
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].get(Field::kName), "销售");
}

}  // namespace
}  // namespace hrsync
