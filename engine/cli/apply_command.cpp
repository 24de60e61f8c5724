// `hrsync apply FILE`: sends exactly the calls of a plan file, or what is left of them.
//
// Before any call the file is read through once: its checksum must match (not altered), the config
// must be the one it was made from (SHA-256 of its bytes), and the snapshot must be where the
// plan left it, or have moved only by runs that applied this very file. Calls whose key the
// snapshot now holds with the planned document, committed by such a run, were confirmed: they
// are not sent again; keys to forget that the snapshot no longer holds were forgotten. Then the
// calls left are streamed from the file to the executor, as `sync` applies a plan, under the
// job's run lock: the run's report lists the plan's values to remove by hand, and each target
// that finishes without stopping forgets the plan's keys left to forget, as a sync does.
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <ostream>

#include "engine/cli/commands.h"
#include "engine/cli/private_files.h"
#include "engine/cli/stop_signals.h"
#include "engine/cli/sync.h"
#include "engine/plan/job.h"
#include "engine/plan/plan_file.h"
#include "engine/plan/sha256.h"

namespace hrsync {
namespace {

constexpr std::string_view kWho = "hrsync apply";

// "1 call", "3 calls".
std::string counted(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// One target's calls in the file: where they start, how many, how many are still to send.
struct Section {
  std::string target;
  std::uint64_t offset = 0;   // byte offset of its first call line
  std::uint64_t first = 0;    // number of its first call
  std::uint64_t calls = 0;
  std::uint64_t pending = 0;
};

// One target's notes: what a person must remove by hand, the keys still to forget.
struct Notes {
  std::vector<ByHand> by_hand;
  std::vector<std::string> forget;
};

// What a reading of the whole file found.
struct Scan {
  std::vector<Section> sections;
  std::map<std::string, Notes> notes;  // by target
  std::uint64_t forgets = 0;           // keys the file says to forget
  std::uint64_t forgotten = 0;         // of those, the ones an earlier apply of the file forgot
  std::shared_ptr<std::vector<bool>> done = std::make_shared<std::vector<bool>>();  // by call number
  std::uint64_t calls = 0;
  std::uint64_t confirmed = 0;
  std::string checksum;
};

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
Result<void> scan_notes(PlanFileReader& reader, SnapshotStore& store, const std::vector<std::int64_t>& runs, Scan& s) {
  for (PlanNote note; reader.next(note);) {
    Notes& notes = s.notes[note.target];
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

// Reads the file through: its notes, its sections, which calls were confirmed, and its checksum
// (checked).
Result<Scan> scan(PlanFileReader& reader, SnapshotStore& store, const std::vector<std::int64_t>& runs) {
  Scan s;
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
Result<void> check_snapshot(SnapshotStore& store, const PlanFileHeader& h, const std::vector<std::int64_t>& runs) {
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
Result<void> check_config(const std::string& path, const PlanFileHeader& h) {
  auto sha = sha256_file(path);
  if (!sha) return std::unexpected(sha.error());
  if (*sha == h.config_sha256) return {};
  return fail(Error::Kind::kInput, path,
              fmt::format("the config changed since the plan was made (sha256 {}… then, {}… now): make the plan "
                          "again from this config",
                          h.config_sha256.substr(0, 12), sha->substr(0, 12)));
}

// The plan the executor runs: per target, the header's counts and a stream of its calls left.
Result<Plan> streamed_plan(const std::string& file, const PlanFileHeader& h, const Scan& s,
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

void say_what_is_sent(const std::string& file, const PlanFileHeader& h, const Scan& s, std::ostream& out) {
  out << fmt::format("Applying plan file {} ({} calls, sha256 {}…), made from {}.\n", file, s.calls,
                     s.checksum.substr(0, 16), h.config_path);
  if (s.confirmed > 0) {
    out << fmt::format("{} calls were confirmed by an earlier apply of this file; the {} left are sent.\n", s.confirmed,
                       s.calls - s.confirmed);
  }
  for (const auto& sec : s.sections) out << fmt::format("  {:<16} {:>8} to send of {}\n", sec.target, sec.pending, sec.calls);
  if (s.forgets > s.forgotten) {
    out << fmt::format("{} that left the source, and that their target's on_missing policy leaves alone, dropped from "
                       "the snapshot once their target's calls are done.\n",
                       counted(s.forgets - s.forgotten, "key", "keys"));
  }
  out << "\n";
}

// True iff an earlier apply of the file did all it says: every call confirmed, every key forgotten.
bool applied_already(const Scan& s) {
  return s.calls + s.forgets > 0 && s.confirmed == s.calls && s.forgotten == s.forgets;
}

// Refuses with `error`: nothing was sent.
int refuse(const Error& error, std::ostream& err) {
  err << kWho << ": refused, nothing was sent: " << error.str() << "\n";
  return kExitPlanRefused;
}

struct Checked {
  std::optional<RunLock> lock;
  JobConfig config;
  std::unique_ptr<SnapshotStore> store;
  Scan scan;
};

// Every check before a call; a return code when one fails.
int check_all(const ApplyCommand& cmd, PlanFileReader& reader, Checked& c, std::ostream& err) {
  const PlanFileHeader& h = reader.header();
  const std::string config_path = cmd.config.empty() ? h.config_path : cmd.config;
  auto config = load_config(config_path);
  if (!config) {
    err << kWho << ": " << config.error().str() << "\n";
    return exit_code_for(config.error());
  }
  c.config = std::move(*config);
  int code = kExitOk;
  c.lock = lock_job(c.config, kWho, err, code);
  if (!c.lock) return code;
  auto store = SnapshotStore::open(c.config.snapshot);
  if (!store) {
    err << kWho << ": " << store.error().str() << "\n";
    return kExitUsage;
  }
  c.store = std::make_unique<SnapshotStore>(std::move(*store));
  note_abandoned_runs(*c.store, kWho, err);
  auto claimed = claimed_checksum(cmd.file);
  if (!claimed) return refuse(claimed.error(), err);
  auto runs = c.store->plan_runs(*claimed);
  if (!runs) {
    err << kWho << ": " << runs.error().str() << "\n";
    return kExitUsage;
  }
  auto scanned = scan(reader, *c.store, *runs);
  if (!scanned) return scanned.error().kind == Error::Kind::kInput ? refuse(scanned.error(), err) : kExitUsage;
  c.scan = std::move(*scanned);
  if (auto same = check_config(config_path, h); !same) return refuse(same.error(), err);
  if (auto still = check_snapshot(*c.store, h, *runs); !still) return refuse(still.error(), err);
  return kExitOk;
}

}  // namespace

int run_apply(const ApplyCommand& cmd, std::ostream& out, std::ostream& err) {
  StopSignals stop;  // a stop signal before the run starts ends the command: nothing is sent
  auto reader = PlanFileReader::open(cmd.file);
  if (!reader) {
    if (reader.error().kind == Error::Kind::kInput) return refuse(reader.error(), err);
    err << kWho << ": " << reader.error().str() << "\n";
    return kExitUsage;
  }
  Checked c;
  if (const int code = check_all(cmd, *reader, c, err); code != kExitOk) return code;
  const PlanFileHeader& h = reader->header();
  if (applied_already(c.scan)) {
    std::string what;
    if (c.scan.calls > 0) what = "its " + counted(c.scan.calls, "call was", "calls were") + " confirmed";
    if (c.scan.forgets > 0) {
      what += what.empty() ? "its " : " and its ";
      what += counted(c.scan.forgets, "key to forget was", "keys to forget were") + " dropped from the snapshot";
    }
    out << fmt::format("Plan file {} is applied already: {}. Nothing was sent.\n", cmd.file, what);
    return kExitAlreadyApplied;
  }
  if (!h.gates.empty() && !cmd.force) {
    for (const auto& g : h.gates) err << kWho << ": the plan was made while a safety gate said stop: " << g.message << "\n";
    err << kWho << ": nothing was sent; check the source, then apply with --force if the change is real\n";
    return kExitGate;
  }
  for (const SecretRef* ref : {&c.config.feishu.app_secret, &c.config.sophon.token, &c.config.notify.webhook_url,
                               &c.config.notify.secret}) {
    if (auto warning = loose_secret_file(ref->file, ref->key)) err << kWho << ": warning: " << *warning << "\n";
  }
  auto targets = make_targets(c.config, PlanOptions{h.full, h.only});
  if (!targets) {
    err << kWho << ": " << targets.error().str() << "\n";
    return exit_code_for(targets.error());
  }
  Job job;
  job.config = std::move(c.config);
  job.targets = std::move(*targets);
  job.store = std::move(c.store);
  auto plan = streamed_plan(cmd.file, h, c.scan, job.targets);
  if (!plan) {
    err << kWho << ": " << plan.error().str() << "\n";
    return exit_code_for(plan.error());
  }
  job.plan = std::move(*plan);
  say_what_is_sent(cmd.file, h, c.scan, out);

  SyncCommand sync;
  sync.config = job.config.path;
  sync.full = h.full;
  sync.force = cmd.force;
  sync.only = h.only;
  sync.progress = cmd.progress;
  SyncHooks hooks;
  hooks.command = "apply " + std::filesystem::absolute(cmd.file).lexically_normal().string() + (cmd.force ? " --force" : "");
  hooks.plan_checksum = c.scan.checksum;
  hooks.show_plan = false;
  return execute_sync(job, sync, hooks, out, err);
}

}  // namespace hrsync
