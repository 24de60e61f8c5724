// ProblemDigest: a run's failed and skipped entities counted per (target, status, code), with a
// bounded list of examples however many there are.
#include "engine/run/problem_digest.h"

#include <gtest/gtest.h>

#include <string>

namespace hrsync {
namespace {

OutcomeRow row(std::string target, std::string key, std::string status, std::int64_t code, std::string message = "m") {
  return OutcomeRow{std::move(target), std::move(key), "upsert", std::move(status), code, std::move(message), "", 1};
}

TEST(ProblemDigestTest, ATargetFailingEveryCallIsCountedWholeAndListedBounded) {
  ProblemDigest d;
  for (int i = 0; i < 200'000; ++i) d.add(row("sophon_person", "E" + std::to_string(i), "skipped", 0));
  for (int i = 0; i < 57; ++i) d.add(row("sophon_person", "F" + std::to_string(i), "failed", 50072, "SERVER_PROCESS_FAILED"));
  EXPECT_EQ(d.count(), 200'057u);
  EXPECT_EQ(d.listed(), 2 * ProblemDigest::kExamples);
  const std::vector<ProblemGroup> groups = d.groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].status, "skipped") << "biggest first";
  EXPECT_EQ(groups[0].count, 200'000u);
  ASSERT_EQ(groups[0].examples.size(), ProblemDigest::kExamples);
  EXPECT_EQ(groups[0].examples.front().key, "E0") << "the first ones, in the order they came";
  EXPECT_EQ(groups[0].examples.back().key, "E19");
  EXPECT_EQ(groups[1].code, 50072);
  EXPECT_EQ(groups[1].count, 57u);
  EXPECT_EQ(groups[1].message, "SERVER_PROCESS_FAILED");
  EXPECT_EQ(groups[1].keys().size(), ProblemDigest::kExamples);
}

TEST(ProblemDigestTest, GroupsByTargetStatusAndCodeAndIgnoresApplied) {
  ProblemDigest d(2);
  d.add(row("contact_user", "u1", "failed", 41001, "mobile already exist"));
  d.add(row("contact_user", "u2", "applied", 0));
  d.add(row("acs_card", "u3", "failed", 41001));
  d.add(row("contact_user", "u4", "failed", 41001, "another text"));
  d.add(row("contact_user", "u5", "skipped", 41001));
  d.add(row("contact_user", "u6", "failed", 41001));
  EXPECT_EQ(d.count(), 5u) << "an applied outcome is no problem";
  EXPECT_EQ(d.listed(), 4u);
  const auto& in_order = d.groups_in_order();
  ASSERT_EQ(in_order.size(), 3u);
  EXPECT_EQ(in_order[0].target, "contact_user");
  EXPECT_EQ(in_order[0].count, 3u);
  EXPECT_EQ(in_order[0].message, "mobile already exist") << "the first message seen";
  EXPECT_EQ(in_order[0].keys(), (std::vector<std::string>{"u1", "u4"}));
  EXPECT_EQ(in_order[1].target, "acs_card");
  EXPECT_EQ(in_order[2].status, "skipped");
  const std::vector<ProblemGroup> sorted = d.groups();
  EXPECT_EQ(sorted[0].count, 3u);
  EXPECT_EQ(sorted[1].target, "acs_card") << "ties by target, status and code";
  EXPECT_EQ(sorted[2].status, "skipped");
}

}  // namespace
}  // namespace hrsync
