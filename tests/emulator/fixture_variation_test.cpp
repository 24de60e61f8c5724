// fixture_from_hr_csv with every member, and vary_fixture: a tenant that differs from the HR
// export by exactly the shares asked, the same people for the same seed.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "emulator/fixture.h"
#include "emulator/fixture_variation.h"

namespace hrsync::emulator {
namespace {

Fixture sample() {
  auto f = fixture_from_hr_csv(HRSYNC_SAMPLES_DIR "/employees.csv", HRSYNC_SAMPLES_DIR "/groups.csv", true);
  EXPECT_TRUE(f) << f.error().str();
  return *f;
}

const FixtureUser* user(const Fixture& f, const std::string& employee_no) {
  for (const auto& u : f.users) {
    if (u.employee_no == employee_no) return &u;
  }
  return nullptr;
}

TEST(FixtureFromCsvTest, EveryMemberHoldsWhatHrSays) {
  Fixture f = sample();
  const FixtureUser* u = user(f, "E0001");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->fields.at("job_title").as_string(), "Head of Engineering");
  EXPECT_EQ(u->fields.at("employee_type").as_int64(), 3);
  EXPECT_FALSE(u->fields.at("is_frozen").as_bool());
  EXPECT_EQ(u->fields.at("join_time").as_int64(), 1467504000);
  EXPECT_FALSE(u->fields.contains("card_no"));
  EXPECT_GE(f.acs_cards.size() + 5, f.acs_users.size());  // a malformed or empty card_no is left out
  EXPECT_EQ(f.acs_cards.at(0), (std::pair<std::string, std::int64_t>{"u0001", 30000037}));
  EXPECT_EQ(f.attendance_users.at(0).face_key, "c2b1cfea52e85733a2debce0f3b2666c");
  // Without it, as before: the keys and contacts only.
  auto plain = fixture_from_hr_csv(HRSYNC_SAMPLES_DIR "/employees.csv");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->users.at(0).fields.empty());
  EXPECT_TRUE(plain->acs_cards.empty());
  // The new members survive the JSON form.
  auto back = parse_fixture(fixture_to_json(f), "t");
  ASSERT_TRUE(back) << back.error().str();
  EXPECT_EQ(back->acs_cards, f.acs_cards);
  EXPECT_EQ(back->attendance_users.at(0).face_key, f.attendance_users.at(0).face_key);
}

TEST(FixtureVariationTest, AbsentPeopleAreOnNoPlatformAndTheShareIsExact) {
  Fixture f = sample();
  const std::size_t people = f.sophon_persons.size();
  auto report = vary_fixture(f, FixtureVariation{.absent_share = 0.1, .seed = 7});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->absent.size(), static_cast<std::size_t>(std::llround(0.1 * static_cast<double>(people))));
  EXPECT_EQ(f.sophon_persons.size(), people - report->absent.size());
  for (const auto& gone : report->absent) {
    EXPECT_EQ(user(f, gone), nullptr) << gone;
    EXPECT_TRUE(std::none_of(f.sophon_persons.begin(), f.sophon_persons.end(), [&](auto& p) { return p.identity_id == gone; }));
    EXPECT_TRUE(std::none_of(f.attendance_users.begin(), f.attendance_users.end(), [&](auto& a) { return a.employee_no == gone; }));
  }
  EXPECT_EQ(f.acs_users.size(), f.users.size());
  EXPECT_LE(f.acs_cards.size(), f.users.size());
}

TEST(FixtureVariationTest, DriftHalfInDepartmentsTheRestInValues) {
  Fixture hr = sample();
  Fixture f = hr;
  auto report = vary_fixture(f, FixtureVariation{.absent_share = 0.05, .drift_share = 0.1, .seed = 3});
  ASSERT_TRUE(report);
  const std::size_t present = hr.sophon_persons.size() - report->absent.size();
  const std::size_t drifted = static_cast<std::size_t>(std::llround(0.1 * static_cast<double>(present)));
  EXPECT_EQ(report->drifted_departments.size() + report->drifted_values.size(), drifted);
  EXPECT_EQ(report->drifted_departments.size(), (drifted + 1) / 2);
  std::set<std::string> moved(report->drifted_departments.begin(), report->drifted_departments.end());
  std::set<std::string> renamed(report->drifted_values.begin(), report->drifted_values.end());
  std::size_t differing = 0;
  for (const auto& u : f.users) {
    const FixtureUser* before = user(hr, u.employee_no);
    ASSERT_NE(before, nullptr);
    const bool dept = u.department_ids != before->department_ids;
    const bool name = u.name != before->name;
    EXPECT_EQ(dept, moved.contains(u.employee_no)) << u.employee_no;
    EXPECT_EQ(name, renamed.contains(u.employee_no)) << u.employee_no;
    differing += dept || name;
  }
  EXPECT_EQ(differing, drifted);
}

TEST(FixtureVariationTest, TheSameSeedPicksTheSamePeople) {
  Fixture a = sample(), b = sample(), c = sample();
  auto ra = vary_fixture(a, FixtureVariation{.absent_share = 0.1, .drift_share = 0.1, .seed = 5});
  auto rb = vary_fixture(b, FixtureVariation{.absent_share = 0.1, .drift_share = 0.1, .seed = 5});
  auto rc = vary_fixture(c, FixtureVariation{.absent_share = 0.1, .drift_share = 0.1, .seed = 6});
  ASSERT_TRUE(ra && rb && rc);
  EXPECT_EQ(ra->absent, rb->absent);
  EXPECT_EQ(ra->drifted_values, rb->drifted_values);
  EXPECT_NE(ra->absent, rc->absent);
}

TEST(FixtureVariationTest, BlacklistedAndVipPersons) {
  Fixture f = sample();
  auto report = vary_fixture(f, FixtureVariation{.special_share = 0.02, .person_types = {{"E0002", 3}}});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->special.size(), static_cast<std::size_t>(std::llround(0.02 * static_cast<double>(f.sophon_persons.size()))));
  std::size_t blacklisted = 0, vip = 0;
  for (const auto& p : f.sophon_persons) {
    blacklisted += p.type == 3;
    vip += p.type == 5;
    if (p.identity_id == "E0002") {
      EXPECT_EQ(p.type, 3);
    }
  }
  EXPECT_GE(blacklisted + vip, report->special.size());
  EXPECT_GT(vip, 0u);
  EXPECT_FALSE(vary_fixture(f, FixtureVariation{.absent_share = 1.5}));
  EXPECT_FALSE(vary_fixture(f, FixtureVariation{.person_types = {{"nobody", 3}}}));
  EXPECT_FALSE(vary_fixture(f, FixtureVariation{.person_types = {{"E0002", 9}}}));
}

}  // namespace
}  // namespace hrsync::emulator
