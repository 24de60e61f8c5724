// The same sample data read from CSV, SQLite and PostgreSQL gives identical plans: the same
// documents (byte for byte, so the same hashes) and the same invalid records, target by target.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

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

// A rule naming another row names it the way its source does ("employees.csv:101", "hr.sqlite row
// 100"); that row is invalid for the same target too, so its origin is replaced by its key.
std::string rule_by_keys(const TargetPlan& t, std::string rule) {
  std::vector<std::pair<std::string, std::string>> names;
  for (const auto& e : t.invalid) names.emplace_back(e.origin.str(), "<" + e.key + ">");
  std::ranges::sort(names, [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });
  for (const auto& [origin, key] : names) {
    for (auto at = rule.find(origin); at != std::string::npos; at = rule.find(origin, at + 1)) {
      const auto end = at + origin.size();
      if (end < rule.size() && std::isdigit(static_cast<unsigned char>(rule[end]))) continue;
      rule.replace(at, origin.size(), key);
    }
  }
  return rule;
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
      EXPECT_EQ(rule_by_keys(x, x.invalid[k].invalid.rule), rule_by_keys(y, y.invalid[k].invalid.rule));
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

const InvalidEntity* invalid_for(const Plan& plan, std::string_view target, std::string_view key, std::string_view field) {
  for (const auto& t : plan.targets) {
    if (t.id != target) continue;
    for (const auto& e : t.invalid) {
      if (e.key == key && e.invalid.field == field) return &e;
    }
  }
  return nullptr;
}

bool sends(const Plan& plan, std::string_view target, std::string_view key) {
  for (const auto& t : plan.targets) {
    if (t.id != target) continue;
    for (const auto& w : t.work) {
      if (w.desired.key == key) return true;
    }
  }
  return false;
}

// The sample's deliberate mistakes of one owner per value (samples/README.md): each row is invalid
// for the targets whose rule it breaks, naming the other row's line, and neither row is sent.
TEST_F(SourceParity, TheSampleJobShowsEachSharedValueAsInvalidNamingBothLines) {
  auto job = plan_with(dir_ / "csv", csv_sources());
  ASSERT_TRUE(job.has_value()) << job.error().str();
  const Plan& plan = job->plan;
  const std::string csv = kSamples + "/employees.csv";
  struct Pair {
    std::string_view target, field;
    std::string a, a_line, b, b_line, rule;
  };
  const Pair pairs[] = {
      // The rehire: E0270 (line 271) comes with E0100's user_id u0100.
      {"contact_user", "user_id", "E0100", csv + ":101", "E0270", csv + ":271", "user_id u0100 also given by"},
      {"acs_card", "user_id", "E0100", csv + ":101", "E0270", csv + ":271", "user_id u0100 also given by"},
      // E0280 (line 281) gives E0160's mobile.
      {"contact_user", "mobile", "E0160", csv + ":161", "E0280", csv + ":281", "41001"},
  };
  for (const Pair& p : pairs) {
    SCOPED_TRACE(fmt::format("{} {}", p.target, p.field));
    const InvalidEntity* a = invalid_for(plan, p.target, p.a, p.field);
    const InvalidEntity* b = invalid_for(plan, p.target, p.b, p.field);
    ASSERT_NE(a, nullptr) << p.a;
    ASSERT_NE(b, nullptr) << p.b;
    EXPECT_EQ(a->origin.str(), p.a_line);
    EXPECT_EQ(b->origin.str(), p.b_line);
    EXPECT_NE(a->invalid.rule.find(p.b_line), std::string::npos) << a->invalid.rule;
    EXPECT_NE(b->invalid.rule.find(p.a_line), std::string::npos) << b->invalid.rule;
    EXPECT_NE(a->invalid.rule.find(p.rule), std::string::npos) << a->invalid.rule;
    EXPECT_NE(b->invalid.rule.find(p.rule), std::string::npos) << b->invalid.rule;
  }
  EXPECT_FALSE(sends(plan, "contact_user", "u0100"));
  EXPECT_FALSE(sends(plan, "acs_card", "u0100"));
  EXPECT_FALSE(sends(plan, "contact_user", "u0160"));
  EXPECT_FALSE(sends(plan, "contact_user", "u0280"));
  // Keyed by employee_no, the rehire and the shared mobile are two people there.
  EXPECT_TRUE(sends(plan, "sophon_person", "E0100"));
  EXPECT_TRUE(sends(plan, "sophon_person", "E0270"));
  EXPECT_TRUE(sends(plan, "attendance_face", "E0270"));

  // E0199 (line 200): a Swiss mobile and no e-mail.
  const InvalidEntity* foreign = invalid_for(plan, "contact_user", "E0199", "email");
  ASSERT_NE(foreign, nullptr);
  EXPECT_EQ(foreign->origin.str(), csv + ":200");
  EXPECT_NE(foreign->invalid.rule.find("44020"), std::string::npos) << foreign->invalid.rule;
  EXPECT_FALSE(sends(plan, "contact_user", "u0199"));
  EXPECT_TRUE(sends(plan, "acs_card", "u0199"));

  // Every deliberate mistake of samples/README.md, and nothing else, is invalid somewhere.
  std::size_t invalid = 0;
  for (const auto& t : plan.targets) invalid += t.invalid.size();
  EXPECT_EQ(invalid, 13u);
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
