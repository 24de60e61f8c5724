#include "diff/differ.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hrsync {
namespace {

Document doc(std::string key, std::string body) {
  Document d{std::move(key), std::move(body)};
  d.seal();
  return d;
}

// A snapshot of E1..E4 holding {"v":1} for each.
SnapshotIndex snapshot_of_four() {
  SnapshotIndex index;
  for (const char* key : {"E1", "E2", "E3", "E4"}) index.add(key, doc(key, R"({"v":1})").hash);
  return index;
}

TEST(Differ, SortsOffersIntoNewChangedAndUnchanged) {
  Differ differ(snapshot_of_four());
  EXPECT_EQ(differ.offer(doc("E1", R"({"v":1})")), Change::kUnchanged);
  EXPECT_EQ(differ.offer(doc("E2", R"({"v":2})")), Change::kChanged);
  EXPECT_EQ(differ.offer(doc("E9", R"({"v":1})")), Change::kNew);
  EXPECT_TRUE(is_upsert(Change::kNew));
  EXPECT_TRUE(is_upsert(Change::kChanged));
  EXPECT_FALSE(is_upsert(Change::kUnchanged));

  const auto missing = differ.finish();
  EXPECT_EQ(missing, (std::vector<std::string>{"E3", "E4"}));
  const auto& c = differ.counts();
  EXPECT_EQ(c.known, 4u);
  EXPECT_EQ(c.created, 1u);
  EXPECT_EQ(c.changed, 1u);
  EXPECT_EQ(c.unchanged, 1u);
  EXPECT_EQ(c.missing, 2u);
  EXPECT_EQ(c.invalid, 0u);
}

TEST(Differ, AnInvalidRecordIsNeverMissing) {
  Differ differ(snapshot_of_four());
  differ.offer(doc("E1", R"({"v":1})"));
  differ.offer(doc("E2", R"({"v":1})"));
  differ.invalid("E3");     // known to the snapshot: must not be frozen
  differ.invalid("E-new");  // unknown: only counted
  std::vector<std::string> missing;
  differ.for_each_missing([&](std::string_view key) { missing.emplace_back(key); });
  EXPECT_EQ(missing, std::vector<std::string>{"E4"});
  EXPECT_EQ(differ.counts().invalid, 2u);
  EXPECT_EQ(differ.counts().missing, 1u);
}

TEST(Differ, EmptySnapshotMakesEverythingNewAndNothingMissing) {
  Differ differ;
  EXPECT_EQ(differ.offer(doc("E1", R"({"v":1})")), Change::kNew);
  EXPECT_EQ(differ.offer(doc("E2", R"({"v":1})")), Change::kNew);
  EXPECT_TRUE(differ.finish().empty());
  EXPECT_EQ(differ.counts().created, 2u);
  EXPECT_EQ(differ.counts().known, 0u);
}

TEST(Differ, EveryKnownKeyIsMissingWhenTheSourceIsEmpty) {
  Differ differ(snapshot_of_four());
  EXPECT_EQ(differ.finish(), (std::vector<std::string>{"E1", "E2", "E3", "E4"}));
  EXPECT_EQ(differ.counts().missing, 4u);
}

TEST(Differ, FinishingTwiceCountsMissingOnce) {
  Differ differ(snapshot_of_four());
  differ.offer(doc("E1", R"({"v":1})"));
  differ.finish();
  EXPECT_EQ(differ.finish().size(), 3u);
  EXPECT_EQ(differ.counts().missing, 3u);
}

}  // namespace
}  // namespace hrsync
