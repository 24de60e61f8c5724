#include "engine/plan/key_owners.h"

#include <fmt/format.h>

#include <algorithm>

namespace hrsync {

KeyOwners::KeyOwners(const TargetConnector& target) {
  if (target.key_column() != key_field(target.entity())) {
    Rule key;
    key.fields = {target.key_column()};
    rules_.push_back(std::move(key));
  }
  for (const UniqueRule& u : target.unique_values()) {
    Rule r;
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
      // The owner's claimant number, and in the high half which of the rule's cells gave it.
      if (rule.owners.add(value, std::uint64_t{f} << 32 | self)) continue;
      const std::uint64_t held = rule.owners.find(value).value_or(self);
      const auto owner = static_cast<std::uint32_t>(held);
      if (owner == self) continue;  // the row gives the value twice (email and enterprise_email)
      Claimant& first = claimants_[owner];
      if (!first.contested) {
        first.contested = true;
        clashes_.push_back({owner, clash(rule, rule.fields[held >> 32], cell, record.origin.line)});
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
