// TableMemory: zero-filled whatever its size, content kept across growth from malloc's sizes into
// a mapping of its own and within one, and moves that leave nothing behind.
#include "diff/table_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace hrsync {
namespace {

// Every byte of [from, to) of `m` is zero.
bool zero(const TableMemory& m, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (m.data()[i] != 0) return false;
  }
  return true;
}

void fill(TableMemory& m, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) m.data()[i] = static_cast<char>(i * 7 + 1);
}

bool filled(const TableMemory& m, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (m.data()[i] != static_cast<char>(i * 7 + 1)) return false;
  }
  return true;
}

TEST(TableMemory, GrowsFromMallocIntoAMappingAndWithinItKeepingContentAndZeroingTheRest) {
  constexpr std::size_t kSmall = 1000;
  constexpr std::size_t kBelow = TableMemory::kMappedFrom - 4096;
  constexpr std::size_t kMapped = TableMemory::kMappedFrom + 12345;
  constexpr std::size_t kLarger = 3 * TableMemory::kMappedFrom + 1;
  TableMemory m(kSmall);
  ASSERT_EQ(m.size(), kSmall);
  EXPECT_FALSE(TableMemory::mapped(m.size()));
  EXPECT_TRUE(zero(m, 0, kSmall));
  fill(m, 0, kSmall);

  m.grow(kBelow);  // realloc
  ASSERT_EQ(m.size(), kBelow);
  EXPECT_TRUE(filled(m, 0, kSmall));
  EXPECT_TRUE(zero(m, kSmall, kBelow));
  fill(m, kSmall, kBelow);

  m.grow(kMapped);  // from malloc to a mapping
  ASSERT_EQ(m.size(), kMapped);
  EXPECT_TRUE(TableMemory::mapped(m.size()));
  EXPECT_TRUE(filled(m, 0, kBelow));
  EXPECT_TRUE(zero(m, kBelow, kMapped));
  fill(m, kBelow, kMapped);

  m.grow(kLarger);  // within a mapping
  ASSERT_EQ(m.size(), kLarger);
  EXPECT_TRUE(filled(m, 0, kMapped));
  EXPECT_TRUE(zero(m, kMapped, kLarger));

  m.grow(kSmall);  // never shrinks
  EXPECT_EQ(m.size(), kLarger);
}

TEST(TableMemory, AMappedTableStartsZeroAndMovesWhole) {
  TableMemory a(TableMemory::kMappedFrom * 2);
  EXPECT_TRUE(zero(a, 0, a.size()));
  fill(a, 0, a.size());
  const char* where = a.data();
  TableMemory b(std::move(a));
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.data(), where);
  EXPECT_TRUE(filled(b, 0, b.size()));
  TableMemory c(100);
  c = std::move(b);
  EXPECT_EQ(c.data(), where);
  EXPECT_EQ(b.size(), 0u);
  b.grow(10);  // a moved-from table is empty and usable
  EXPECT_TRUE(zero(b, 0, 10));
}

TEST(TableMemory, AMappedTableIsAdvisedToUseHugePages) {
  // The advice shows in the mapping's flags ("hg" in /proc/self/smaps) whether or not THP is on.
  TableMemory m(TableMemory::kMappedFrom * 4);
  std::ifstream smaps("/proc/self/smaps");
  ASSERT_TRUE(smaps) << "no /proc/self/smaps";
  const auto start = reinterpret_cast<std::uintptr_t>(m.data());
  bool inside = false;
  std::string line;
  while (std::getline(smaps, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') != std::string::npos) {
      const std::uintptr_t lo = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
      const std::uintptr_t hi = std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
      inside = lo <= start && start < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) {
      EXPECT_NE(line.find(" hg"), std::string::npos) << line;
      return;
    }
  }
  FAIL() << "the table's mapping is not in /proc/self/smaps";
}

TEST(TableArray, HoldsZeroedValues) {
  TableArray<std::uint64_t> slots(TableMemory::kMappedFrom / 8 + 3);
  ASSERT_EQ(slots.size(), TableMemory::kMappedFrom / 8 + 3);
  EXPECT_GE(slots.bytes(), slots.size() * 8);
  for (const std::uint64_t v : slots) ASSERT_EQ(v, 0u);
  slots[slots.size() - 1] = 42;
  EXPECT_EQ(slots.data()[slots.size() - 1], 42u);
  EXPECT_TRUE(TableArray<std::uint64_t>().empty());
}

}  // namespace
}  // namespace hrsync
