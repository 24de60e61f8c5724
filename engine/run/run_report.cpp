#include "engine/run/run_report.h"

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>

#include "engine/plan/plan_report.h"
#include "engine/run/exit_code.h"

namespace hrsync {
namespace {

// The first `n` example keys of `g`, and how many more it counts.
std::string join_keys(const ProblemGroup& g, std::size_t n) {
  std::string out;
  std::size_t shown = 0;
  for (; shown < g.examples.size() && shown < n; ++shown) {
    if (shown) out += ", ";
    out += g.examples[shown].key;
  }
  if (g.count > shown) out += fmt::format(" … and {} more", g.count - shown);
  return out;
}

// What the store could not record, and what that means for the next run.
template <typename Paint>
std::string render_store_failure(const RunReport& r, Paint&& red) {
  std::uint64_t applied = 0;
  for (const auto& u : r.unrecorded) applied += u.status == "applied" ? 1 : 0;
  std::string out = red(fmt::format("The snapshot store could not record: {}", r.store_error)) + "\n";
  out += "  No call was started after that; what was committed before it is kept.\n";
  out += fmt::format("  {} entities were sent but their outcomes not recorded; the {} applied are sent again by the next run.\n",
                     r.unrecorded.size(), applied);
  return out;
}

// How a run that did not go to its end ended, with its counts; "" for a run that did.
std::string unfinished_run_line(const RunReport& r) {
  std::uint64_t applied = 0, failed = 0, not_sent = 0;
  for (const auto& t : r.targets) {
    applied += t.applied;
    failed += t.failed + t.skipped;
    not_sent += t.not_sent();
  }
  const std::string counts = fmt::format("{} applied, {} failed or skipped, {} not sent", applied, failed, not_sent);
  if (r.status == "interrupted") {
    return fmt::format("Interrupted by {}: {}. What the targets confirmed is committed; the next run sends the rest.",
                       signal_name(r.signal), counts);
  }
  if (r.status == "error") {
    return fmt::format("The run stopped on an error{}{}: {}. The next run sends what was not confirmed.",
                       r.error.empty() ? "" : ": ", r.error, counts);
  }
  if (r.status == "abandoned") {
    return fmt::format("The run was abandoned: it was still marked running when a later command found no process "
                       "holding the job's lock (killed, or the machine stopped). Recorded: {} applied, {} failed or "
                       "skipped; what it sent after its last committed batch is sent again by the next run.",
                       applied, failed);
  }
  if (r.status == "running") {
    return fmt::format("The run is still going: {} applied, {} failed or skipped, {} to go, as of its last commit.",
                       applied, failed, not_sent);
  }
  return {};
}

// "Not in the target": per target, the entities an update found it lacks (with their source
// lines) and those its read found absent; "" when there are none.
template <typename Paint>
std::string render_not_held(const RunReport& r, const std::vector<const TargetConnector*>& connectors, Paint&& bold,
                            std::size_t examples) {
  std::uint64_t total = 0;
  for (const auto& t : r.targets) total += t.absent + (t.read ? t.read->absent : 0);
  if (total == 0) return {};
  std::string out = "\n" + bold(fmt::format("Not in the target ({}): not failures; nothing is sent to them until the "
                                            "target holds them (or on_new = \"create\" creates them)",
                                            total)) + "\n";
  for (const auto& t : r.targets) {
    if (t.read && t.read->absent > 0) {
      out += fmt::format("  {:<16} {} found absent by the read (the plan lists them)\n", t.id, t.read->absent);
    }
    if (t.absent == 0) continue;
    out += fmt::format("  {:<16} {} answered not found by the update\n", t.id, t.absent);
    for (std::size_t i = 0; i < t.not_held.size() && i < examples; ++i) {
      const NotHeldEntity& e = t.not_held[i];
      const std::string meaning = code_meaning(connectors, t.id, e.code);
      out += fmt::format("    {}  {}  {}{}\n", e.where.empty() ? "(no source line)" : e.where, e.key, e.code,
                         meaning.empty() ? "" : " " + meaning);
    }
    const std::uint64_t shown = std::min<std::uint64_t>(t.not_held.size(), examples);
    if (t.absent > shown) out += fmt::format("    … and {} more (every outcome is in the snapshot's run log)\n", t.absent - shown);
  }
  return out;
}

}  // namespace

std::vector<ProblemGroup> group_problems(const RunReport& r) { return r.problems.groups(); }

void OutcomeTally::add(OutcomeRow row) {
  auto it = std::find_if(totals_.begin(), totals_.end(), [&](const TargetTotals& t) { return t.id == row.target; });
  if (it == totals_.end()) it = totals_.insert(totals_.end(), TargetTotals{{}, row.target, ""});
  ++it->planned;
  if (row.status == "applied") ++it->applied;
  if (row.status == "failed") ++it->failed;
  if (row.status == "skipped") ++it->skipped;
  if (row.status == "absent") {
    ++it->absent;  // not a problem: the target lacks it
    return;
  }
  if (row.status == "applied") {
    refused_.add(std::move(row));  // kept only when it carries a code
  } else {
    problems_.add(std::move(row));
  }
}

std::string code_meaning(const std::vector<const TargetConnector*>& connectors, std::string_view target,
                         std::int64_t code) {
  for (const auto* c : connectors) {
    if (c && c->id() == target) return code_meaning(c, code);
  }
  return {};
}

std::string code_meaning(const TargetConnector* connector, std::int64_t code) {
  if (!connector) return {};
  for (const auto& rule : connector->update().codes()) {
    if (rule.code == code) return std::string(rule.meaning);
  }
  return {};
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    default: return "signal " + std::to_string(signal);
  }
}

int run_exit_code(const RunReport& report) {
  if (report.signal != 0) return 128 + report.signal;
  if (!report.error.empty() || report.status == "error") return kExitUsage;
  if (!report.store_error.empty()) return kExitStore;
  bool failed = false;
  for (const auto& t : report.targets) {
    if (!t.quarantined.empty()) return kExitQuarantined;
    failed = failed || t.failed > 0 || t.skipped > 0;
  }
  return failed ? kExitSomeFailed : kExitOk;
}

std::string describe_concurrency(const TargetTotals::Concurrency& c) {
  if (!c.automatic) return fmt::format("{} in flight", c.cap);
  return fmt::format("auto: {} in flight (at most {})", c.cap, c.peak);
}

// The entities applied without what their target refused of them (a photo the box found no face in).
template <typename Bold>
std::string render_refused(const RunReport& r, const std::vector<const TargetConnector*>& connectors, Bold bold) {
  if (r.refused.empty()) return {};
  std::string out = "\n" + bold(fmt::format("Refused in part ({}): applied without what the target refused", r.refused.count())) + "\n";
  for (const auto& g : r.refused.groups()) {
    for (const OutcomeRow& o : g.examples) {
      const std::string meaning = code_meaning(connectors, o.target, o.code);
      out += fmt::format("  {:<16} {}  {} {}: {}\n", o.target, o.key, o.code, meaning, o.message);
    }
  }
  if (r.refused.count() > r.refused.listed()) {
    out += fmt::format("  … and {} more (every outcome is in the snapshot's run log)\n", r.refused.count() - r.refused.listed());
  }
  return out;
}

std::string render_run_text(const RunReport& r, const std::vector<const TargetConnector*>& connectors, bool color,
                            std::size_t examples) {
  auto bold = [&](std::string_view s) { return color ? fmt::format("\033[1m{}\033[0m", s) : std::string(s); };
  auto red = [&](std::string_view s) { return color ? fmt::format("\033[31m{}\033[0m", s) : std::string(s); };
  auto green = [&](std::string_view s) { return color ? fmt::format("\033[32m{}\033[0m", s) : std::string(s); };
  std::string out;
  out += bold(fmt::format("Run {}", r.run_id)) +
         fmt::format("  {}  ({} s)\n", r.command, std::max<std::int64_t>(0, r.finished_at - r.started_at));
  out += fmt::format("  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}\n", "target", "planned", "applied", "failed",
                     "skipped", "retries", "throttled");
  for (const auto& t : r.targets) {
    out += fmt::format("  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}\n", t.id, t.planned, t.applied, t.failed,
                       t.skipped, t.retries, t.throttled);
    if (!t.quarantined.empty()) out += "    " + red(fmt::format("quarantined: {}", t.quarantined)) + "\n";
    if (t.concurrency && t.requests > 0) {
      out += fmt::format("    {} requests in {:.1f} s, concurrency {}\n", t.requests, t.seconds, describe_concurrency(*t.concurrency));
    }
    if (t.not_sent() > 0 && r.status != "running") out += fmt::format("    not sent: {} (no outcome before the run stopped)\n", t.not_sent());
    for (const auto& l : t.lowered_limits) {
      out += fmt::format("    rate limit lowered by the server for the run{}: {} -> {}\n",
                         l.lane.empty() ? "" : fmt::format(" (lane {})", l.lane), l.configured, l.announced);
    }
    for (const auto& note : t.notes) out += "    " + note + "\n";
    if (!t.by_hand.empty()) {
      out += fmt::format("    remove by hand ({}): values the target keeps that its API cannot clear\n", t.by_hand.size());
    }
    for (std::size_t i = 0; i < t.by_hand.size() && i < examples; ++i) {
      const ByHandRow& b = t.by_hand[i];
      out += fmt::format("      {}  {}  {}: {}\n", b.where.empty() ? "(gone from the source)" : b.where, b.key, b.field,
                         b.reason);
    }
    if (t.by_hand.size() > examples) {
      out += fmt::format("      … and {} more (the JSON report lists them all)\n", t.by_hand.size() - examples);
    }
  }
  out += render_refused(r, connectors, bold);
  out += render_not_held(r, connectors, bold, examples);
  if (!r.store_error.empty()) out += "\n" + render_store_failure(r, red);
  const auto groups = group_problems(r);
  if (!groups.empty()) {
    out += "\n" + bold("Failures by error code") + "\n";
    for (const auto& g : groups) {
      const std::string meaning = code_meaning(connectors, g.target, g.code);
      std::string code = g.code > 0 ? std::to_string(g.code) : (g.code == 0 ? "-" : "no code");
      out += fmt::format("  {:<16} {:<8} {} × {}  {}\n", g.target, g.status, g.count, code,
                         meaning.empty() ? g.message : meaning);
      if (!meaning.empty() && !g.message.empty() && g.message != meaning) out += fmt::format("      answer: {}\n", g.message);
      out += fmt::format("      e.g. {}\n", join_keys(g, examples));
    }
  }
  out += "\n";
  if (auto ending = unfinished_run_line(r); !ending.empty()) return out + red(ending) + "\n";
  switch (run_exit_code(r)) {
    case 0: {
      std::uint64_t not_sent = 0;
      for (const auto& t : r.targets) not_sent += t.not_sent();
      std::uint64_t not_held = 0;
      for (const auto& t : r.targets) not_held += t.absent;
      if (not_sent == 0 && not_held > 0) {
        out += green("Everything the targets hold applied; what is not in the target waits (see above).") + "\n";
        break;
      }
      out += not_sent == 0 ? green("Everything applied.") + "\n"
                           : red(fmt::format("{} planned entities have no outcome; the next run sends them.", not_sent)) + "\n";
      break;
    }
    case 1: out += red("Some entities failed; their snapshot rows did not advance, so the next run retries them.") + "\n"; break;
    case kExitStore: out += red("The run stopped: the snapshot store could not record; see above.") + "\n"; break;
    default: out += red("A target was stopped; see above.") + "\n"; break;
  }
  return out;
}

}  // namespace hrsync
