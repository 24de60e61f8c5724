#include "diff/differ.h"

namespace hrsync {

Change::Kind Differ::offer(const Document& desired, const SnapshotIndex::Probe& key) {
  const auto last = index_.take(key);
  if (!last) {
    ++counts_.created;
    return Change::kNew;
  }
  if (*last != desired.hash) {
    ++counts_.changed;
    return Change::kChanged;
  }
  ++counts_.unchanged;
  return Change::kUnchanged;
}

void Differ::invalid(std::string_view key) {
  ++counts_.invalid;
  index_.take(key);
}

void Differ::absent(std::string_view key) {
  ++counts_.absent;
  index_.take(key);
}

std::vector<std::string> Differ::finish() {
  std::vector<std::string> keys;
  for_each_missing([&](std::string_view key) { keys.emplace_back(key); });
  return keys;
}

}  // namespace hrsync
