// `hrsync apply FILE`: sends exactly the calls of a plan file, or what is left of them.
//
// With --digest D, a file whose bytes' SHA-256 is not D (the digest `hrsync plan --out` and
// `--show` print) is refused first, and checked again once the file was read through.
// Under the job's run lock, the file is checked and what is left of it found (the resume rules
// of engine/plan/plan_resume.h); a file that may not be applied is refused before any call. Then
// the calls left are streamed from the file to the executor, as `sync` applies a plan: the run's
// report lists the plan's values to remove by hand, and each target that finishes without
// stopping forgets the plan's keys left to forget, as a sync does.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>

#include "engine/cli/commands.h"
#include "engine/run/private_files.h"
#include "engine/cli/stop_signals.h"
#include "engine/cli/sync.h"
#include "engine/plan/job.h"
#include "engine/plan/plan_file.h"
#include "engine/plan/plan_resume.h"
#include "engine/plan/sha256.h"

namespace hrsync {
namespace {

constexpr std::string_view kWho = "hrsync apply";

// "1 call", "3 calls".
std::string counted(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

void say_what_is_sent(const std::string& file, const PlanFileHeader& h, const PlanResume& s, std::ostream& out) {
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

// Refuses with `error`: nothing was sent.
int refuse(const Error& error, std::ostream& err) {
  err << kWho << ": refused, nothing was sent: " << error.str() << "\n";
  return kExitPlanRefused;
}

// With --digest: Ok when the file's bytes have the digest the reviewer was shown; refused (exit
// 7, nothing sent) naming both digests otherwise.
int check_digest(const ApplyCommand& cmd, std::ostream& err) {
  if (cmd.digest.empty()) return kExitOk;
  auto digest = sha256_file(cmd.file);
  if (!digest) return refuse(digest.error(), err);
  std::string wanted = cmd.digest;
  std::transform(wanted.begin(), wanted.end(), wanted.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (*digest == wanted) return kExitOk;
  return refuse(Error{Error::Kind::kInput, cmd.file,
                      fmt::format("its digest is {}, not the reviewed {}: the file is not the one reviewed",
                                  *digest, cmd.digest)},
                err);
}

struct Checked {
  std::optional<RunLock> lock;
  JobConfig config;
  std::unique_ptr<SnapshotStore> store;
  PlanResume scan;
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
  auto scanned = scan_plan_file(reader, *c.store, *runs);
  if (!scanned) return scanned.error().kind == Error::Kind::kInput ? refuse(scanned.error(), err) : kExitUsage;
  c.scan = std::move(*scanned);
  if (auto same = check_plan_config(config_path, h); !same) return refuse(same.error(), err);
  if (auto still = check_plan_snapshot(*c.store, h, *runs); !still) return refuse(still.error(), err);
  return kExitOk;
}

}  // namespace

int run_apply(const ApplyCommand& cmd, std::ostream& out, std::ostream& err) {
  StopSignals stop;  // a stop signal before the run starts ends the command: nothing is sent
  if (const int code = check_digest(cmd, err); code != kExitOk) return code;
  auto reader = PlanFileReader::open(cmd.file);
  if (!reader) {
    if (reader.error().kind == Error::Kind::kInput) return refuse(reader.error(), err);
    err << kWho << ": " << reader.error().str() << "\n";
    return kExitUsage;
  }
  Checked c;
  if (const int code = check_all(cmd, *reader, c, err); code != kExitOk) return code;
  const PlanFileHeader& h = reader->header();
  if (c.scan.applied_already()) {
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
  auto plan = resumed_plan(cmd.file, h, c.scan, job.targets);
  if (!plan) {
    err << kWho << ": " << plan.error().str() << "\n";
    return exit_code_for(plan.error());
  }
  job.plan = std::move(*plan);
  // The file was read through since the first check: it must still be the reviewed one.
  if (const int code = check_digest(cmd, err); code != kExitOk) return code;
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
