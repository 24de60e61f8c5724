#include "engine/plan/key_owners.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <stdexcept>

#include "diff/document.h"

namespace hrsync {
namespace {

constexpr unsigned kCellShift = 30;  // an owner: cell << 30 | claimant
constexpr std::uint32_t kClaimantMask = (std::uint32_t{1} << kCellShift) - 1;
constexpr std::size_t kMaxCells = std::size_t{1} << (32 - kCellShift);
constexpr std::size_t kMinSlots = 16;  // per part

constexpr unsigned kLineBits = 30;  // a claimant: fate << 30 | low bits of its line
constexpr std::uint32_t kLineMask = (std::uint32_t{1} << kLineBits) - 1;

// Slots for `values` values at most 4/5 full. Any count, not a power of two: a table is sized to
// what it holds (a power of two left a table of a million values 48 % full).
std::size_t slots_for(std::size_t values) { return std::max(kMinSlots, values + values / 4 + 1); }

// The home slot of `hash` among `n`: its low 32 bits scaled to [0, n) (Lemire's fast range; the
// top bits picked the part).
std::size_t home(std::uint64_t hash, std::size_t n) {
  return static_cast<std::size_t>(((hash & 0xffff'ffffu) * static_cast<std::uint64_t>(n)) >> 32);
}

}  // namespace

std::size_t KeyOwners::Owners::Part::slot(std::uint64_t hash) const {
  const std::size_t n = slots;
  std::size_t i = home(hash, n);
  while (hashes[i] != 0 && hashes[i] != hash) i = i + 1 == n ? 0 : i + 1;
  return i;
}

void KeyOwners::Owners::Part::rehash(std::size_t count) {
  TableMemory fresh(count * (sizeof(std::uint64_t) + sizeof(std::uint32_t)));
  const std::uint64_t* old_hashes = hashes;
  const std::uint32_t* old_owners = owners;
  const std::size_t old_slots = slots;
  hashes = reinterpret_cast<std::uint64_t*>(fresh.data());
  owners = reinterpret_cast<std::uint32_t*>(fresh.data() + count * sizeof(std::uint64_t));
  slots = count;
  for (std::size_t i = 0; i < old_slots; ++i) {
    if (old_hashes[i] == 0) continue;
    const std::size_t at = slot(old_hashes[i]);
    hashes[at] = old_hashes[i];
    owners[at] = old_owners[i];
  }
  memory = std::move(fresh);  // frees the old slots if they were the part's own
}

void KeyOwners::Owners::reserve(std::size_t values) {
  // A part holds a 64th of the values, give or take a few standard deviations.
  const std::size_t share = values / kParts;
  const std::size_t want = slots_for(share + 4 * static_cast<std::size_t>(std::sqrt(static_cast<double>(share))) + 64);
  const bool fresh = std::all_of(parts_.begin(), parts_.end(), [](const Part& p) { return p.size == 0; });
  if (!fresh || !block_.empty()) {
    for (Part& p : parts_) {
      if (want > p.slots) p.rehash(want);
    }
    return;
  }
  // Nothing claimed yet: one block for every part.
  block_ = TableMemory(kParts * want * (sizeof(std::uint64_t) + sizeof(std::uint32_t)));
  auto* hashes = reinterpret_cast<std::uint64_t*>(block_.data());
  auto* owners = reinterpret_cast<std::uint32_t*>(block_.data() + kParts * want * sizeof(std::uint64_t));
  for (std::size_t k = 0; k < kParts; ++k) {
    Part& p = parts_[k];
    p.memory = TableMemory();
    p.hashes = hashes + k * want;
    p.owners = owners + k * want;
    p.slots = want;
  }
}

std::uint32_t KeyOwners::Owners::claim(std::uint64_t hash, std::uint32_t owner) {
  if (hash == 0) hash = 1;
  Part& p = parts_[hash >> (64 - kPartBits)];
  if ((p.size + 1) * 5 > p.slots * 4) p.rehash(std::max(kMinSlots, p.slots * 2));
  const std::size_t at = p.slot(hash);
  if (p.hashes[at] == hash) return p.owners[at];
  p.hashes[at] = hash;
  p.owners[at] = owner;
  ++p.size;
  return owner;
}

void KeyOwners::Owners::prefetch(std::uint64_t hash) const {
  if (hash == 0) hash = 1;
  const Part& p = parts_[hash >> (64 - kPartBits)];
  if (p.slots == 0) return;
  // A table 4/5 full probes about 13 slots past the home of a new value: two lines of hashes.
  const std::size_t at = home(hash, p.slots);
  load_line(p.hashes + at);
  if (at + 8 < p.slots) __builtin_prefetch(p.hashes + at + 8);
  __builtin_prefetch(p.owners + at);
}

std::size_t KeyOwners::Owners::memory_bytes() const {
  std::size_t bytes = block_.size();
  for (const Part& p : parts_) bytes += p.memory.size();
  return bytes;
}

bool KeyOwners::checks_key(const TargetConnector& target) {
  return target.key_column() != key_field(target.entity());
}

KeyOwners::KeyOwners(const TargetConnector& target, std::size_t expected_records, bool keys_in_snapshot) {
  if (checks_key(target)) {
    Rule key;
    key.fields = {target.key_column()};
    rules_.push_back(std::move(key));
  }
  for (const UniqueRule& u : target.unique_values()) {
    Rule r;
    if (u.fields.size() > kMaxCells) throw std::length_error("KeyOwners: a unique rule over more than 4 cells");
    r.fields.assign(u.fields.begin(), u.fields.end());
    r.form = u.form;
    r.code = u.rule;
    rules_.push_back(std::move(r));
  }
  if (rules_.empty() || expected_records == 0) return;
  // A rule over several cells (email and enterprise_email) takes up to one value from each.
  for (Rule& r : rules_) {
    if (r.code.empty() && keys_in_snapshot) continue;  // the new keys only: a few, or unknown
    r.owners.reserve(expected_records * r.fields.size());
  }
  claimants_.reserve(expected_records);
}

Invalid KeyOwners::clash(const Rule& rule, Field field, std::string_view value, std::uint64_t other_line) const {
  Origin other = where_;
  other.line = other_line;
  if (rule.code.empty()) {
    // The key: an entity has one owner. The key itself is no secret (plans and reports show it).
    return {std::string(field_name(field)),
            fmt::format("{} {} also given by {}: one {} has one owner, so neither row is sent", field_name(field),
                        value, other.str(), field_name(field))};
  }
  // A unique value is personal data: never quoted.
  return {std::string(field_name(field)),
          fmt::format("also given by {}, and the API holds it unique ({}): neither row is sent", other.str(),
                      rule.code)};
}

std::uint64_t KeyOwners::line_of(std::uint32_t claimant) const {
  const std::uint64_t low = claimants_[claimant] & kLineMask;
  // The last change of the top bits at or before `claimant`.
  auto after = std::upper_bound(line_tops_.begin(), line_tops_.end(), claimant,
                                [](std::uint32_t c, const auto& top) { return c < top.first; });
  const std::uint64_t top = after == line_tops_.begin() ? 0 : std::prev(after)->second;
  return top << kLineBits | low;
}

KeyOwners::Fate KeyOwners::fate_of(std::uint32_t claimant) const {
  return static_cast<Fate>(claimants_[claimant] >> kLineBits);
}

void KeyOwners::hash_values(const Record& record, SnapshotIndex* snapshot) {
  for (Rule& rule : rules_) {
    for (const Field field : rule.fields) {
      Hashed& h = hashed_.emplace_back();
      const std::string_view cell = record.get(field);
      if (cell.empty()) continue;
      h.given = true;
      if (rule.code.empty() && snapshot != nullptr) {
        // The key's form is kExact: its value is the cell itself, which outlives the claim.
        h.in_snapshot = true;
        h.value = snapshot->probe(unique_form(UniqueRule{{}, rule.form, rule.code}, cell, scratch_));
        continue;
      }
      h.value.hash = content_hash(unique_form(UniqueRule{{}, rule.form, rule.code}, cell, scratch_));
      h.table = &rule.owners;
    }
  }
}

void KeyOwners::prefetch_slots(std::size_t from, std::size_t to, const SnapshotIndex* snapshot) const {
  for (std::size_t k = from; k < to; ++k) {
    const Hashed& h = hashed_[k];
    if (!h.given) continue;
    if (h.in_snapshot) {
      snapshot->prefetch(h.value);
    } else {
      h.table->prefetch(h.value.hash);
    }
  }
}

void KeyOwners::prefetch_records(std::size_t from, std::size_t to, const SnapshotIndex* snapshot) const {
  for (std::size_t k = from; k < to; ++k) {
    if (hashed_[k].given && hashed_[k].in_snapshot) snapshot->prefetch_record(hashed_[k].value);
  }
}

std::optional<Invalid> KeyOwners::claim(const Record& record, SnapshotIndex* snapshot) {
  if (rules_.empty()) return std::nullopt;
  hashed_.clear();
  hash_values(record, snapshot);
  const Hashed* next = hashed_.data();
  return claim_hashed(record, next, snapshot);
}

std::uint32_t KeyOwners::claim_batch(std::span<const Record> batch, SnapshotIndex* snapshot,
                                     std::vector<std::optional<Invalid>>& broken) {
  const auto first = static_cast<std::uint32_t>(claimants_.size());
  broken.assign(batch.size(), std::nullopt);
  if (rules_.empty()) return first;
  hashed_.clear();
  for (const Record& record : batch) hash_values(record, snapshot);
  // The slots kAhead records ahead of the claims, the snapshot records half as far: far enough
  // for the misses to overlap, near enough for what they load to stay in the caches until used
  // (a whole batch ahead, it did not).
  constexpr std::size_t kAhead = 16;
  const std::size_t n = batch.size();
  const std::size_t per = hashed_.size() / std::max<std::size_t>(n, 1);  // every record has as many
  prefetch_slots(0, std::min(kAhead, n) * per, snapshot);
  prefetch_records(0, std::min(kAhead / 2, n) * per, snapshot);
  const Hashed* next = hashed_.data();
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) prefetch_slots((i + kAhead) * per, (i + kAhead + 1) * per, snapshot);
    if (i + kAhead / 2 < n) prefetch_records((i + kAhead / 2) * per, (i + kAhead / 2 + 1) * per, snapshot);
    broken[i] = claim_hashed(batch[i], next, snapshot);
  }
  return first;
}

std::optional<Invalid> KeyOwners::claim_hashed(const Record& record, const Hashed*& next, SnapshotIndex* snapshot) {
  if (where_.input.empty()) where_ = record.origin;
  if (claimants_.size() > kClaimantMask) throw std::length_error("KeyOwners: more than 2^30 records");
  const auto self = static_cast<std::uint32_t>(claimants_.size());
  const std::uint64_t line = record.origin.line;
  const std::uint64_t top = line >> kLineBits;
  const std::uint64_t current_top = line_tops_.empty() ? 0 : line_tops_.back().second;
  if (top != current_top) line_tops_.emplace_back(self, top);
  claimants_.push_back(static_cast<std::uint32_t>(line) & kLineMask);  // fate kInvalid until settled
  std::optional<Invalid> broken;
  for (Rule& rule : rules_) {
    for (std::size_t f = 0; f < rule.fields.size(); ++f) {
      const Hashed& value = *next++;
      if (!value.given) continue;
      const Field field = rule.fields[f];
      const std::uint32_t claimant = static_cast<std::uint32_t>(f) << kCellShift | self;
      std::optional<std::uint32_t> in_snapshot;
      if (value.in_snapshot) in_snapshot = snapshot->claim(value.value, claimant);
      std::uint32_t held = 0;
      if (in_snapshot) {
        held = *in_snapshot;
      } else {  // a key the snapshot lacks goes to the key's table
        held = rule.owners.claim(value.in_snapshot ? content_hash(value.value.key) : value.value.hash, claimant);
      }
      const std::uint32_t owner = held & kClaimantMask;
      if (owner == self) continue;  // a new value, or the row gives it twice (email and enterprise_email)
      const std::uint64_t first_line = line_of(owner);
      const std::string_view cell = record.get(field);
      if (contested_.insert(owner).second) {
        clashes_.push_back({owner, clash(rule, rule.fields[held >> kCellShift], cell, line)});
      }
      if (!broken) broken = clash(rule, field, cell, first_line);
    }
  }
  return broken;
}

void KeyOwners::settle(Fate fate) {
  if (claimants_.empty()) return;
  settle(static_cast<std::uint32_t>(claimants_.size() - 1), fate);
}

void KeyOwners::settle(std::uint32_t claimant, Fate fate) {
  if (claimant >= claimants_.size()) return;  // no rules: nothing claimed
  std::uint32_t& c = claimants_[claimant];
  c = (c & kLineMask) | static_cast<std::uint32_t>(fate) << kLineBits;
}

std::vector<KeyOwners::Contested> KeyOwners::contested() const {
  std::vector<Contested> out;
  for (const Clash& c : clashes_) {
    const Fate fate = fate_of(c.claimant);
    if (fate == Fate::kInvalid) continue;  // already listed as invalid, for its own reason
    Origin at = where_;
    at.line = line_of(c.claimant);
    out.push_back({std::move(at), std::string(), c.invalid, fate});
  }
  std::sort(out.begin(), out.end(), [](const Contested& a, const Contested& b) { return a.origin.line < b.origin.line; });
  return out;
}

std::size_t KeyOwners::memory_bytes() const {
  std::size_t bytes = claimants_.capacity() * sizeof(std::uint32_t);
  for (const Rule& r : rules_) bytes += r.owners.memory_bytes();
  return bytes;
}

}  // namespace hrsync
