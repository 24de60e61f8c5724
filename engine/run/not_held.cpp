#include "engine/run/not_held.h"

#include <utility>

namespace hrsync {

void NotHeldList::add(std::string_view target, NotHeldEntity entity) {
  NotHeldGroup* group = nullptr;
  for (NotHeldGroup& g : groups_) {
    if (g.target == target) group = &g;
  }
  if (group == nullptr) group = &groups_.emplace_back(NotHeldGroup{.target = std::string(target)});
  ++group->count;
  if (group->examples.size() < kExamples) group->examples.push_back(std::move(entity));
}

const NotHeldGroup* NotHeldList::find(std::string_view target) const {
  for (const NotHeldGroup& g : groups_) {
    if (g.target == target) return &g;
  }
  return nullptr;
}

}  // namespace hrsync
