// The plan as `hrsync plan` shows it: personal values masked by default, whole for a reviewer
// who asks (`--unmask`); a photo is its hash and size either way.
#include <gtest/gtest.h>

#include <string>

#include "engine/plan/plan_report.h"

namespace hrsync {
namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

Plan one_change() {
  Plan plan;
  TargetPlan t;
  t.id = "acs_card";
  Work w;
  Document before;
  before.key = "u1";
  before.body = R"({"card":"10098800","email":"zhang.san@example.com","mobile":"+8613012345611","name":"A","photo":"AAAA"})";
  Document after = before;
  after.body = R"({"card":"99999912","email":"li.si@example.com","mobile":"+8613099999922","name":"B","photo":"BBBB"})";
  w.desired = after;
  w.last_applied = before;
  t.work.push_back(std::move(w));
  plan.targets.push_back(std::move(t));
  return plan;
}

TEST(PlanReport, PersonalValuesAreMaskedUnlessShownWhole) {
  const Plan plan = one_change();
  PlanRenderOptions masked;
  for (const std::string& out : {render_plan_text(plan, masked), render_plan_json(plan, masked)}) {
    EXPECT_FALSE(contains(out, "99999912")) << out;
    EXPECT_FALSE(contains(out, "10098800")) << out;
    EXPECT_FALSE(contains(out, "li.si@example.com")) << out;
    EXPECT_FALSE(contains(out, "+8613099999922")) << out;
    EXPECT_TRUE(contains(out, "99…12")) << out;
  }
  PlanRenderOptions shown;
  shown.masking = Masking::kShown;
  for (const std::string& out : {render_plan_text(plan, shown), render_plan_json(plan, shown)}) {
    EXPECT_TRUE(contains(out, "10098800")) << out;
    EXPECT_TRUE(contains(out, "99999912")) << out;
    EXPECT_TRUE(contains(out, "zhang.san@example.com")) << out;
    EXPECT_TRUE(contains(out, "li.si@example.com")) << out;
    EXPECT_TRUE(contains(out, "+8613012345611")) << out;
    EXPECT_TRUE(contains(out, "+8613099999922")) << out;
    EXPECT_TRUE(contains(out, "photo#")) << out;  // a photo's bytes say nothing to a reader
    EXPECT_FALSE(contains(out, "BBBB")) << out;
  }
}

TEST(PlanReport, ShowValueKeepsOtherFieldsAndPhotosAsTheyAre) {
  EXPECT_EQ(show_value("feature.card", "10098800", Masking::kShown), "10098800");
  EXPECT_EQ(show_value("feature.card", "10098800", Masking::kMasked), mask_value("feature.card", "10098800"));
  EXPECT_EQ(show_value("name", "A", Masking::kMasked), "A");
  EXPECT_EQ(show_value("reg_photo", "AAAA", Masking::kShown), mask_value("reg_photo", "AAAA"));
}

}  // namespace
}  // namespace hrsync
