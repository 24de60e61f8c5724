#include "engine/plan/plan_resume.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/plan/sha256.h"

namespace hrsync {
namespace {

// True iff an earlier apply of this file got `call` confirmed: the snapshot holds what the call
// leaves on the target (Work::holds, else its document), committed by one of `runs`.
Result<bool> confirmed(SnapshotStore& store, const std::vector<std::int64_t>& runs, const PlanCall& call) {
  if (runs.empty()) return false;
  auto row = store.row_state(call.target, call.work.desired.key);
  if (!row) return std::unexpected(row.error());
  const Document& held = call.work.holds ? *call.work.holds : call.work.desired;  // what an apply commits
  return *row && (*row)->hash == held.hash &&
         std::find(runs.begin(), runs.end(), (*row)->run_id) != runs.end();
}

// True iff an earlier apply of this file forgot the key of `note`: the snapshot has no row of it
// (the plan was made when it had one, and only applies of this file changed the snapshot since).
Result<bool> forgotten(SnapshotStore& store, const std::vector<std::int64_t>& runs, const PlanNote& note) {
  if (runs.empty()) return false;
  auto row = store.row_state(note.target, note.entry.key);
  if (!row) return std::unexpected(row.error());
  return !row->has_value();
}

// Adds the notes of the file to `s`: every value to remove by hand, the keys not forgotten yet.
Result<void> scan_notes(PlanFileReader& reader, SnapshotStore& store, const std::vector<std::int64_t>& runs, PlanResume& s) {
  for (PlanNote note; reader.next(note);) {
    PlanFileNotes& notes = s.notes[note.target];
    if (note.kind == PlanNote::Kind::kByHand) {
      notes.by_hand.push_back(std::move(note.entry));
      continue;
    }
    ++s.forgets;
    auto gone = forgotten(store, runs, note);
    if (!gone) return std::unexpected(gone.error());
    if (*gone) {
      ++s.forgotten;
    } else {
      notes.forget.push_back(std::move(note.entry.key));
    }
  }
  if (!reader.status()) return std::unexpected(reader.status().error());
  return {};
}

}  // namespace

// Reads the file through: its notes, its sections, which calls were confirmed, and its checksum
// (checked).
Result<PlanResume> scan_plan_file(PlanFileReader& reader, SnapshotStore& store, const std::vector<std::int64_t>& runs) {
  PlanResume s;
  if (auto notes = scan_notes(reader, store, runs, s); !notes) return std::unexpected(notes.error());
  PlanCall call;
  for (std::uint64_t at = reader.offset(); reader.next(call); at = reader.offset()) {
    if (s.sections.empty() || s.sections.back().target != call.target) {
      for (const auto& sec : s.sections) {
        if (sec.target == call.target) {
          return fail(Error::Kind::kInput, reader.path(),
                      fmt::format("the calls of {} are not together: the file was altered", call.target));
        }
      }
      s.sections.push_back({call.target, at, call.n, 0, 0});
    }
    auto done = confirmed(store, runs, call);
    if (!done) return std::unexpected(done.error());
    s.done->push_back(*done);
    ++s.sections.back().calls;
    if (*done) {
      ++s.confirmed;
    } else {
      ++s.sections.back().pending;
    }
    ++s.calls;
  }
  if (!reader.status()) return std::unexpected(reader.status().error());
  s.checksum = reader.checksum();
  return s;
}

// Ok when the snapshot is where the plan left it, or moved only by applies of this file.
Result<void> check_plan_snapshot(SnapshotStore& store, const PlanFileHeader& h, const std::vector<std::int64_t>& runs) {
  auto g = store.generation();
  if (!g) return std::unexpected(g.error());
  if (g->run_id && std::find(runs.begin(), runs.end(), *g->run_id) != runs.end()) return {};
  const std::string who =
      g->run_id ? fmt::format("run {} (`hrsync report --run {}`)", *g->run_id, *g->run_id) : std::string("no recorded run");
  if (g->generation != h.snapshot_generation) {
    return fail(Error::Kind::kInput, store.path(),
                fmt::format("the snapshot moved on since the plan was made: it was at generation {}, it is at {} now, "
                            "last changed by {}; what the plan would send may be out of date: make the plan again",
                            h.snapshot_generation, g->generation, who));
  }
  std::vector<std::string> ids;
  for (const auto& t : h.targets) ids.push_back(t.id);
  auto digest = snapshot_digest(&store, ids);
  if (!digest) return std::unexpected(digest.error());
  if (*digest != h.snapshot_sha256) {
    return fail(Error::Kind::kInput, store.path(),
                "the snapshot's rows differ from those the plan was made against (its digest changed, though no run "
                "changed it: was the file replaced?); make the plan again");
  }
  return {};
}

// Ok when the config at `path` is byte for byte the one the plan was made from.
Result<void> check_plan_config(const std::string& path, const PlanFileHeader& h) {
  auto sha = sha256_file(path);
  if (!sha) return std::unexpected(sha.error());
  if (*sha == h.config_sha256) return {};
  return fail(Error::Kind::kInput, path,
              fmt::format("the config changed since the plan was made (sha256 {}… then, {}… now): make the plan "
                          "again from this config",
                          h.config_sha256.substr(0, 12), sha->substr(0, 12)));
}

// The plan the executor runs: per target, the header's counts and a stream of its calls left.
Result<Plan> resumed_plan(const std::string& file, const PlanFileHeader& h, const PlanResume& s,
                          const std::vector<std::unique_ptr<TargetConnector>>& connectors) {
  Plan plan;
  plan.full = h.full;
  plan.gates = h.gates;
  for (const auto& t : h.targets) {
    TargetPlan tp;
    tp.id = t.id;
    tp.source = t.source;
    tp.counts = t.counts;
    if (const auto notes = s.notes.find(t.id); notes != s.notes.end()) {
      tp.by_hand = notes->second.by_hand;
      tp.forget_keys = notes->second.forget;
    }
    for (const auto& c : connectors) {
      if (c->id() == t.id) tp.connector = c.get();
    }
    if (tp.connector == nullptr) {
      return fail(Error::Kind::kConfig, h.config_path, fmt::format("target {} of the plan is not enabled in the config", t.id));
    }
    for (const auto& sec : s.sections) {
      if (sec.target != t.id || sec.pending == 0) continue;
      auto stream = PlanFileStream::open(file, sec.target, sec.offset, sec.first, s.done);
      if (!stream) return std::unexpected(stream.error());
      tp.stream = std::move(*stream);
      tp.streamed = sec.pending;
    }
    plan.targets.push_back(std::move(tp));
  }
  return plan;
}

}  // namespace hrsync
