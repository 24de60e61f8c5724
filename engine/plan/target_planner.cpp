#include "engine/plan/target_planner.h"

#include <algorithm>
#include <utility>

namespace hrsync {

namespace {

// Writes `w`, an entity past spool_after (new, or known to the snapshot when `known`: a --full
// run), to the target's spool; false when it is to be kept in memory instead (the spool could not
// be written: the error is kept for finish_target). A known entity's last applied document is
// fetched, and its lane counted, when the spool is finished (settle_spooled).
bool spool(TargetState& t, const Work& w, bool known) {
  if (t.spool_error) return false;
  if (!known && t.connector->sets_nothing(w.desired)) {  // no call: counted when the target is finished
    t.nothing_lines.push_back(w.origin.line);
    return true;
  }
  if (!t.spool) {
    auto made = WorkSpool::create(t.plan.id);
    if (!made) {
      t.spool_error = made.error();
      return false;
    }
    t.spool = std::move(*made);
    t.first_spooled_line = w.origin.line;
  }
  if (auto added = t.spool->add(w); !added) {
    t.spool_error = added.error();
    return false;
  }
  if (known) {
    ++t.spooled_known;
    return true;
  }
  const std::string_view lane = t.connector->update().lane_of(w.desired, nullptr);
  if (!lane.empty()) ++t.spooled_lanes[std::string(lane)];
  return true;
}

// True iff the target creates the entities it lacks (on_new = "create" and a create operation).
bool creates(const TargetState& t) {
  return t.config != nullptr && t.config->on_new == OnNew::kCreate && t.connector->create() != nullptr;
}

// Keeps `desired` (of the record at `origin`) as work for plan.work; returns its position there.
std::size_t stage(TargetState& t, Document desired, const Origin& origin, Work::Action action) {
  if (t.staged_from.empty()) t.staged_from = origin;
  // Grown by a quarter, not doubled: a vector that doubles is a quarter empty on average.
  if (t.staged.size() == t.staged.capacity()) t.staged.reserve(t.staged.size() + t.staged.size() / 4 + 64);
  t.staged.push_back({std::move(desired), origin.line, action});
  return t.plan.work.size() + t.staged.size() - 1;
}

// Moves the work kept while reading into plan.work, in the order it was kept.
void unstage(TargetState& t) {
  auto staged = std::exchange(t.staged, {});
  t.plan.work.reserve(t.plan.work.size() + staged.size());
  for (auto& s : staged) {
    Work w;
    w.action = s.action;
    w.desired = std::move(s.desired);
    w.origin = t.staged_from;
    w.origin.line = s.line;
    t.plan.work.push_back(std::move(w));
  }
}

// A leaver back in the source: `doc` (its record's) becomes what gives back what on_missing took
// (RecordProjection::on_return). True iff the key is a leaver's.
bool give_back(const TargetState& t, Document& doc) {
  if (t.leavers.empty()) return false;
  const auto it = t.leavers.find(doc.key);
  if (it == t.leavers.end()) return false;
  if (auto back = t.connector->on_return(doc, it->second)) {
    doc.body = std::move(back->body);
    doc.seal();
  }
  return true;
}

}  // namespace

void offer_batch(TargetState& t, std::span<const Record> records, Field key_column, bool full) {
  auto& docs = t.projected;
  docs.clear();
  for (const Record& record : records) docs.push_back(t.connector->project(record));
  // The index claims the keys it holds when the target's key is not the source's (else the
  // source's duplicate-key check may claim there).
  const bool claims_keys =
      KeyOwners::checks_key(*t.connector) && t.differ.index().owners() == SnapshotIndex::Owners::kKept;
  SnapshotIndex* const keys = claims_keys ? &t.differ.claims() : nullptr;
  const std::uint32_t first = t.owners.claim_batch(records, keys, t.clashes);
  // The diff's lookups of the batch, started together (SnapshotIndex's batch lookups); an invalid
  // record's probe stays empty, and its prefetch harmless.
  const SnapshotIndex& index = t.differ.index();
  t.probes.assign(docs.size(), SnapshotIndex::Probe{});
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (docs[i] && !t.clashes[i]) t.probes[i] = index.probe(docs[i]->key);
  }
  index.prefetch(t.probes);
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto& doc = docs[i];
    const Record& record = records[i];
    const auto claimant = static_cast<std::uint32_t>(first + i);
    if (auto& clash = t.clashes[i]) doc = std::unexpected(std::move(*clash));
    if (!doc) {
      t.plan.invalid.push_back({record.origin, std::string(record.get(key_column)), std::move(doc.error())});
      t.differ.invalid(record.get(t.connector->key_column()));
      t.owners.settle(claimant, KeyOwners::Fate::kInvalid);
      continue;
    }
    if (!doc->omitted_field.empty()) {
      t.plan.invalid.push_back({record.origin, std::string(record.get(key_column)),
                                Invalid{std::move(doc->omitted_field), std::move(doc->omitted_rule)}});
    }
    if (!t.absent.empty() && std::binary_search(t.absent.begin(), t.absent.end(), doc->key)) {
      // The target lacks it: an update could only fail. Created where on_new says so, else listed
      // and not sent.
      t.differ.absent(doc->key);
      t.owners.settle(claimant, KeyOwners::Fate::kUnchanged);
      std::optional<Invalid> refused = creates(t) ? t.connector->create()->refuses(*doc) : std::nullopt;
      if (refused) t.plan.invalid.push_back({record.origin, std::string(record.get(key_column)), std::move(*refused)});
      if (creates(t) && !refused) {
        stage(t, std::move(*doc), record.origin, Work::Action::kCreate);
      } else {
        t.plan.absent_keys.push_back(doc->key);
        t.plan.absent_where.push_back(record.origin.str());
      }
      continue;
    }
    const bool returning = give_back(t, *doc);
    const auto kind = t.differ.offer(*doc, t.probes[i]);
    if (returning && kind != Change::kUnchanged) t.plan.returning_keys.push_back(doc->key);
    t.owners.settle(claimant, kind == Change::kNew       ? KeyOwners::Fate::kNew
                              : kind == Change::kChanged ? KeyOwners::Fate::kChanged
                                                         : KeyOwners::Fate::kUnchanged);
    if (kind == Change::kUnchanged && !full) continue;
    // Past the first changes, a first run spools its new entities, and a --full run every entity.
    const bool known = kind != Change::kNew;
    const bool spooled =
        (!known || full) && t.spool_after > 0 && t.plan.work.size() + t.staged.size() >= t.spool_after;
    if (spooled) {
      Work w;
      w.origin = record.origin;
      w.desired = std::move(*doc);
      if (spool(t, w, known)) continue;
      doc = std::move(w.desired);
    }
    const std::size_t at = stage(t, std::move(*doc), record.origin, Work::Action::kUpsert);
    if (known) t.fetch.push_back(at);
  }
  docs.clear();
}

void collect_contested(TargetState& t, const DuplicateKeys& source_keys) {
  t.contested = t.owners.contested();
  t.owners = KeyOwners();
  unstage(t);
  if (t.contested.empty()) return;
  std::vector<std::uint64_t> lines;  // sorted: contested() lists the rows in source order
  for (const auto& c : t.contested) lines.push_back(c.origin.line);
  auto keys = source_keys.keys_at(lines);
  for (std::size_t i = 0; i < keys.size(); ++i) t.contested[i].key = std::move(keys[i]);
}

namespace {

// Fills what the change `w`'s record left empty from its last applied document (the connector's
// keep_unset). Returns true when it then equals what the target holds and is dropped (never when
// `full`); counts it in `same` either way.
bool keep_unset_drops(TargetState& t, Work& w, bool full, std::uint64_t& same) {
  if (!w.last_applied || w.action != Work::Action::kUpsert) return false;
  const bool was_same = w.desired.hash == w.last_applied->hash;
  t.connector->keep_unset(w.desired, *w.last_applied);
  if (was_same || w.desired.hash != w.last_applied->hash) return false;
  ++same;
  return !full;
}

// What each upsert leaves on the target when the request cannot make all of it
// (TargetConnector::held_after): the members kept are listed for a person, and the snapshot is to
// record what the target holds. An upsert after which the target holds what it holds already is
// dropped (unless `full`), as is a new entity whose document sets nothing; the counts say how many
// were dropped from the changed and the created counts.
struct HeldBack {
  std::uint64_t created = 0;
  std::uint64_t changed = 0;
};

bool hold_back_drops(TargetState& t, Work& w, bool full, HeldBack& back) {
  if (w.action != Work::Action::kUpsert) return false;
  if (!w.last_applied) {
    if (!t.connector->sets_nothing(w.desired)) return false;
    ++back.created;
    return true;
  }
  auto held = t.connector->held_after(w.desired, *w.last_applied);
  if (!held) return false;
  for (Invalid& kept : held->kept) t.plan.by_hand.push_back({w.origin, w.desired.key, std::move(kept)});
  const bool was_same = w.desired.hash == w.last_applied->hash;
  // A re-send (--full) of what the target holds; but a document that sets nothing is no re-send.
  const bool no_call = !full || t.connector->sets_nothing(w.desired);
  if (held->document.hash == w.last_applied->hash && !was_same && no_call) {
    ++back.changed;
    return true;
  }
  if (held->document.hash != w.desired.hash) w.holds = std::move(held->document);
  return false;
}

// The rows whose key or unique value a later row gave too become invalid: their work is dropped
// and they leave the count they were in. Returns how many left each count.
struct TakenBack {
  std::uint64_t created = 0;
  std::uint64_t changed = 0;
  std::uint64_t unchanged = 0;
  std::vector<std::uint64_t> lines;      // the record lines of the rows taken back, sorted
  std::vector<std::uint64_t> new_lines;  // those of the new entities, sorted
};

TakenBack take_back_contested(TargetState& t) {
  TakenBack back;
  auto contested = std::exchange(t.contested, {});
  if (contested.empty()) return back;
  auto& p = t.plan;
  std::vector<std::uint64_t>& lines = back.lines;
  for (auto& c : contested) {
    lines.push_back(c.origin.line);
    if (c.fate == KeyOwners::Fate::kNew) {
      ++back.created;
      back.new_lines.push_back(c.origin.line);
    }
    if (c.fate == KeyOwners::Fate::kChanged) ++back.changed;
    if (c.fate == KeyOwners::Fate::kUnchanged) ++back.unchanged;
    p.invalid.push_back({std::move(c.origin), std::move(c.key), std::move(c.invalid)});
  }
  std::sort(lines.begin(), lines.end());
  std::sort(back.new_lines.begin(), back.new_lines.end());
  std::erase_if(p.work, [&](const Work& w) {
    return w.action != Work::Action::kFreeze && std::binary_search(lines.begin(), lines.end(), w.origin.line);
  });
  std::stable_sort(p.invalid.begin(), p.invalid.end(),
                   [](const InvalidEntity& a, const InvalidEntity& b) { return a.origin.line < b.origin.line; });
  return back;
}

// Ends the spool: its stream leaves out the spooled rows taken back (`taken_back`: of new entities,
// or of every entity in a --full run, which spools them all). Returns how many new entities past
// spool_after set nothing and were not taken back (no call, counted unchanged).
Result<std::uint64_t> finish_spool(TargetState& t, const std::vector<std::uint64_t>& taken_back) {
  if (t.spool_error) return std::unexpected(*t.spool_error);
  std::sort(t.nothing_lines.begin(), t.nothing_lines.end());
  std::vector<std::uint64_t> skip;
  std::uint64_t nothing = t.nothing_lines.size();
  for (const std::uint64_t line : taken_back) {
    if (std::binary_search(t.nothing_lines.begin(), t.nothing_lines.end(), line)) {
      --nothing;
    } else if (t.spool && line >= t.first_spooled_line) {
      skip.push_back(line);  // a new entity at or past the first spooled one went to the spool
    }
  }
  if (!t.spool) return nothing;
  const std::uint64_t streamed = t.spool->size() - skip.size();
  auto stream = t.spool->finish(std::move(skip));
  if (!stream) return std::unexpected(stream.error());
  t.plan.stream = std::move(*stream);
  t.plan.streamed = streamed;
  return nothing;
}

// The spooled entities the snapshot knows (a --full run) go through what the work held went
// through: each takes its last applied document (read from the snapshot as the spool is read
// back), keep_unset_drops and hold_back_drops, and its lane is counted; the spool is written again
// with them, last applied documents included, for the executor to stream.
Result<void> settle_spooled(TargetState& t, const LastDocument& last_document, bool full, std::uint64_t& kept_same,
                            HeldBack& held) {
  if (t.spooled_known == 0 || !t.plan.stream) return {};
  auto settled = WorkSpool::create(t.plan.id);
  if (!settled) return std::unexpected(settled.error());
  const std::shared_ptr<WorkStream> spooled = std::exchange(t.plan.stream, nullptr);
  for (Work w; spooled->next(w);) {
    if (t.differ.index().find(w.desired.key)) {  // not new: the snapshot holds its last document
      auto last = last_document(w.desired.key);
      if (!last) return std::unexpected(last.error());
      w.last_applied = std::move(*last);
      if (keep_unset_drops(t, w, full, kept_same) || hold_back_drops(t, w, full, held)) continue;
      const std::string_view lane = t.connector->update().lane_of(w.desired, w.last_applied ? &*w.last_applied : nullptr);
      if (!lane.empty()) ++t.spooled_lanes[std::string(lane)];
    }
    if (auto added = (*settled)->add(w); !added) return added;
  }
  if (!spooled->status()) return std::unexpected(spooled->status().error());
  t.plan.streamed = (*settled)->size();
  auto stream = (*settled)->finish({});
  if (!stream) return std::unexpected(stream.error());
  t.plan.stream = std::move(*stream);
  return {};
}

}  // namespace

Result<void> finish_target(TargetState& t, const LastDocument& last_document, bool full) {
  auto& p = t.plan;
  const TakenBack back = take_back_contested(t);
  auto nothing = finish_spool(t, t.spooled_known > 0 ? back.lines : back.new_lines);
  if (!nothing) return std::unexpected(nothing.error());
  std::uint64_t kept_same = 0;
  std::erase_if(p.work, [&](Work& w) { return keep_unset_drops(t, w, full, kept_same); });
  HeldBack held;
  std::erase_if(p.work, [&](Work& w) { return hold_back_drops(t, w, full, held); });
  if (auto r = settle_spooled(t, last_document, full, kept_same, held); !r) return r;
  t.differ.for_each_missing([&](std::string_view key) { p.missing_keys.emplace_back(key); });
  std::sort(p.missing_keys.begin(), p.missing_keys.end());
  std::sort(p.returning_keys.begin(), p.returning_keys.end());
  std::uint64_t settled = 0;
  for (const auto& key : p.missing_keys) {
    auto last = last_document(key);
    if (!last) return std::unexpected(last.error());
    if (!*last) continue;
    auto frozen = t.connector->on_missing(**last);
    if (!frozen) {
      for (Invalid& kept : t.connector->kept_on_missing(**last)) p.by_hand.push_back({Origin{}, key, std::move(kept)});
      p.forget_keys.push_back(key);
      continue;
    }
    if (frozen->hash == (*last)->hash) {
      ++settled;
      continue;
    }
    Work w;
    w.action = Work::Action::kFreeze;
    w.desired = std::move(*frozen);
    w.last_applied = std::move(*last);
    p.work.push_back(std::move(w));
  }
  const TargetCounts& seen = t.differ.counts();
  p.creates = static_cast<std::uint64_t>(
      std::count_if(p.work.begin(), p.work.end(), [](const Work& w) { return w.action == Work::Action::kCreate; }));
  p.counts = seen;
  p.counts.created = seen.created - back.created - held.created - *nothing + p.creates;
  p.counts.absent = seen.absent - p.creates;
  p.counts.changed = seen.changed - back.changed - kept_same - held.changed;
  p.counts.unchanged = seen.unchanged - back.unchanged + kept_same + held.created + held.changed + *nothing;
  p.counts.invalid = p.invalid.size();
  p.counts.missing = p.missing_keys.size();
  p.counts.settled = settled;
  p.counts.frozen = static_cast<std::uint64_t>(
      std::count_if(p.work.begin(), p.work.end(), [](const Work& w) { return w.action == Work::Action::kFreeze; }));
  return {};
}

}  // namespace hrsync
