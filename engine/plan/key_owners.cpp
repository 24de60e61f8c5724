#include "engine/plan/key_owners.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "diff/document.h"

namespace hrsync {
namespace {

constexpr unsigned kCellShift = 30;  // an owner: cell << 30 | claimant
constexpr std::uint32_t kClaimantMask = (std::uint32_t{1} << kCellShift) - 1;
constexpr std::size_t kMaxCells = std::size_t{1} << (32 - kCellShift);
constexpr std::size_t kMinSlots = 1024;

}  // namespace

std::size_t KeyOwners::Owners::slot(std::uint64_t hash) const {
  const std::size_t mask = hashes_.size() - 1;
  std::size_t i = static_cast<std::size_t>(hash) & mask;
  while (hashes_[i] != 0 && hashes_[i] != hash) i = (i + 1) & mask;
  return i;
}

void KeyOwners::Owners::grow() {
  std::vector<std::uint64_t> hashes = std::move(hashes_);
  std::vector<std::uint32_t> owners = std::move(owners_);
  const std::size_t slots = std::max(kMinSlots, hashes.size() * 2);
  hashes_.assign(slots, 0);
  owners_.assign(slots, 0);
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    if (hashes[i] == 0) continue;
    const std::size_t at = slot(hashes[i]);
    hashes_[at] = hashes[i];
    owners_[at] = owners[i];
  }
}

std::uint32_t KeyOwners::Owners::claim(std::uint64_t hash, std::uint32_t owner) {
  if (hash == 0) hash = 1;
  if ((size_ + 1) * 4 > hashes_.size() * 3) grow();
  const std::size_t at = slot(hash);
  if (hashes_[at] == hash) return owners_[at];
  hashes_[at] = hash;
  owners_[at] = owner;
  ++size_;
  return owner;
}

KeyOwners::KeyOwners(const TargetConnector& target) {
  if (target.key_column() != key_field(target.entity())) {
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

std::optional<Invalid> KeyOwners::claim(const Record& record, Field source_key) {
  if (rules_.empty()) return std::nullopt;
  if (where_.input.empty()) where_ = record.origin;
  if (claimants_.size() > kClaimantMask) throw std::length_error("KeyOwners: more than 2^30 records");
  const auto self = static_cast<std::uint32_t>(claimants_.size());
  const std::string_view key = record.get(source_key);
  claimants_.push_back({record.origin.line, static_cast<std::uint32_t>(keys_.size()),
                        static_cast<std::uint32_t>(key.size()), Fate::kInvalid, false});
  keys_.append(key);
  std::optional<Invalid> broken;
  for (Rule& rule : rules_) {
    for (std::size_t f = 0; f < rule.fields.size(); ++f) {
      const Field field = rule.fields[f];
      const std::string_view cell = record.get(field);
      if (cell.empty()) continue;
      const std::string_view value = unique_form(UniqueRule{{}, rule.form, rule.code}, cell, scratch_);
      const std::uint32_t held =
          rule.owners.claim(content_hash(value), static_cast<std::uint32_t>(f) << kCellShift | self);
      const std::uint32_t owner = held & kClaimantMask;
      if (owner == self) continue;  // a new value, or the row gives it twice (email and enterprise_email)
      Claimant& first = claimants_[owner];
      if (!first.contested) {
        first.contested = true;
        clashes_.push_back({owner, clash(rule, rule.fields[held >> kCellShift], cell, record.origin.line)});
      }
      if (!broken) broken = clash(rule, field, cell, first.line);
    }
  }
  return broken;
}

void KeyOwners::settle(Fate fate) {
  if (!claimants_.empty()) claimants_.back().fate = fate;
}

std::vector<KeyOwners::Contested> KeyOwners::contested() const {
  std::vector<Contested> out;
  for (const Clash& c : clashes_) {
    const Claimant& first = claimants_[c.claimant];
    if (first.fate == Fate::kInvalid) continue;  // already listed as invalid, for its own reason
    Origin at = where_;
    at.line = first.line;
    out.push_back({std::move(at), keys_.substr(first.key_at, first.key_size), c.invalid, first.fate});
  }
  std::sort(out.begin(), out.end(), [](const Contested& a, const Contested& b) { return a.origin.line < b.origin.line; });
  return out;
}

}  // namespace hrsync
