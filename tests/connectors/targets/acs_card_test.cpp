// acs_card: the optional card, and what its PATCH cannot clear.
#include <gtest/gtest.h>

#include <string>

#include "connectors/targets/target_connector.h"
#include "diff/document.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;
using testing::valid_employee;

Document project(const TargetConnector& c, const Record& r) {
  auto doc = c.project(r);
  if (!doc) ADD_FAILURE() << doc.error().field << ": " << doc.error().rule;
  return doc.value_or(Document{});
}

Record without_card() {
  Record r = valid_employee();
  r.at(Field::kCardNo).clear();
  return r;
}

TEST(AcsCard, ARowWithoutACardIsValidAndSetsNothing) {
  auto c = connector("acs_card");
  const Document none = project(*c, without_card());
  EXPECT_EQ(none.key, "u001");
  EXPECT_EQ(none.body, "{}");
  EXPECT_TRUE(c->sets_nothing(none));
  const Document card = project(*c, valid_employee());
  EXPECT_FALSE(c->sets_nothing(card));
  EXPECT_NE(none.hash, card.hash);
}

TEST(AcsCard, ACardEmptiedInHrStaysOnTheDeviceToBeRemovedByHand) {
  auto c = connector("acs_card");
  const Document old = project(*c, valid_employee());
  auto held = c->held_after(project(*c, without_card()), old);
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->document.body, old.body);
  EXPECT_EQ(held->document.hash, old.hash);
  ASSERT_EQ(held->kept.size(), 1u);
  EXPECT_EQ(held->kept[0].field, "feature.card");
  EXPECT_NE(held->kept[0].rule.find("remove it by hand"), std::string::npos) << held->kept[0].rule;
}

TEST(AcsCard, ANewCardReplacesTheOld) {
  auto c = connector("acs_card");
  const Document old = project(*c, valid_employee());
  Record r = valid_employee();
  r.at(Field::kCardNo) = "424242";
  const Document d = project(*c, r);
  EXPECT_EQ(d.body, R"({"feature":{"card":424242}})");
  EXPECT_FALSE(c->held_after(d, old).has_value());
  auto req = c->update().build_request(d, &old);
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->method, "PATCH");
  EXPECT_EQ(req->body(), d.body);
}

TEST(AcsCard, ALeaverWithACardIsListedForRemovalByHand) {
  auto c = connector("acs_card");
  const Document old = project(*c, valid_employee());
  EXPECT_FALSE(c->on_missing(old).has_value());
  auto kept = c->kept_on_missing(old);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].field, "feature.card");
  EXPECT_NE(kept[0].rule.find("gone from the source"), std::string::npos) << kept[0].rule;
  EXPECT_NE(kept[0].rule.find("remove it by hand"), std::string::npos) << kept[0].rule;
  EXPECT_TRUE(c->kept_on_missing(project(*c, without_card())).empty());
}

}  // namespace
}  // namespace hrsync
