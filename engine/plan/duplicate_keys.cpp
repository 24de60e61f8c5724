#include "engine/plan/duplicate_keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "diff/document.h"

namespace hrsync {

DuplicateKeys::DuplicateKeys(Field key_column, std::size_t expected_keys) : key_column_(key_column) {
  if (expected_keys == 0) return;
  const std::size_t share = expected_keys / first_line_.size();
  for (SnapshotIndex& part : first_line_) part.reserve(share + share / 8 + 16);
}

SnapshotIndex& DuplicateKeys::part_of(std::string_view key) {
  // The top bits of the key's XXH3-64 (the index places a key by its top 32 bits, mixed).
  return first_line_[content_hash(key) >> (64 - kPartBits)];
}

bool DuplicateKeys::first_of_key(const Record& record) {
  const std::string_view key = record.get(key_column_);
  SnapshotIndex& part = part_of(key);
  if (part.add(key, record.origin.line)) return true;
  duplicates_.push_back({record.origin, std::string(key),
                         fmt::format("duplicate {} {} (first at {} {}); this row is ignored", field_name(key_column_),
                                     key, record.origin.unit_name(), part.find(key).value_or(0))});
  return false;
}

std::size_t DuplicateKeys::keep_first(std::span<Record> batch) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!first_of_key(batch[i])) continue;
    if (kept != i) std::swap(batch[kept], batch[i]);
    ++kept;
  }
  return kept;
}

std::vector<std::string> DuplicateKeys::keys_at(std::span<const std::uint64_t> lines) const {
  std::vector<std::string> keys(lines.size());
  if (lines.empty()) return keys;
  for (const SnapshotIndex& part : first_line_) {
    part.for_each_unseen([&](std::string_view key, std::uint64_t line) {
      const auto at = std::lower_bound(lines.begin(), lines.end(), line);
      for (auto i = at; i != lines.end() && *i == line; ++i) keys[static_cast<std::size_t>(i - lines.begin())] = key;
    });
  }
  return keys;
}

std::vector<Rejection> DuplicateKeys::merged_with(std::vector<Rejection> source_rejections) && {
  source_rejections.insert(source_rejections.end(), std::make_move_iterator(duplicates_.begin()),
                           std::make_move_iterator(duplicates_.end()));
  std::stable_sort(source_rejections.begin(), source_rejections.end(),
                   [](const Rejection& a, const Rejection& b) { return a.origin.line < b.origin.line; });
  return source_rejections;
}

std::size_t DuplicateKeys::memory_bytes() const {
  std::size_t bytes = 0;
  for (const SnapshotIndex& part : first_line_) bytes += part.memory_bytes();
  return bytes;
}

}  // namespace hrsync
