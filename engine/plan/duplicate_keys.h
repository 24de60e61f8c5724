// DuplicateKeys: the rows of one source whose key an earlier row already had. The first row with
// a key wins; a later one is refused as a Rejection naming the line (or row) of the first. Every
// kind of source is checked here the same way, before any target sees its records.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "connectors/sources/record_source.h"
#include "diff/record.h"
#include "diff/snapshot_index.h"

namespace hrsync {

class DuplicateKeys {
 public:
  // Keys are read from `key_column`; `expected_keys` sizes the set (the snapshot's count is a
  // good guess), so that it need not grow while the source is read.
  DuplicateKeys(Field key_column, std::size_t expected_keys);

  // Moves the rows of `batch` whose key is new to its front, in their order, and returns how many
  // they are; the others become rejections. The checks run back to back, so that their index
  // misses overlap.
  std::size_t keep_first(std::span<Record> batch);

  // The source's own rejections and the duplicates, in source order (by line or row).
  std::vector<Rejection> merged_with(std::vector<Rejection> source_rejections) &&;

 private:
  bool first_of_key(const Record& record);

  Field key_column_;
  SnapshotIndex first_line_;  // key -> line of its first row (the "hash" slot holds the line)
  std::vector<Rejection> duplicates_;
};

}  // namespace hrsync
