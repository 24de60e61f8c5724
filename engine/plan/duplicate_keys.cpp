#include "engine/plan/duplicate_keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <utility>

#include "diff/document.h"

namespace hrsync {

namespace {

// A shared index's claimant that says the key's first line is in the set: a line too long for it.
constexpr std::uint32_t kKeptHere = 0xffff'fffeu;

// Keys a part of the set reserves room for: a 64th of `keys`, give or take a few standard
// deviations.
std::size_t part_share(std::size_t keys) {
  const std::size_t share = keys >> 6;
  return share + 4 * static_cast<std::size_t>(std::sqrt(static_cast<double>(share))) + 64;
}

}  // namespace

DuplicateKeys::DuplicateKeys(Field key_column, std::size_t expected_keys, SnapshotIndex* shared)
    : key_column_(key_column), shared_(shared) {
  if (shared_ != nullptr) {
    if (shared_->owners() != SnapshotIndex::Owners::kKept) {
      throw std::logic_error("DuplicateKeys: a shared index without owners");
    }
    // The keys the index lacks: new entities, a few most nights.
    expected_keys = expected_keys > shared_->size() ? expected_keys - shared_->size() : 0;
  }
  if (expected_keys == 0) return;
  // The arena is sized for keys of up to 10 bytes, and grows for longer.
  const std::size_t share = part_share(expected_keys);
  for (SnapshotIndex& part : first_line_) part.reserve(share, 9);
}

SnapshotIndex& DuplicateKeys::part_of(std::string_view key) {
  // The top bits of the key's XXH3-64 (the index places a key by its top 32 bits, mixed).
  return first_line_[content_hash(key) >> (64 - kPartBits)];
}

std::uint64_t DuplicateKeys::claim_here(std::string_view key, std::uint64_t line) {
  SnapshotIndex& part = part_of(key);
  if (part.add(key, line)) return line;
  return part.find(key).value_or(0);
}

bool DuplicateKeys::first_of_key(const Record& record, const SnapshotIndex::Probe* shared) {
  const std::string_view key = record.get(key_column_);
  const std::uint64_t line = record.origin.line;
  std::uint64_t first = line;
  const auto claimant = line < kKeptHere ? static_cast<std::uint32_t>(line) : kKeptHere;
  const std::optional<std::uint32_t> in_shared = shared != nullptr ? shared_->claim(*shared, claimant) : std::nullopt;
  if (!in_shared || *in_shared == kKeptHere) {
    first = claim_here(key, line);
  } else if (*in_shared != claimant) {
    first = *in_shared;
  }
  if (first == line) return true;
  duplicates_.push_back({record.origin, std::string(key),
                         fmt::format("duplicate {} {} (first at {} {}); this row is ignored", field_name(key_column_),
                                     key, record.origin.unit_name(), first)});
  return false;
}

std::size_t DuplicateKeys::keep_first(std::span<Record> batch) {
  // The shared index's lookups of the batch, started together (SnapshotIndex's batch lookups).
  probes_.clear();
  if (shared_ != nullptr) {
    for (const Record& record : batch) probes_.push_back(shared_->probe(record.get(key_column_)));
    shared_->prefetch(probes_);
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!first_of_key(batch[i], shared_ != nullptr ? &probes_[i] : nullptr)) continue;
    if (kept != i) std::swap(batch[kept], batch[i]);
    ++kept;
  }
  return kept;
}

std::vector<std::string> DuplicateKeys::keys_at(std::span<const std::uint64_t> lines) const {
  std::vector<std::string> keys(lines.size());
  if (lines.empty()) return keys;
  const auto name = [&](std::string_view key, std::uint64_t line) {
    const auto at = std::lower_bound(lines.begin(), lines.end(), line);
    for (auto i = at; i != lines.end() && *i == line; ++i) keys[static_cast<std::size_t>(i - lines.begin())] = key;
  };
  for (const SnapshotIndex& part : first_line_) part.for_each_unseen(name);
  if (shared_ != nullptr) {
    shared_->for_each_claimed([&](std::string_view key, std::uint32_t line) {
      if (line != kKeptHere) name(key, line);
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
