// NotHeld: the entities of a run that a target answered it does not hold (its not-found code,
// OutcomeStatus::kAbsent), bounded for the report — per target how many, and the first few with
// their source line.
//
// The report lists them under "Not in the target", beside what a read found absent; every one is
// in the store's outcomes table (status "absent") and its absent table, so the memory is one
// entry per target and at most `examples` entities in each, however many the target lacks.
//
// Thread-safety: a plain value; not synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hrsync {

// One entity a target does not hold.
struct NotHeldEntity {
  std::string key;    // the entity's key on the target
  std::string where;  // the source line ("hr/employees.csv:17"), "" when unknown
  std::int64_t code = 0;  // the API's not-found code

  bool operator==(const NotHeldEntity&) const = default;
};

// The entities one target does not hold: how many, and the first ones.
struct NotHeldGroup {
  std::string target;
  std::uint64_t count = 0;
  std::vector<NotHeldEntity> examples;  // at most the list's bound, in the order they came

  bool operator==(const NotHeldGroup&) const = default;
};

class NotHeldList {
 public:
  // Entities kept per target: as many as the problems keep of a code.
  static constexpr std::size_t kExamples = 20;

  // Counts `entity` for `target`, and keeps it while the target has fewer than kExamples.
  void add(std::string_view target, NotHeldEntity entity);

  // The group of `target`, or nullptr when it has none.
  const NotHeldGroup* find(std::string_view target) const;

  // Every group, in the order their targets were first met.
  const std::vector<NotHeldGroup>& groups() const { return groups_; }

 private:
  std::vector<NotHeldGroup> groups_;
};

}  // namespace hrsync
