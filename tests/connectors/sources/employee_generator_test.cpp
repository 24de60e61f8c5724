#include "samples/employee_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <set>
#include <string>

#include "connectors/sources/csv_source.h"
#include "tests/connectors/sources/read_all.h"
#include "tests/connectors/sources/temp_dir.h"

namespace hrsync {
namespace {

using samples::EmployeeGenerator;
using samples::GeneratorOptions;

std::string generate(const GeneratorOptions& o) {
  std::string out;
  samples::EmployeeValues scratch;
  EmployeeGenerator gen(o);
  EmployeeGenerator::append_header(out);
  for (std::uint64_t i = 0; i < o.count; ++i) gen.append_row(i, out, scratch);
  return out;
}

testing::SourceContents read_csv(const std::string& bytes) {
  testing::TempDir dir;
  auto source = open_csv_source(dir.write("g.csv", bytes), {});
  if (!source) {
    ADD_FAILURE() << source.error().str();
    return {};
  }
  return testing::read_all(**source);
}

TEST(EmployeeGenerator, WritesValidUniqueEmployeesThatReadCleanly) {
  GeneratorOptions o;
  o.count = 3000;
  o.quoted_share = 0.2;
  const auto got = read_csv(generate(o));
  ASSERT_TRUE(got.status);
  EXPECT_TRUE(got.rejections.empty());
  ASSERT_EQ(got.records.size(), 3000u);
  std::set<std::string> keys, users, mobiles, emails, cards;
  const std::regex mobile(R"(\+8613\d{9})"), digits(R"(\d+)"), email(R"([a-z.]+\.\d+@example\.com)");
  for (const Record& r : got.records) {
    keys.emplace(r.get(Field::kEmployeeNo));
    users.emplace(r.get(Field::kUserId));
    mobiles.emplace(r.get(Field::kMobile));
    emails.emplace(r.get(Field::kEmail));
    cards.emplace(r.get(Field::kCardNo));
    const std::string m(r.get(Field::kMobile)), e(r.get(Field::kEmail)), j(r.get(Field::kJoinTime));
    EXPECT_TRUE(std::regex_match(m, mobile)) << m;
    EXPECT_TRUE(std::regex_match(e, email)) << e;
    EXPECT_TRUE(std::regex_match(j, digits)) << j;
    EXPECT_LE(std::stoll(std::string(r.get(Field::kCardNo))), 2147483647LL);
    EXPECT_GE(r.get(Field::kEmployeeType), "1");
    EXPECT_LE(r.get(Field::kEmployeeType), "5");
    EXPECT_GE(r.get(Field::kGender), "0");
    EXPECT_LE(r.get(Field::kGender), "2");
    EXPECT_FALSE(r.get(Field::kDepartmentIds).empty());
    EXPECT_EQ(r.get(Field::kFaceKey).size(), 32u);
  }
  EXPECT_EQ(keys.size(), 3000u);
  EXPECT_EQ(users.size(), 3000u);
  EXPECT_EQ(mobiles.size(), 3000u);
  EXPECT_EQ(emails.size(), 3000u);
  EXPECT_EQ(cards.size(), 3000u);
}

TEST(EmployeeGenerator, QuotesAboutTheShareAsked) {
  GeneratorOptions o;
  o.count = 4000;
  for (double share : {0.0, 0.2, 0.5}) {
    o.quoted_share = share;
    const std::string csv = generate(o);
    // Values hold no quotes, so each quoted field adds exactly two.
    const double quoted = static_cast<double>(std::count(csv.begin(), csv.end(), '"')) / 2.0;
    const double fields = static_cast<double>(o.count * samples::kEmployeeColumnCount);
    EXPECT_NEAR(quoted / fields, share, 0.03) << share;  // titles with commas are always quoted
  }
}

TEST(EmployeeGenerator, SameSeedSameFileOtherSeedOtherPeople) {
  GeneratorOptions o;
  o.count = 500;
  o.seed = 7;
  EXPECT_EQ(generate(o), generate(o));
  GeneratorOptions other = o;
  other.seed = 8;
  EXPECT_NE(generate(o), generate(other));
}

TEST(EmployeeGenerator, ChangedShareChangesOnlyTitleAndCityOfThatShare) {
  GeneratorOptions base;
  base.count = 20000;
  base.seed = 7;
  GeneratorOptions changed = base;
  changed.changed_share = 0.01;
  changed.change_seed = 8;
  const EmployeeGenerator a(base), b(changed);
  samples::EmployeeValues va, vb;
  std::uint64_t differing = 0;
  for (std::uint64_t i = 0; i < base.count; ++i) {
    a.values(i, va);
    b.values(i, vb);
    const bool differs = va != vb;
    differing += differs;
    ASSERT_EQ(differs, b.changed(i)) << i;
    if (!differs) continue;
    for (std::size_t c = 0; c < samples::kEmployeeColumnCount; ++c) {
      const auto column = samples::kEmployeeColumns[c];
      if (column == "job_title" || column == "city") {
        EXPECT_NE(va[c], vb[c]) << i << " " << column;
      } else {
        EXPECT_EQ(va[c], vb[c]) << i << " " << column;
      }
    }
  }
  EXPECT_GT(differing, 150u);  // 1 % of 20000 is 200
  EXPECT_LT(differing, 250u);
}

TEST(EmployeeGenerator, WritesToAFile) {
  testing::TempDir dir;
  const std::string path = dir.path("out.csv");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  GeneratorOptions o;
  o.count = 10;
  ASSERT_TRUE(samples::write_employees_csv(o, f));
  std::fclose(f);
  auto source = open_csv_source(path, {});
  ASSERT_TRUE(source);
  EXPECT_EQ(testing::read_all(**source).records.size(), 10u);
}

}  // namespace
}  // namespace hrsync
