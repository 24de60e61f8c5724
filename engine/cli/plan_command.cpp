#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <ostream>

#include "diff/field_changes.h"
#include "engine/cli/commands.h"
#include "engine/run/utc_time.h"
#include "engine/plan/job.h"
#include "engine/plan/plan_file.h"
#include "engine/plan/plan_report.h"
#include "engine/plan/sha256.h"
#include "engine/run/http_target_reader.h"
#include "engine/run/run_job.h"

namespace hrsync {
namespace {

// "1 call", "3 calls".
std::string counted(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// What a plan file was made from and what it holds, per target.
void show_header(const std::string& file, const PlanFileHeader& h, std::ostream& out) {
  out << "Plan file " << file << "\n";
  out << "  made        " << utc_time(h.created_at) << (h.full ? " (--full)" : "") << "\n";
  out << "  config      " << h.config_path << "  sha256 " << h.config_sha256.substr(0, 16) << "…\n";
  out << "  snapshot    " << h.snapshot_path << "  generation " << h.snapshot_generation
      << (h.snapshot_run ? fmt::format(" (last changed by run {})", *h.snapshot_run) : std::string()) << "  sha256 "
      << h.snapshot_sha256.substr(0, 16) << "…\n";
  for (const auto& s : h.sources) {
    out << fmt::format("  source      {}: {}, {} records, {} rejected{}\n", s.name, s.describe, s.records, s.rejected,
                       s.sha256.empty() ? "" : "  sha256 " + s.sha256.substr(0, 16) + "…");
  }
  out << "\nTargets\n";
  // first: entities hrsync sends for the first time (created, or updated where the target holds
  // them).
  out << fmt::format("  {:<16} {:>8} {:>8} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8}\n", "", "first", "changed", "unchanged",
                     "missing", "invalid", "calls", "by hand", "forget");
  for (const auto& t : h.targets) {
    const auto& c = t.counts;
    out << fmt::format("  {:<16} {:>8} {:>8} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8}\n", t.id, c.created, c.changed,
                       c.unchanged, c.missing, c.invalid, t.calls, t.by_hand, t.forget);
  }
  for (const auto& g : h.gates) out << "\nSafety gate " << g.gate << ": " << g.message << "\n";
  if (!h.gates.empty()) out << "`hrsync apply` of this file needs --force.\n";
}

// The notes of the file: every value to remove by hand, every key to forget, under a title each.
void show_notes(PlanFileReader& reader, std::ostream& out) {
  std::uint64_t by_hand = 0;
  std::uint64_t forget = 0;
  for (const auto& t : reader.header().targets) {
    by_hand += t.by_hand;
    forget += t.forget;
  }
  bool forget_titled = false;
  if (by_hand > 0) out << "\nRemove by hand (" << by_hand << "): values a target keeps that its API cannot clear\n";
  for (PlanNote n; reader.next(n);) {
    const ByHand& b = n.entry;
    if (n.kind == PlanNote::Kind::kByHand) {
      out << fmt::format("  {:<16} {}  {}  {}: {}\n", n.target, b.origin.empty() ? "(gone from the source)" : b.origin.str(),
                         b.key, b.what.field, b.what.rule);
      continue;
    }
    if (!forget_titled) {
      out << "\nForget (" << forget << "): gone from the source, left alone on the target (on_missing), dropped from "
          << "the snapshot once the target's calls are done\n";
      forget_titled = true;
    }
    out << fmt::format("  {:<16} {}\n", n.target, b.key);
  }
}

// One call and its field changes (personal data masked, as `hrsync plan` shows them, unless
// `masking` shows them whole).
void show_call(const PlanCall& c, Masking masking, std::ostream& out) {
  const Work& w = c.work;
  const char* what = w.action == Work::Action::kFreeze   ? "freeze"
                     : w.action == Work::Action::kCreate ? "create"
                     : w.last_applied                    ? "change"
                                                         : "first";
  out << fmt::format("  #{} {} {} {}\n", c.n + 1, c.target, w.desired.key, what);
  auto changes = field_changes(w.last_applied ? std::string_view(w.last_applied->body) : std::string_view(),
                               w.desired.body, masking);
  if (!changes) {
    out << "      " << changes.error().message << "\n";
    return;
  }
  if (changes->empty()) out << "      (sent as it is: the target holds it already, --full)\n";
  std::size_t width = 0;  // the paths in a column, as `hrsync plan` shows them
  for (const auto& f : *changes) width = std::max(width, f.path.size());
  for (const auto& f : *changes) {
    switch (f.kind) {
      case FieldChange::Kind::kAdded: out << fmt::format("      {:<{}}  + {}\n", f.path, width, f.after); break;
      case FieldChange::Kind::kRemoved: out << fmt::format("      {:<{}}  - {}\n", f.path, width, f.before); break;
      case FieldChange::Kind::kChanged:
        out << fmt::format("      {:<{}}  {} → {}\n", f.path, width, f.before, f.after);
        break;
    }
  }
}

// The digest of the plan file (SHA-256 of its bytes), or a code to return when it cannot be read.
int file_digest(const std::string& file, std::string& digest, std::ostream& err) {
  auto d = sha256_file(file);
  if (!d) {
    err << "hrsync plan: " << d.error().str() << "\n";
    return exit_code_for(d.error());
  }
  digest = std::move(*d);
  return kExitOk;
}

int show_plan_file(const std::string& file, Masking masking, std::ostream& out, std::ostream& err) {
  std::string digest;
  if (const int code = file_digest(file, digest, err); code != kExitOk) return code;
  auto reader = PlanFileReader::open(file);
  if (!reader) {
    err << "hrsync plan: " << reader.error().str() << "\n";
    return reader.error().kind == Error::Kind::kInput ? kExitPlanRefused : kExitUsage;
  }
  show_header(file, reader->header(), out);
  show_notes(*reader, out);
  out << "\nCalls\n";
  PlanCall call;
  bool any = false;
  for (; reader->next(call); any = true) show_call(call, masking, out);
  if (!any && reader->status()) out << "  (none: nothing to send)\n";
  if (!reader->status()) {
    err << "hrsync plan: " << reader->status().error().str() << "\n";
    return kExitPlanRefused;
  }
  std::string after;  // the digest names the bytes shown only if they did not change meanwhile
  if (const int code = file_digest(file, after, err); code != kExitOk) return code;
  if (after != digest) {
    err << "hrsync plan: " << file << " changed while it was shown (digest " << digest << ", now " << after
        << "); show it again\n";
    return kExitPlanRefused;
  }
  out << "\nChecksum " << reader->checksum() << ": the file is as it was written.\n";
  out << "Digest " << digest << "\n";
  out << fmt::format("Apply exactly what was shown with `hrsync apply {} --digest {}`.\n", file, digest);
  return kExitOk;
}

// Writes the plan file of `job` and says where, and how to go on.
int write_out(Job& job, const PlanCommand& cmd, std::ostream& out, std::ostream& err) {
  std::ostream& say = cmd.json ? err : out;  // stdout holds the JSON then
  const PlanOptions options{cmd.full, cmd.only};
  auto header = plan_file_header(job, options, static_cast<std::int64_t>(std::time(nullptr)));
  if (!header) {
    err << "hrsync plan: " << header.error().str() << "\n";
    return exit_code_for(header.error());
  }
  auto checksum = write_plan_file(cmd.out, *header, job.plan);
  if (!checksum) {
    err << "hrsync plan: " << checksum.error().str() << "\n";
    return exit_code_for(checksum.error());
  }
  std::uint64_t calls = 0;
  std::uint64_t by_hand = 0;
  std::uint64_t forget = 0;
  for (const auto& t : header->targets) {
    calls += t.calls;
    by_hand += t.by_hand;
    forget += t.forget;
  }
  auto digest = sha256_file(cmd.out);
  if (!digest) {
    err << "hrsync plan: " << digest.error().str() << "\n";
    return exit_code_for(digest.error());
  }
  std::string holds = counted(calls, "call", "calls");
  if (by_hand > 0) holds += ", " + counted(by_hand, "value", "values") + " to remove by hand";
  if (forget > 0) holds += ", " + counted(forget, "key", "keys") + " to forget";
  say << fmt::format("\nPlan file {}: {}.\nDigest {}\nReview it with `hrsync plan --show {}`, then send exactly "
                     "these calls with `hrsync apply {} --digest {}`.\n",
                     cmd.out, holds, *digest, cmd.out, cmd.out, *digest);
  return kExitOk;
}

}  // namespace

int run_plan(const PlanCommand& cmd, std::ostream& out, std::ostream& err) {
  const Masking masking = cmd.unmask ? Masking::kShown : Masking::kMasked;
  if (!cmd.show.empty()) return show_plan_file(cmd.show, masking, out, err);
  if (cmd.config.empty()) {
    err << "hrsync plan: --config is required (or --show FILE)\n";
    return kExitUsage;
  }
  if (cmd.read && cmd.no_read) {
    err << "hrsync plan: give --read or --no-read, not both\n";
    return kExitUsage;
  }
  auto config = load_config(cmd.config);
  if (!config) {
    err << "hrsync plan: " << config.error().str() << "\n";
    return exit_code_for(config.error());
  }
  Redactor redactor;
  add_job_secrets(*config, redactor);
  PlanOptions options{cmd.full, cmd.only};
  options.read = read_choice(cmd.read, cmd.no_read);
  options.reader = http_target_reader(*config, {}, redactor, "hrsync plan", err);
  auto job = prepare_job(std::move(*config), options, /*create_store=*/false);
  if (!job) {
    err << "hrsync plan: " << job.error().str() << "\n";
    return exit_code_for(job.error());
  }
  for (const std::string& warning : job->config.warnings) err << "hrsync plan: warning: " << warning << "\n";
  PlanRenderOptions render;
  render.color = &out == &std::cout && isatty(STDOUT_FILENO) != 0;
  render.masking = masking;
  if (cmd.json) {
    out << render_plan_json(job->plan, render);
  } else {
    bool read = false;
    for (const auto& t : job->plan.targets) read = read || (t.read && !t.read->not_read);
    out << "Plan for " << cmd.config << (read ? " (the targets were read; nothing is written)" : " (no call is made)")
        << "\n\n" << render_plan_text(job->plan, render);
  }
  if (!cmd.out.empty()) {
    if (const int code = write_out(*job, cmd, out, err); code != kExitOk) return code;
  }
  return job->plan.gates.empty() ? kExitOk : kExitGate;
}

}  // namespace hrsync
