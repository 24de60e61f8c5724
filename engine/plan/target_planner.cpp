#include "engine/plan/target_planner.h"

#include <algorithm>
#include <utility>

namespace hrsync {

void offer_batch(TargetState& t, std::span<const Record> records, Field key_column, bool full) {
  auto& docs = t.projected;
  docs.clear();
  for (const Record& record : records) docs.push_back(t.connector->project(record));
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto& doc = docs[i];
    const Record& record = records[i];
    if (!doc) {
      t.plan.invalid.push_back({record.origin, std::string(record.get(key_column)), std::move(doc.error())});
      t.differ.invalid(record.get(t.connector->key_column()));
      continue;
    }
    const auto kind = t.differ.offer(*doc);
    if (kind == Change::kUnchanged && !full) continue;
    if (kind != Change::kNew) t.fetch.push_back(t.plan.work.size());
    Work w;
    w.origin = record.origin;
    w.desired = std::move(*doc);
    t.plan.work.push_back(std::move(w));
  }
  docs.clear();
}

Result<void> finish_target(TargetState& t, const LastDocument& last_document) {
  auto& p = t.plan;
  t.differ.for_each_missing([&](std::string_view key) { p.missing_keys.emplace_back(key); });
  std::sort(p.missing_keys.begin(), p.missing_keys.end());
  for (const auto& key : p.missing_keys) {
    auto last = last_document(key);
    if (!last) return std::unexpected(last.error());
    if (!*last) continue;
    auto frozen = t.connector->on_missing(**last);
    if (!frozen) {
      p.forget_keys.push_back(key);
      continue;
    }
    if (frozen->hash == (*last)->hash) {
      ++p.counts.settled;
      continue;
    }
    Work w;
    w.action = Work::Action::kFreeze;
    w.desired = std::move(*frozen);
    w.last_applied = std::move(*last);
    p.work.push_back(std::move(w));
  }
  const auto& c = t.differ.counts();
  p.counts.created = c.created;
  p.counts.changed = c.changed;
  p.counts.unchanged = c.unchanged;
  p.counts.invalid = p.invalid.size();
  p.counts.missing = p.missing_keys.size();
  p.counts.frozen = static_cast<std::uint64_t>(
      std::count_if(p.work.begin(), p.work.end(), [](const Work& w) { return w.action == Work::Action::kFreeze; }));
  return {};
}

}  // namespace hrsync
