// DuplicateKeys: the rows of one source whose key an earlier row already had. The first row with
// a key wins; a later one is refused as a Rejection naming the line (or row) of the first. Every
// kind of source is checked here the same way, before any target sees its records.
//
// The set holds every key read with the line of its first row, so it also gives back the key of
// a row from its line (keys_at): the targets' one-owner checks (KeyOwners) keep lines alone. It is
// split in 64 indexes by the key's hash, each growing on its own, so that a source of unknown size
// (a first run) never holds its whole set twice while one grows.
//
// Thread-safety: one thread at a time; keys_at() may run on several threads at once once the
// source is read.
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
  // good guess; 0 when unknown), so that it need not grow while the source is read.
  DuplicateKeys(Field key_column, std::size_t expected_keys);

  // Moves the rows of `batch` whose key is new to its front, in their order, and returns how many
  // they are; the others become rejections. The checks run back to back, so that their index
  // misses overlap.
  std::size_t keep_first(std::span<Record> batch);

  // The key of the row kept at each of `lines` (sorted), in their order; "" for a line that is
  // not one of a row kept. One pass over the set.
  std::vector<std::string> keys_at(std::span<const std::uint64_t> lines) const;

  // The source's own rejections and the duplicates, in source order (by line or row).
  std::vector<Rejection> merged_with(std::vector<Rejection> source_rejections) &&;

  // Bytes held (capacity).
  std::size_t memory_bytes() const;

 private:
  static constexpr unsigned kPartBits = 6;

  bool first_of_key(const Record& record);
  SnapshotIndex& part_of(std::string_view key);

  Field key_column_;
  // key -> line of its first row (the "hash" slot holds the line), picked by the key's hash
  std::array<SnapshotIndex, std::size_t{1} << kPartBits> first_line_;
  std::vector<Rejection> duplicates_;
};

}  // namespace hrsync
