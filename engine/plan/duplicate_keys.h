// DuplicateKeys: the rows of one source whose key an earlier row already had. The first row with
// a key wins; a later one is refused as a Rejection naming the line (or row) of the first. Every
// kind of source is checked here the same way, before any target sees its records.
//
// The set holds every key read with the line of its first row, so it also gives back the key of
// a row from its line (keys_at): the targets' one-owner checks (KeyOwners) keep lines alone. It is
// split in 64 indexes by the key's hash, each growing on its own, so that a source of unknown size
// (a first run) never holds its whole set twice while one grows.
//
// A target keyed by the source's key holds most of the source's keys already, in its snapshot
// index: given that index (made with owners), the set claims there the keys it holds, with the
// line of their first row (SnapshotIndex::claim; a line past 2^32 - 3 is kept in the set, the
// index marking the key as kept there), and holds the others only: a nightly plan keeps each key
// once instead of twice.
//
// Thread-safety: one thread at a time; keys_at() may run on several threads at once once the
// source is read. The shared index's target may take() keys while keep_first() claims them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "connectors/sources/record_source.h"
#include "diff/record.h"
#include "diff/snapshot_index.h"

namespace hrsync {

class DuplicateKeys {
 public:
  // Keys are read from `key_column`; `expected_keys` sizes the set (the snapshot's count is a
  // good guess; 0 when unknown), so that it need not grow while the source is read. With `shared`
  // (an index made with owners, whose keys are `key_column`'s, and which outlives the set), the
  // keys it holds are claimed there, and the set is sized for the others.
  DuplicateKeys(Field key_column, std::size_t expected_keys, SnapshotIndex* shared = nullptr);

  // Moves the rows of `batch` whose key is new to its front, in their order, and returns how many
  // they are; the others become rejections. The checks run back to back, so that their index
  // misses overlap.
  std::size_t keep_first(std::span<Record> batch);

  // The key of the row kept at each of `lines` (sorted), in their order; "" for a line that is
  // not one of a row kept. One pass over the set.
  std::vector<std::string> keys_at(std::span<const std::uint64_t> lines) const;

  // The source's own rejections and the duplicates, in source order (by line or row).
  std::vector<Rejection> merged_with(std::vector<Rejection> source_rejections) &&;

  // Bytes held (capacity), the shared index's aside.
  std::size_t memory_bytes() const;

 private:
  static constexpr unsigned kPartBits = 6;

  bool first_of_key(const Record& record, const SnapshotIndex::Probe* shared);
  // Claims `key` at `line` in the set (not the shared index); the first line of the key.
  std::uint64_t claim_here(std::string_view key, std::uint64_t line);
  SnapshotIndex& part_of(std::string_view key);

  Field key_column_;
  // key -> line of its first row (the "hash" slot holds the line), picked by the key's hash
  std::array<SnapshotIndex, std::size_t{1} << kPartBits> first_line_;
  SnapshotIndex* shared_ = nullptr;  // claimant: the first line, or kKeptHere
  std::vector<SnapshotIndex::Probe> probes_;  // a batch's keys in shared_ (keep_first)
  std::vector<Rejection> duplicates_;
};

}  // namespace hrsync
