#include "diff/snapshot_index.h"

#include <gtest/gtest.h>

#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace hrsync {
namespace {

std::string key_of(int i) { return "E" + std::to_string(i); }
std::uint64_t hash_of(int i) { return 0x9E37'79B9'7F4A'7C15ull * static_cast<std::uint64_t>(i + 1); }

std::vector<std::string> unseen_keys(const SnapshotIndex& index) {
  std::vector<std::string> keys;
  index.for_each_unseen([&](std::string_view key, std::uint64_t) { keys.emplace_back(key); });
  return keys;
}

// Every key lands in one of four buckets with the same tag: lookups must compare key bytes.
std::uint64_t weak_hash(std::string_view key) { return key.size() % 4; }

TEST(SnapshotIndex, EmptyIndexFindsNothing) {
  SnapshotIndex index;
  EXPECT_FALSE(index.take("E1").has_value());
  EXPECT_FALSE(index.find("E1").has_value());
  EXPECT_TRUE(unseen_keys(index).empty());
  EXPECT_EQ(index.size(), 0u);
}

TEST(SnapshotIndex, HoldsManyKeysAndGivesBackTheirHashes) {
  constexpr int kKeys = 200'000;
  SnapshotIndex index;
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(index.add(key_of(i), hash_of(i)));
  ASSERT_EQ(index.size(), static_cast<std::size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    auto h = index.take(key_of(i));
    ASSERT_TRUE(h.has_value()) << key_of(i);
    ASSERT_EQ(*h, hash_of(i)) << key_of(i);
  }
  EXPECT_FALSE(index.take("E200000").has_value());
  EXPECT_FALSE(index.take("E-1").has_value());
  EXPECT_FALSE(index.take("").has_value());
  EXPECT_EQ(index.seen(), index.size());
  EXPECT_TRUE(unseen_keys(index).empty());
}

TEST(SnapshotIndex, KeepsHashesAboveTwoToTheSixtyThree) {
  SnapshotIndex index;
  index.add("max", ~std::uint64_t{0});
  index.add("high", std::uint64_t{1} << 63);
  index.add("zero", 0);
  EXPECT_EQ(index.take("max"), ~std::uint64_t{0});
  EXPECT_EQ(index.take("high"), std::uint64_t{1} << 63);
  EXPECT_EQ(index.take("zero"), std::uint64_t{0});
}

TEST(SnapshotIndex, TakingTwiceReturnsTheHashBothTimesAndCountsOnce) {
  SnapshotIndex index;
  index.add("E1", 11);
  index.add("E2", 22);
  EXPECT_EQ(index.take("E1"), 11u);
  EXPECT_EQ(index.take("E1"), 11u);
  EXPECT_EQ(index.seen(), 1u);
  EXPECT_EQ(unseen_keys(index), std::vector<std::string>{"E2"});
}

TEST(SnapshotIndex, FindDoesNotMarkSeen) {
  SnapshotIndex index;
  index.add("E1", 11);
  EXPECT_EQ(index.find("E1"), 11u);
  EXPECT_EQ(index.seen(), 0u);
  EXPECT_EQ(unseen_keys(index), std::vector<std::string>{"E1"});
}

TEST(SnapshotIndex, AddingAKeyTwiceKeepsTheFirstHash) {
  SnapshotIndex index;
  EXPECT_TRUE(index.add("E1", 11));
  EXPECT_FALSE(index.add("E1", 99));
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.find("E1"), 11u);
}

TEST(SnapshotIndex, ListsUnseenKeysInTheOrderAdded) {
  constexpr int kKeys = 10'000;
  SnapshotIndex index;
  for (int i = 0; i < kKeys; ++i) index.add(key_of(i), hash_of(i));
  std::vector<std::string> expected;
  std::vector<std::uint64_t> expected_hashes;
  for (int i = 0; i < kKeys; ++i) {
    if (i % 7 == 3) {
      expected.push_back(key_of(i));
      expected_hashes.push_back(hash_of(i));
    } else {
      index.take(key_of(i));
    }
  }
  EXPECT_EQ(unseen_keys(index), expected);
  std::vector<std::uint64_t> hashes;
  index.for_each_unseen([&](std::string_view, std::uint64_t h) { hashes.push_back(h); });
  EXPECT_EQ(hashes, expected_hashes);
}

TEST(SnapshotIndex, ResolvesCollidingHashesByKeyBytes) {
  constexpr int kKeys = 3'000;
  SnapshotIndex index(weak_hash);
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(index.add(key_of(i), hash_of(i)));
  EXPECT_FALSE(index.add(key_of(1234), 0));
  for (int i = kKeys - 1; i >= 0; i -= 2) ASSERT_EQ(index.take(key_of(i)), hash_of(i)) << key_of(i);
  EXPECT_FALSE(index.take("E99999").has_value());
  EXPECT_FALSE(index.take("X1").has_value());  // same length as E1: same slot and tag
  const auto unseen = unseen_keys(index);
  ASSERT_EQ(unseen.size(), static_cast<std::size_t>(kKeys / 2));
  EXPECT_EQ(unseen.front(), "E0");
}

TEST(SnapshotIndex, ABatchOfProbesFindsWhatOneLookupAtATimeFinds) {
  // With colliding tags (weak_hash) and without: keys added through probes, then a batch of
  // probes (half of them absent) prefetched, their records prefetched and taken or claimed.
  for (const SnapshotIndex::KeyHash h : {weak_hash, static_cast<SnapshotIndex::KeyHash>(nullptr)}) {
    SnapshotIndex empty(h, SnapshotIndex::Owners::kKept);
    empty.prefetch(empty.probe("E1"));  // no table yet
    empty.prefetch_record(empty.probe("E1"));
    EXPECT_FALSE(empty.take(empty.probe("E1")).has_value());

    constexpr int kKeys = 2'000;
    SnapshotIndex index(h, SnapshotIndex::Owners::kKept);
    for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(index.add(index.probe(key_of(i)), hash_of(i)));
    EXPECT_FALSE(index.add(index.probe(key_of(7)), 0)) << "added twice";
    std::vector<std::string> keys;
    for (int i = 0; i < 2 * kKeys; i += 3) keys.push_back(key_of(i));
    std::vector<SnapshotIndex::Probe> probes;
    for (const auto& k : keys) probes.push_back(index.probe(k));
    for (const auto& p : probes) index.prefetch(p);
    for (const auto& p : probes) index.prefetch_record(p);
    index.prefetch(std::span<const SnapshotIndex::Probe>(probes));
    EXPECT_EQ(index.seen(), 0u) << "a prefetch changes nothing";
    EXPECT_EQ(unseen_keys(index).size(), static_cast<std::size_t>(kKeys));
    for (std::size_t j = 0; j < probes.size(); ++j) {
      const int i = static_cast<int>(j) * 3;
      if (j % 2 == 0) {
        const auto got = index.take(probes[j]);
        ASSERT_EQ(got.has_value(), i < kKeys) << keys[j];
        if (got) {
          EXPECT_EQ(*got, hash_of(i));
        }
      } else {
        const auto got = index.claim(probes[j], static_cast<std::uint32_t>(i));
        ASSERT_EQ(got.has_value(), i < kKeys) << keys[j];
        if (got) {
          EXPECT_EQ(*got, static_cast<std::uint32_t>(i));
          EXPECT_EQ(index.claim(keys[j], 1), static_cast<std::uint32_t>(i)) << "the first claimant stays";
        }
      }
    }
    EXPECT_EQ(index.seen(), static_cast<std::size_t>((kKeys + 5) / 6));
  }
}

TEST(SnapshotIndex, KeysMayHoldAnyBytesAndDifferOnlyInLength) {
  SnapshotIndex index;
  const std::string with_nul("a\0b", 3);
  index.add(with_nul, 1);
  index.add("a", 2);
  index.add("张三", 3);
  index.add("", 4);
  EXPECT_EQ(index.take(with_nul), 1u);
  EXPECT_EQ(index.take("a"), 2u);
  EXPECT_EQ(index.take("张三"), 3u);
  EXPECT_EQ(index.take(""), 4u);
  EXPECT_FALSE(index.take(std::string_view("a\0", 2)).has_value());
}

TEST(SnapshotIndex, ReserveKeepsContentAndStaysCompact) {
  constexpr int kKeys = 100'000;
  SnapshotIndex index;
  index.add("early", 7);
  index.reserve(kKeys, 8);
  for (int i = 0; i < kKeys; ++i) index.add(key_of(i), hash_of(i));
  EXPECT_EQ(index.find("early"), 7u);
  EXPECT_EQ(index.find(key_of(kKeys - 1)), hash_of(kKeys - 1));
  // Keys of up to 6 bytes: a 16-byte record, and 8-byte slots at least 3/8 full (64/3 bytes).
  EXPECT_LE(index.memory_bytes(), static_cast<std::size_t>(kKeys + 1) * (16 + 22));
}

TEST(SnapshotIndex, KeepsKeysLongerThanItsShortLengthField) {
  SnapshotIndex index;
  const std::string long_key(40'000, 'k');
  const std::string edge(0x7fff, 'e');
  const std::string below(0x7ffe, 'b');
  index.add("a", 1);
  index.add(long_key, 2);
  index.add(edge, 3);
  index.add(below, 4);
  index.add("z", 5);
  EXPECT_EQ(index.take(long_key), 2u);
  EXPECT_FALSE(index.find(std::string(39'999, 'k')).has_value());
  EXPECT_EQ(index.find(edge), 3u);
  EXPECT_EQ(index.find(below), 4u);
  std::vector<std::size_t> lengths;
  index.for_each_unseen([&](std::string_view key, std::uint64_t) { lengths.push_back(key.size()); });
  EXPECT_EQ(lengths, (std::vector<std::size_t>{1, 0x7fff, 0x7ffe, 1}));
}

TEST(SnapshotIndex, KeepsTheFirstClaimantOfEachKeyApartFromItsSeenFlag) {
  SnapshotIndex index(SnapshotIndex::Owners::kKept);
  EXPECT_EQ(index.owners(), SnapshotIndex::Owners::kKept);
  EXPECT_EQ(SnapshotIndex().owners(), SnapshotIndex::Owners::kNone);
  for (int i = 0; i < 1000; ++i) index.add(key_of(i), hash_of(i));
  EXPECT_EQ(index.claim(key_of(5), 0), 0u);
  EXPECT_EQ(index.claim(key_of(5), 77), 0u);
  EXPECT_EQ(index.claim(key_of(6), 0xffff'fffdu), 0xffff'fffdu);
  EXPECT_EQ(index.claim(key_of(6), 1), 0xffff'fffdu);
  EXPECT_FALSE(index.claim("E1000", 3).has_value());
  EXPECT_EQ(index.seen(), 0u);
  EXPECT_EQ(index.take(key_of(5)), hash_of(5));
  EXPECT_EQ(index.claim(key_of(5), 9), 0u);
  EXPECT_EQ(unseen_keys(index).size(), 999u);
  EXPECT_THROW(SnapshotIndex().claim("E1", 1), std::logic_error);
}

}  // namespace
}  // namespace hrsync
