#include "engine/plan/duplicate_keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <utility>

namespace hrsync {

DuplicateKeys::DuplicateKeys(Field key_column, std::size_t expected_keys) : key_column_(key_column) {
  first_line_.reserve(expected_keys);
}

bool DuplicateKeys::first_of_key(const Record& record) {
  const std::string_view key = record.get(key_column_);
  if (first_line_.add(key, record.origin.line)) return true;
  duplicates_.push_back({record.origin, std::string(key),
                         fmt::format("duplicate {} {} (first at {} {}); this row is ignored", field_name(key_column_),
                                     key, record.origin.unit_name(), first_line_.find(key).value_or(0))});
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

std::vector<Rejection> DuplicateKeys::merged_with(std::vector<Rejection> source_rejections) && {
  source_rejections.insert(source_rejections.end(), std::make_move_iterator(duplicates_.begin()),
                           std::make_move_iterator(duplicates_.end()));
  std::stable_sort(source_rejections.begin(), source_rejections.end(),
                   [](const Rejection& a, const Rejection& b) { return a.origin.line < b.origin.line; });
  return source_rejections;
}

}  // namespace hrsync
