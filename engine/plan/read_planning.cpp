#include "engine/plan/read_planning.h"

#include <algorithm>
#include <map>
#include <utility>

#include "diff/field_changes.h"
#include "engine/plan/plan_pipeline.h"
#include "engine/plan/planner.h"
#include "store/snapshot_store.h"

namespace hrsync {
namespace {

// The limits the read of `t` goes at: the job's read_rate, else the read operation's own.
std::vector<RateTier> read_tiers(const TargetState& t) {
  if (!t.config->read_rate.empty()) return t.config->read_rate;
  const ReadOperation* read = t.connector->read();
  return read != nullptr ? read->default_rate() : std::vector<RateTier>{};
}

// The summary's counts of `read`, before the plan knows the drift.
ReadSummary summary_of(const TargetState& t, const TargetRead& read, std::uint64_t keys) {
  ReadSummary s;
  s.keys = keys;
  s.calls = read.calls;
  s.throttled = read.throttled;
  s.seconds = read.seconds;
  s.found = read.found.size();
  s.failed = read.failed;
  s.not_read = read.not_read;
  const ReadOperation* op = t.connector->read();
  const std::size_t batch = op != nullptr ? std::max<std::size_t>(op->batch_size(), 1) : 1;
  s.batches = (keys + batch - 1) / batch;
  s.min_seconds = min_seconds(s.batches, read_tiers(t));
  return s;
}

}  // namespace

Result<void> take_read(TargetState& t, SnapshotIndex& index, TargetRead read, SnapshotStore* store) {
  t.plan.read = summary_of(t, read, read.found.size() + read.absent.size());
  if (read.not_read) return remembered_absent(t, store);
  if (read.failed) return {};
  const ReadOperation* op = t.connector->read();
  t.snapshot_known = index.size();
  SnapshotIndex held_index(index.owners());
  held_index.reserve(index.size() + read.found.size());
  for (Document& d : read.found) {
    const std::optional<std::uint64_t> last_hash = index.find(d.key);
    // A member the read cannot see (a photo the box does not give back) is taken as last applied.
    if (last_hash && op != nullptr && !op->sees_all()) {
      auto last = last_document(store, t.plan.id, d.key);
      if (!last) return std::unexpected(last.error());
      if (*last) op->complete(d, **last);
    }
    if (last_hash && *last_hash != d.hash) t.drifted.push_back(d.key);
    if (!last_hash) t.adopted.push_back(d.key);
    if (!last_hash || *last_hash != d.hash) t.plan.read->adopt.push_back(d);
    held_index.add(d.key, d.hash);
    std::string key = d.key;
    t.held.emplace(std::move(key), std::move(d));
  }
  t.absent = std::move(read.absent);
  std::sort(t.absent.begin(), t.absent.end());
  std::sort(t.drifted.begin(), t.drifted.end());
  std::sort(t.adopted.begin(), t.adopted.end());
  // The snapshot's other keys stay: an entity gone from the source is still missing. A key the
  // target lacks leaves the index: it is skipped when offered, whatever the snapshot says.
  index.for_each_unseen([&](std::string_view key, std::uint64_t hash) {
    if (!std::binary_search(t.absent.begin(), t.absent.end(), key)) held_index.add(key, hash);
  });
  index = std::move(held_index);
  return {};
}

Result<void> remembered_absent(TargetState& t, SnapshotStore* store) {
  if (store == nullptr) return {};
  auto keys = store->absent_keys(t.plan.id);
  if (!keys) return std::unexpected(keys.error());
  t.absent = std::move(*keys);
  return {};
}

void fill_held(TargetState& t, std::vector<std::size_t>& which) {
  if (t.held.empty()) return;
  std::erase_if(which, [&](std::size_t i) {
    Work& w = t.plan.work[i];
    auto it = t.held.find(w.desired.key);
    if (it == t.held.end()) return false;
    w.last_applied = it->second;
    return true;
  });
}

namespace {

// The value of `path` in `changes` (as FieldChange::after), or `fallback` when it is not among them.
std::string value_at(const std::vector<FieldChange>& changes, std::string_view path, const std::string& fallback) {
  for (const FieldChange& c : changes) {
    if (c.path == path) return c.after;
  }
  return fallback;
}

// One drift entry per field where what `t` holds for `key` is not what hrsync last applied.
Result<void> list_drift(TargetState& t, const std::string& key, const Document* desired, SnapshotStore* store) {
  auto last = last_document(store, t.plan.id, key);
  if (!last) return std::unexpected(last.error());
  const auto held = t.held.find(key);
  if (!*last || held == t.held.end()) return {};
  auto target = field_changes((*last)->body, held->second.body);
  if (!target) return std::unexpected(target.error());
  std::vector<FieldChange> source;
  if (desired != nullptr) {
    auto changes = field_changes(held->second.body, desired->body);
    if (!changes) return std::unexpected(changes.error());
    source = std::move(*changes);
  }
  for (const FieldChange& c : *target) {
    t.plan.read->drift.push_back(Drift{key, c.path, c.after, value_at(source, c.path, c.after), c.before});
  }
  if (!target->empty()) ++t.plan.read->drifted;
  return {};
}

}  // namespace

Result<void> settle_read(TargetState& t, SnapshotStore* store) {
  auto& p = t.plan;
  if (!p.read || p.read->not_read) return {};
  if (p.read->failed) {
    p.work.clear();
    p.stream.reset();
    p.streamed = 0;
    p.read->adopt.clear();
    return {};
  }
  // The gates weigh what the snapshot knew: an adopted entity that differs from HR is no sign of a
  // broken export.
  p.counts.known = t.snapshot_known;
  p.read->changed_known = static_cast<std::uint64_t>(std::count_if(p.work.begin(), p.work.end(), [&](const Work& w) {
    return w.action == Work::Action::kUpsert && w.last_applied &&
           !std::binary_search(t.adopted.begin(), t.adopted.end(), w.desired.key);
  }));
  std::map<std::string_view, const Document*> desired;
  for (const Work& w : p.work) {
    if (w.action == Work::Action::kUpsert && std::binary_search(t.drifted.begin(), t.drifted.end(), w.desired.key)) {
      desired.emplace(w.desired.key, &w.desired);
    }
  }
  for (const std::string& key : t.drifted) {
    auto it = desired.find(key);
    if (auto r = list_drift(t, key, it != desired.end() ? it->second : nullptr, store); !r) return r;
  }
  t.held.clear();
  return {};
}

}  // namespace hrsync
