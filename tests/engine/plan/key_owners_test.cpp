// KeyOwners and DuplicateKeys: clashes found whatever the tables' size when they are made and
// however far they grow, lines kept whole past 32 bits, and a row's source key found from its line.
#include "engine/plan/key_owners.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/plan/duplicate_keys.h"

namespace hrsync {
namespace {

// Row `n` at `line`: its own employee_no, user_id, mobile and e-mail.
Record row(std::uint64_t n, std::uint64_t line) {
  Record r;
  r.at(Field::kEmployeeNo) = fmt::format("E{:07}", n);
  r.at(Field::kUserId) = fmt::format("u{:07}", n);
  r.at(Field::kMobile) = fmt::format("+86138{:08}", n);
  r.at(Field::kEmail) = fmt::format("p{}@example.com", n);
  r.origin.set("hr.csv", line, Origin::Unit::kLine);
  return r;
}

std::unique_ptr<TargetConnector> contact_user() {
  auto t = make_target("contact_user", TargetOptions{});
  if (!t) throw std::runtime_error(t.error().str());
  return std::move(*t);
}

class KeyOwnersGrowth : public ::testing::TestWithParam<std::size_t> {};

TEST_P(KeyOwnersGrowth, FindsEveryClashWhateverSizeTheTablesStartedAt) {
  // 40,000 rows into tables sized for GetParam() records (0: unknown, as on a first run), so that
  // each of the 64 parts of each rule grows many times (or never); then three rows giving the
  // user_id of the first, the mobile of one in the middle and the e-mail of the last.
  const auto target = contact_user();
  KeyOwners owners(*target, GetParam());
  constexpr std::uint64_t kRows = 40'000;
  for (std::uint64_t n = 1; n <= kRows; ++n) {
    ASSERT_FALSE(owners.claim(row(n, n + 1)).has_value()) << n;
    owners.settle(n % 2 == 0 ? KeyOwners::Fate::kNew : KeyOwners::Fate::kUnchanged);
  }
  Record same_user = row(kRows + 1, kRows + 2);
  same_user.at(Field::kUserId) = "u0000001";
  Record same_mobile = row(kRows + 2, kRows + 3);
  same_mobile.at(Field::kMobile) = "13800020000";  // row 20000's +8613800020000, spelt without +86
  Record same_email = row(kRows + 3, kRows + 4);
  same_email.at(Field::kEmail) = fmt::format("P{}@Example.COM", kRows);

  const auto user = owners.claim(same_user);
  owners.settle(KeyOwners::Fate::kInvalid);
  const auto mobile = owners.claim(same_mobile);
  owners.settle(KeyOwners::Fate::kInvalid);
  const auto email = owners.claim(same_email);
  owners.settle(KeyOwners::Fate::kInvalid);
  ASSERT_TRUE(user && mobile && email);
  EXPECT_EQ(user->field, "user_id");
  EXPECT_EQ(user->rule, "user_id u0000001 also given by hr.csv:2: one user_id has one owner, so neither row is sent");
  EXPECT_EQ(mobile->field, "mobile");
  EXPECT_NE(mobile->rule.find("also given by hr.csv:20001,"), std::string::npos) << mobile->rule;
  EXPECT_EQ(email->field, "email");
  EXPECT_NE(email->rule.find(fmt::format("also given by hr.csv:{},", kRows + 1)), std::string::npos) << email->rule;

  const auto contested = owners.contested();
  ASSERT_EQ(contested.size(), 3u);
  EXPECT_EQ(contested[0].origin.str(), "hr.csv:2");
  EXPECT_EQ(contested[0].fate, KeyOwners::Fate::kUnchanged);  // row 1
  EXPECT_EQ(contested[0].invalid.rule,
            fmt::format("user_id u0000001 also given by hr.csv:{}: one user_id has one owner, so neither row is sent",
                        kRows + 2));
  EXPECT_EQ(contested[1].origin.str(), "hr.csv:20001");
  EXPECT_EQ(contested[1].fate, KeyOwners::Fate::kNew);  // row 20000
  EXPECT_EQ(contested[1].invalid.field, "mobile");
  EXPECT_EQ(contested[2].origin.str(), fmt::format("hr.csv:{}", kRows + 1));
  EXPECT_EQ(contested[2].fate, KeyOwners::Fate::kNew);
  for (const auto& c : contested) EXPECT_TRUE(c.key.empty()) << "the planner names the key";
}

INSTANTIATE_TEST_SUITE_P(Sizes, KeyOwnersGrowth, ::testing::Values(0, 100, 40'000, 1'000'000));

TEST(KeyOwners, KeysTheSnapshotHoldsAreClaimedInItsIndexAndTheOthersInTheTable) {
  // The snapshot holds rows 1-1000's user_ids; rows 1001-1100 are new. A second row giving a key
  // of either kind clashes the same way, naming the first.
  const auto target = contact_user();
  ASSERT_TRUE(KeyOwners::checks_key(*target));
  SnapshotIndex snapshot(SnapshotIndex::Owners::kKept);
  for (std::uint64_t n = 1; n <= 1000; ++n) snapshot.add(fmt::format("u{:07}", n), n);
  KeyOwners owners(*target, snapshot.size(), true);
  const std::size_t presized = owners.memory_bytes();
  for (std::uint64_t n = 1; n <= 1100; ++n) {
    ASSERT_FALSE(owners.claim(row(n, n + 1), &snapshot).has_value()) << n;
    owners.settle(n <= 1000 ? KeyOwners::Fate::kChanged : KeyOwners::Fate::kNew);
  }
  EXPECT_EQ(snapshot.seen(), 0u) << "a claim marks nothing seen";
  EXPECT_EQ(snapshot.claim("u0000007", 99), 6u) << "row 7 is the seventh claimant";

  Record known = row(2001, 2002);
  known.at(Field::kUserId) = "u0000007";
  Record fresh = row(2002, 2003);
  fresh.at(Field::kUserId) = "u0001050";
  const auto known_clash = owners.claim(known, &snapshot);
  owners.settle(KeyOwners::Fate::kInvalid);
  const auto fresh_clash = owners.claim(fresh, &snapshot);
  owners.settle(KeyOwners::Fate::kInvalid);
  ASSERT_TRUE(known_clash && fresh_clash);
  EXPECT_EQ(known_clash->rule, "user_id u0000007 also given by hr.csv:8: one user_id has one owner, so neither row is sent");
  EXPECT_EQ(fresh_clash->rule,
            "user_id u0001050 also given by hr.csv:1051: one user_id has one owner, so neither row is sent");
  const auto contested = owners.contested();
  ASSERT_EQ(contested.size(), 2u);
  EXPECT_EQ(contested[0].origin.line, 8u);
  EXPECT_EQ(contested[0].fate, KeyOwners::Fate::kChanged);
  EXPECT_EQ(contested[1].origin.line, 1051u);
  EXPECT_EQ(contested[1].fate, KeyOwners::Fate::kNew);

  // The key's table was not sized for the snapshot's keys: the mobile and e-mail tables were.
  const KeyOwners sized_for_keys(*target, snapshot.size());
  EXPECT_LT(presized, sized_for_keys.memory_bytes());
}

TEST(KeyOwners, ABatchClaimsWhatOneRecordAtATimeClaims) {
  // 300 rows, of which some give again a user_id the snapshot holds, a new user_id, a mobile or an
  // e-mail of an earlier row, some of the same batch, some of an earlier one; claimed one at a
  // time and in batches of 7 (settled last to first), the clashes and the contested rows are the
  // same, fates included.
  const auto target = contact_user();
  std::vector<Record> rows;
  for (std::uint64_t n = 1; n <= 300; ++n) {
    Record r = row(n, n + 1);
    if (n % 37 == 0) r.at(Field::kUserId) = fmt::format("u{:07}", n - 3);            // known, same batch or not
    if (n % 41 == 0) r.at(Field::kUserId) = fmt::format("u{:07}", 250 + n % 7);      // new (not in the snapshot)
    if (n % 43 == 0) r.at(Field::kMobile) = fmt::format("138{:08}", n - 1);           // the row before's mobile
    if (n % 47 == 0) r.at(Field::kEmail) = fmt::format("P{}@EXAMPLE.com", n / 2);      // an earlier e-mail
    if (n % 53 == 0) r.at(Field::kMobile).clear();
    rows.push_back(std::move(r));
  }
  const auto fate = [](std::uint64_t n) { return static_cast<KeyOwners::Fate>(n % 4); };
  const auto index = [] {
    SnapshotIndex snapshot(SnapshotIndex::Owners::kKept);
    for (std::uint64_t n = 1; n <= 200; ++n) snapshot.add(fmt::format("u{:07}", n), n);
    return snapshot;
  };

  SnapshotIndex one_index = index();
  KeyOwners one(*target, 0, true);
  std::vector<std::optional<Invalid>> one_broken;
  for (std::uint64_t n = 1; n <= rows.size(); ++n) {
    one_broken.push_back(one.claim(rows[n - 1], &one_index));
    one.settle(one_broken.back() ? KeyOwners::Fate::kInvalid : fate(n));
  }

  SnapshotIndex batch_index = index();
  KeyOwners batched(*target, 0, true);
  std::vector<std::optional<Invalid>> batch_broken;
  std::vector<std::optional<Invalid>> broken;
  for (std::size_t at = 0; at < rows.size(); at += 7) {
    const std::size_t n = std::min<std::size_t>(7, rows.size() - at);
    const std::uint32_t first = batched.claim_batch(std::span(rows).subspan(at, n), &batch_index, broken);
    ASSERT_EQ(broken.size(), n);
    for (std::size_t i = n; i-- > 0;) {
      batched.settle(first + static_cast<std::uint32_t>(i), broken[i] ? KeyOwners::Fate::kInvalid : fate(at + i + 1));
    }
    batch_broken.insert(batch_broken.end(), broken.begin(), broken.end());
  }

  ASSERT_EQ(batch_broken.size(), one_broken.size());
  std::size_t clashes = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(batch_broken[i].has_value(), one_broken[i].has_value()) << "row " << i + 1;
    if (!one_broken[i]) continue;
    ++clashes;
    EXPECT_EQ(batch_broken[i]->field, one_broken[i]->field) << "row " << i + 1;
    EXPECT_EQ(batch_broken[i]->rule, one_broken[i]->rule) << "row " << i + 1;
  }
  EXPECT_GE(clashes, 20u) << "the rows were meant to clash";
  const auto one_contested = one.contested();
  const auto batch_contested = batched.contested();
  ASSERT_EQ(batch_contested.size(), one_contested.size());
  EXPECT_GE(one_contested.size(), 10u);
  for (std::size_t i = 0; i < one_contested.size(); ++i) {
    EXPECT_EQ(batch_contested[i].origin.line, one_contested[i].origin.line);
    EXPECT_EQ(batch_contested[i].fate, one_contested[i].fate);
    EXPECT_EQ(batch_contested[i].invalid.rule, one_contested[i].invalid.rule);
  }
}

TEST(KeyOwners, PresizedTablesHoldTheirRecordsWithoutGrowing) {
  const auto target = contact_user();
  KeyOwners owners(*target, 100'000);
  const std::size_t presized = owners.memory_bytes();
  for (std::uint64_t n = 1; n <= 100'000; ++n) {
    ASSERT_FALSE(owners.claim(row(n, n + 1)).has_value());
    owners.settle(KeyOwners::Fate::kNew);
  }
  EXPECT_EQ(owners.memory_bytes(), presized);
  // Three rules (user_id, mobile, e-mail): at most 32 bytes of table per value; 4 bytes per record.
  EXPECT_LE(presized, 3u * 100'000 * 32 + 100'000 * 4);
}

TEST(KeyOwners, ALineBeyondThirtyTwoBitsIsNamedWhole) {
  // Rows of a huge export (or a row number of a query) past 2^30 and 2^32, out of order.
  const auto target = contact_user();
  KeyOwners owners(*target);
  const std::vector<std::uint64_t> lines = {7, (std::uint64_t{1} << 30) + 5, (std::uint64_t{1} << 32) + 9, 11,
                                            (std::uint64_t{1} << 33) + 1};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    ASSERT_FALSE(owners.claim(row(i + 1, lines[i])).has_value());
    owners.settle(KeyOwners::Fate::kNew);
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    Record again = row(100 + i, 100 + i);
    again.at(Field::kUserId) = fmt::format("u{:07}", i + 1);
    const auto clash = owners.claim(again);
    owners.settle(KeyOwners::Fate::kInvalid);
    ASSERT_TRUE(clash.has_value()) << i;
    EXPECT_NE(clash->rule.find(fmt::format("hr.csv:{}:", lines[i])), std::string::npos) << clash->rule;
  }
  std::vector<std::uint64_t> contested;
  for (const auto& c : owners.contested()) contested.push_back(c.origin.line);
  EXPECT_EQ(contested, (std::vector<std::uint64_t>{7, 11, (std::uint64_t{1} << 30) + 5, (std::uint64_t{1} << 32) + 9,
                                                   (std::uint64_t{1} << 33) + 1}));
}

TEST(DuplicateKeys, GivesBackTheKeyOfARowKeptFromItsLine) {
  DuplicateKeys keys(Field::kEmployeeNo, 0);
  std::vector<Record> batch;
  for (std::uint64_t n = 1; n <= 5000; ++n) batch.push_back(row(n, n * 2));
  batch.push_back(row(17, 20'000));  // a second E0000017: refused, its line is no kept row's
  EXPECT_EQ(keys.keep_first(batch), 5000u);
  const std::vector<std::uint64_t> lines = {2, 34, 34, 9998, 10'000, 10'001, 20'000};
  EXPECT_EQ(keys.keys_at(lines),
            (std::vector<std::string>{"E0000001", "E0000017", "E0000017", "E0004999", "E0005000", "", ""}));
  EXPECT_TRUE(keys.keys_at({}).empty());
  const auto rejected = std::move(keys).merged_with({});
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].reason, "duplicate employee_no E0000017 (first at line 34); this row is ignored");
}

TEST(DuplicateKeys, SharesTheIndexOfATargetKeyedByTheSourceKey) {
  // The snapshot knows E0000001-E0004000; E0004001-E0005000 are new. Duplicates of either kind are
  // refused naming the first line, one past 2^32 included, and every kept row's key is found.
  SnapshotIndex shared(SnapshotIndex::Owners::kKept);
  for (std::uint64_t n = 1; n <= 4000; ++n) shared.add(fmt::format("E{:07}", n), n);
  DuplicateKeys keys(Field::kEmployeeNo, 4000, &shared);
  const std::uint64_t huge = (std::uint64_t{1} << 32) + 7;
  std::vector<Record> batch;
  for (std::uint64_t n = 1; n <= 5000; ++n) batch.push_back(row(n, n == 3 ? huge : n * 2));
  batch.push_back(row(17, huge + 1));  // known: first at line 34
  batch.push_back(row(4500, huge + 2));  // new: first at line 9000
  batch.push_back(row(3, huge + 3));  // known, first at a line past 2^32
  EXPECT_EQ(keys.keep_first(batch), 5000u);
  EXPECT_EQ(shared.seen(), 0u);
  EXPECT_EQ(shared.claim("E0000017", 1), 34u) << "the shared index holds the first line";
  EXPECT_EQ(keys.keys_at(std::vector<std::uint64_t>{4, 34, 9000, 10'000, huge, huge + 1}),
            (std::vector<std::string>{"E0000002", "E0000017", "E0004500", "E0005000", "E0000003", ""}));
  const auto rejected = std::move(keys).merged_with({});
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0].reason, "duplicate employee_no E0000017 (first at line 34); this row is ignored");
  EXPECT_EQ(rejected[1].reason, "duplicate employee_no E0004500 (first at line 9000); this row is ignored");
  EXPECT_EQ(rejected[2].reason, fmt::format("duplicate employee_no E0000003 (first at line {}); this row is ignored", huge));
}

}  // namespace
}  // namespace hrsync
