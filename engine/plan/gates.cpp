#include "engine/plan/gates.h"

#include <fmt/format.h>

namespace hrsync {
namespace {

std::string percent(double share) { return fmt::format("{:.1f} %", share * 100.0); }

// More creates than max_create in the whole run looks like an export that renamed every key: each
// create is an account made (and, on Feishu, an invitation sent).
void apply_create_gate(Plan& plan, const JobConfig& config) {
  std::uint64_t creates = 0;
  std::string where;
  for (const auto& t : plan.targets) {
    if (t.creates == 0) continue;
    creates += t.creates;
    where += fmt::format("{}{} {}", where.empty() ? "" : ", ", t.id, t.creates);
  }
  if (creates <= config.max_create) return;
  plan.gates.push_back({"max_create", "job",
                        fmt::format("{} entities would be created ({}), above max_create {}", creates, where,
                                    config.max_create)});
}

}  // namespace

void apply_gates(Plan& plan, const JobConfig& config) {
  for (const auto& s : plan.sources) {
    if (s.records > 0) continue;
    plan.gates.push_back({"empty_source", s.name,
                          fmt::format("source \"{}\" ({}) gave no usable record ({} rejected); an empty export "
                                      "would look like everyone left",
                                      s.name, s.describe, s.rejected.size())});
  }
  for (const auto& t : plan.targets) {
    const auto& c = t.counts;
    if (c.known == 0) continue;  // a first run creates everything: nothing to compare with
    // New entities do not count: a resumed migration or a wave of hires is no sign of a broken
    // export, while one that renames keys shows up as missing entities below.
    // After a read, the changes of entities the snapshot knows: adopting what a target held is
    // no sign of a broken export either.
    const bool read = t.read && !t.read->failed && !t.read->not_read;
    const std::uint64_t changed = read ? t.read->changed_known : c.changed;
    const double change_share = static_cast<double>(changed) / static_cast<double>(c.known);
    if (!plan.full && change_share > config.max_change_ratio) {
      plan.gates.push_back({"max_change_ratio", t.id,
                            fmt::format("{}: {} of {} known entities would change ({}), above max_change_ratio {}",
                                        t.id, changed, c.known, percent(change_share),
                                        percent(config.max_change_ratio))});
    }
    const std::uint64_t gone = c.missing - c.settled;  // frozen by an earlier run: not news
    const double missing_share = static_cast<double>(gone) / static_cast<double>(c.known);
    if (missing_share > config.max_missing_ratio) {
      plan.gates.push_back({"max_missing_ratio", t.id,
                            fmt::format("{}: {} of {} known entities are gone from the source ({}), above "
                                        "max_missing_ratio {}",
                                        t.id, gone, c.known, percent(missing_share),
                                        percent(config.max_missing_ratio))});
    }
  }
  apply_create_gate(plan, config);
}

}  // namespace hrsync
