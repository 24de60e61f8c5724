// The same sample data read from CSV, SQLite and PostgreSQL gives identical plans: the same
// documents (byte for byte, so the same hashes) and the same invalid records, target by target.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "engine/plan/job.h"
#include "tests/connectors/sources/pg_test_db.h"

namespace hrsync {
namespace {

namespace fs = std::filesystem;

const std::string kSamples = HRSYNC_SAMPLES_DIR;
std::string g_pg_dsn;  // the scratch database of the PostgreSQL case

std::string env(const char* name) {
  if (std::string_view(name) == "PARITY_PG_DSN") return g_pg_dsn;
  return "secret";
}

// The sample job with its [sources.*] replaced by `sources`.
Result<Job> plan_with(const fs::path& dir, std::string_view sources) {
  std::ifstream in(kSamples + "/demo/job.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto a = text.find("[sources.employees]");
  const auto b = text.find("[targets.contact_user]");
  text.replace(a, b - a, std::string(sources) + "\n");
  text.replace(text.find("photo_dir = \"..\""), 16, fmt::format("photo_dir = \"{}\"", kSamples));
  fs::create_directories(dir);
  const auto path = (dir / "job.toml").string();
  std::ofstream(path) << text;
  return prepare_job(path, PlanOptions{}, /*create_store=*/false, env);
}

std::string csv_sources() {
  return fmt::format("[sources.employees]\nkind = \"csv\"\npath = \"{0}/employees.csv\"\n\n"
                     "[sources.groups]\nkind = \"csv\"\npath = \"{0}/groups.csv\"\n",
                     kSamples);
}

std::string sqlite_sources() {
  return fmt::format("[sources.employees]\nkind = \"sqlite\"\npath = \"{0}/hr.sqlite\"\n"
                     "query = \"SELECT * FROM employees ORDER BY id\"\n\n"
                     "[sources.groups]\nkind = \"sqlite\"\npath = \"{0}/hr.sqlite\"\n"
                     "query = \"SELECT * FROM groups ORDER BY id\"\n",
                     kSamples);
}

std::string postgres_sources() {
  return "[sources.employees]\nkind = \"postgres\"\ndsn_env = \"PARITY_PG_DSN\"\n"
         "query = \"SELECT * FROM hr.employees ORDER BY id\"\n\n"
         "[sources.groups]\nkind = \"postgres\"\ndsn_env = \"PARITY_PG_DSN\"\n"
         "query = \"SELECT * FROM hr.groups ORDER BY id\"\n";
}

void expect_same_plans(const Plan& a, const Plan& b, std::string_view what) {
  ASSERT_EQ(a.targets.size(), b.targets.size()) << what;
  for (std::size_t i = 0; i < a.targets.size(); ++i) {
    const auto& x = a.targets[i];
    const auto& y = b.targets[i];
    SCOPED_TRACE(fmt::format("{}: {}", what, x.id));
    EXPECT_EQ(x.counts.created, y.counts.created);
    EXPECT_EQ(x.counts.invalid, y.counts.invalid);
    ASSERT_EQ(x.work.size(), y.work.size());
    for (std::size_t k = 0; k < x.work.size(); ++k) {
      EXPECT_EQ(x.work[k].desired.key, y.work[k].desired.key);
      EXPECT_EQ(x.work[k].desired.body, y.work[k].desired.body);
      EXPECT_EQ(x.work[k].desired.hash, y.work[k].desired.hash);
    }
    ASSERT_EQ(x.invalid.size(), y.invalid.size());
    for (std::size_t k = 0; k < x.invalid.size(); ++k) {
      EXPECT_EQ(x.invalid[k].key, y.invalid[k].key);
      EXPECT_EQ(x.invalid[k].invalid.field, y.invalid[k].invalid.field);
      EXPECT_EQ(x.invalid[k].invalid.rule, y.invalid[k].invalid.rule);
    }
  }
  ASSERT_EQ(a.sources.size(), b.sources.size());
  for (std::size_t i = 0; i < a.sources.size(); ++i) EXPECT_EQ(a.sources[i].records, b.sources[i].records) << what;
}

class SourceParity : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("hrsync-parity-{}-{}", ::getpid(),
                                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SourceParity, CsvAndSqliteGiveIdenticalPlans) {
  auto csv = plan_with(dir_ / "csv", csv_sources());
  ASSERT_TRUE(csv.has_value()) << csv.error().str();
  auto sqlite = plan_with(dir_ / "sqlite", sqlite_sources());
  ASSERT_TRUE(sqlite.has_value()) << sqlite.error().str();
  EXPECT_GT(csv->plan.targets[0].work.size(), 250u);
  expect_same_plans(csv->plan, sqlite->plan, "csv vs sqlite");
}

TEST_F(SourceParity, CsvAndPostgresGiveIdenticalPlans) {
  testing::PgTestDb pg;
  if (!pg.available()) GTEST_SKIP() << "HRSYNC_TEST_PG_DSN is not set: no PostgreSQL server to test against";
  std::ifstream in(kSamples + "/hr.sql");
  pg.exec(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  g_pg_dsn = pg.dsn();
  auto csv = plan_with(dir_ / "csv", csv_sources());
  ASSERT_TRUE(csv.has_value()) << csv.error().str();
  auto postgres = plan_with(dir_ / "pg", postgres_sources());
  ASSERT_TRUE(postgres.has_value()) << postgres.error().str();
  expect_same_plans(csv->plan, postgres->plan, "csv vs postgres");
}

TEST_F(SourceParity, DuplicateKeysNameTheFirstRowInEveryKindOfSource) {
  auto sqlite = plan_with(dir_ / "sqlite", sqlite_sources());
  ASSERT_TRUE(sqlite.has_value()) << sqlite.error().str();
  bool found = false;
  for (const auto& r : sqlite->plan.sources[0].rejected) {
    if (r.reason.find("duplicate") == std::string::npos) continue;
    found = true;
    EXPECT_NE(r.reason.find("first at row 12"), std::string::npos) << r.reason;
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace hrsync
