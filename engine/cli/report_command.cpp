#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

#include "engine/cli/commands.h"
#include "engine/config/config.h"
#include "engine/plan/job.h"
#include "engine/plan/json_fields.h"
#include "engine/cli/run_lock.h"
#include "engine/cli/run_report.h"
#include "store/snapshot_store.h"

namespace hrsync {
namespace {

namespace json = boost::json;

using json_fields::count;
using json_fields::text;

// What a target's summary lists for a person to change (render_run_json's "by_hand").
std::vector<ByHandRow> by_hand_from(const json::object& target) {
  std::vector<ByHandRow> rows;
  const auto* list = target.if_contains("by_hand");
  if (!list || !list->is_array()) return rows;
  for (const auto& v : list->as_array()) {
    if (!v.is_object()) continue;
    const auto& o = v.as_object();
    rows.push_back({text(o, "key"), text(o, "where"), text(o, "field"), text(o, "reason")});
  }
  return rows;
}

// The per-target totals a finished run stored as its summary (render_run_json's "targets").
std::vector<TargetTotals> totals_from_summary(std::string_view summary) {
  std::vector<TargetTotals> out;
  boost::system::error_code ec;
  auto doc = json::parse(summary, ec);
  if (ec || !doc.is_object()) return out;
  const auto* targets = doc.as_object().if_contains("targets");
  if (!targets || !targets->is_array()) return out;
  for (const auto& v : targets->as_array()) {
    if (!v.is_object()) continue;
    const auto& o = v.as_object();
    TargetTotals t;
    if (const auto* id = o.if_contains("id"); id && id->is_string()) t.id = std::string(id->as_string());
    t.planned = count(o, "planned");
    t.applied = count(o, "applied");
    t.failed = count(o, "failed");
    t.skipped = count(o, "skipped");
    t.retries = count(o, "retries");
    t.throttled = count(o, "throttled");
    if (const auto* q = o.if_contains("quarantined"); q && q->is_string()) t.quarantined = std::string(q->as_string());
    t.by_hand = by_hand_from(o);
    if (const auto* lowered = o.if_contains("lowered_limits"); lowered && lowered->is_array()) {
      for (const auto& l : lowered->as_array()) {
        if (!l.is_object()) continue;
        const auto& lo = l.as_object();
        t.lowered_limits.push_back({text(lo, "lane"), text(lo, "configured"), text(lo, "announced")});
      }
    }
    if (const auto* notes = o.if_contains("notes"); notes && notes->is_array()) {
      for (const auto& n : notes->as_array()) {
        if (n.is_string()) t.notes.emplace_back(n.as_string());
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

// What a run that the snapshot store stopped left in its summary: the store's error and the
// outcomes it could not record (render_run_json's "store_error" and "unrecorded").
void store_failure_from_summary(std::string_view summary, RunReport& report) {
  boost::system::error_code ec;
  auto doc = json::parse(summary, ec);
  if (ec || !doc.is_object()) return;
  const auto& o = doc.as_object();
  if (const auto* e = o.if_contains("store_error"); e && e->is_string()) report.store_error = std::string(e->as_string());
  const auto* unrecorded = o.if_contains("unrecorded");
  if (!unrecorded || !unrecorded->is_array()) return;
  for (const auto& v : unrecorded->as_array()) {
    if (!v.is_object()) continue;
    const auto& u = v.as_object();
    OutcomeRow row;
    row.target = text(u, "target");
    row.key = text(u, "key");
    row.status = text(u, "status");
    row.attempts = static_cast<int>(count(u, "attempts"));
    report.unrecorded.push_back(std::move(row));
  }
}

// How an unfinished run ended, from its summary: the stop signal, the error.
void ending_from_summary(std::string_view summary, RunReport& report) {
  boost::system::error_code ec;
  auto doc = json::parse(summary, ec);
  if (ec || !doc.is_object()) return;
  const auto& o = doc.as_object();
  if (const auto* s = o.if_contains("signal"); s && s->is_int64()) report.signal = static_cast<int>(s->as_int64());
  if (const auto* e = o.if_contains("error"); e && e->is_string()) report.error = std::string(e->as_string());
}

// Per-target counts from the outcomes a run recorded (a run with no summary: abandoned, running).
std::vector<TargetTotals> totals_from_outcomes(const std::vector<OutcomeRow>& outcomes) {
  std::vector<TargetTotals> out;
  for (const auto& o : outcomes) {
    auto it = std::find_if(out.begin(), out.end(), [&](const TargetTotals& t) { return t.id == o.target; });
    if (it == out.end()) it = out.insert(out.end(), TargetTotals{{}, o.target, ""});
    ++it->planned;
    if (o.status == "applied") ++it->applied;
    if (o.status == "failed") ++it->failed;
    if (o.status == "skipped") ++it->skipped;
  }
  return out;
}

// Per-target counts of a running run, from the progress its last commit wrote.
std::vector<TargetTotals> totals_from_progress(const RunProgress& progress) {
  std::vector<TargetTotals> out;
  for (const TargetProgressRow& p : progress.targets) {
    TargetTotals& t = out.emplace_back();
    t.id = p.target;
    t.planned = p.planned;
    t.applied = p.applied;
    t.failed = p.failed;
    t.skipped = p.skipped;
    t.retries = p.retries;
    t.throttled = p.throttled;
  }
  return out;
}

// A run marked running whose lock no process holds was left by a process that died: mark it (and
// any other) abandoned. Returns what holds the lock when a process does, else "". The store is
// closed while the lock is probed and taken, and opened again after (run_lock.h); a lock taken is
// kept in `lock`, which the caller declares before `store`, so that it is given up after the store
// is closed.
Result<std::string> settle_running(const std::string& snapshot, std::optional<SnapshotStore>& store,
                                   std::optional<RunLock>& lock, std::ostream& err) {
  store.reset();
  const auto reopen = [&]() -> Result<void> {
    auto opened = SnapshotStore::open(snapshot);
    if (!opened) return std::unexpected(opened.error());
    store.emplace(std::move(*opened));
    return {};
  };
  // Probed first: a live run's lock is only looked at, never taken, even for an instant.
  if (auto probe = RunLock::probe(snapshot); probe && probe->held) {
    if (auto opened = reopen(); !opened) return std::unexpected(opened.error());
    return probe->holder;
  }
  auto taken = RunLock::try_acquire(snapshot, static_cast<std::int64_t>(std::time(nullptr)));
  if (auto opened = reopen(); !opened) return std::unexpected(opened.error());
  if (!taken) {
    err << "hrsync report: " << taken.error().str() << "\n";
    return std::string("an unknown process");
  }
  if (!taken->held()) return taken->holder();
  lock.emplace(std::move(*taken));
  auto abandoned = store->abandon_running_runs();
  if (!abandoned) {
    err << "hrsync report: " << abandoned.error().str() << "\n";
    return std::string();
  }
  for (std::int64_t id : *abandoned) {
    err << "hrsync report: run " << id << " was still marked running, but no process holds the job's lock (it was "
        << "killed, or the machine stopped); it is now marked abandoned\n";
  }
  return std::string();
}

}  // namespace

int run_report(const ReportCommand& cmd, std::ostream& out, std::ostream& err) {
  auto config = load_config(cmd.config);
  if (!config) {
    err << "hrsync report: " << config.error().str() << "\n";
    return kExitUsage;
  }
  if (!std::filesystem::exists(config->snapshot)) {
    err << "hrsync report: " << config->snapshot << ": no snapshot yet; `hrsync sync` creates it\n";
    return kExitUsage;
  }
  std::optional<RunLock> lock;  // declared before the store: given up after it is closed
  std::optional<SnapshotStore> store;
  if (auto opened = SnapshotStore::open(config->snapshot); opened) {
    store.emplace(std::move(*opened));
  } else {
    err << "hrsync report: " << opened.error().str() << "\n";
    return kExitUsage;
  }
  auto run = cmd.run > 0 ? store->run(cmd.run) : store->last_run();
  if (!run || !*run) {
    err << "hrsync report: " << (run ? (cmd.run > 0 ? fmt::format("no run {} in {}", cmd.run, config->snapshot)
                                                    : fmt::format("no run recorded in {}", config->snapshot))
                                     : run.error().str())
        << "\n";
    return kExitUsage;
  }
  std::string holder;
  if ((*run)->status == "running") {
    auto settled = settle_running(config->snapshot, store, lock, err);
    if (!settled) {
      err << "hrsync report: " << settled.error().str() << "\n";
      return kExitUsage;
    }
    holder = std::move(*settled);
    if (holder.empty()) run = store->run((*run)->id);
    if (!run || !*run) {
      err << "hrsync report: " << (run ? "the run is gone" : run.error().str()) << "\n";
      return kExitUsage;
    }
  }
  const RunRow& row = **run;
  const bool running = row.status == "running";
  if (cmd.json && !running) {
    out << (row.summary.empty() ? "{}\n" : row.summary);
    return kExitOk;
  }
  RunProgress progress;
  if (running) {
    auto read = store->progress(row.id);
    if (!read) {
      err << "hrsync report: " << read.error().str() << "\n";
      return kExitUsage;
    }
    progress = std::move(*read);
  }
  RunReport report;
  report.run_id = row.id;
  report.command = row.command;
  report.config_path = row.config_path;
  report.started_at = row.started_at;
  report.finished_at = row.finished_at.value_or(running ? std::max(progress.updated_at, row.started_at) : row.started_at);
  report.status = row.status;
  report.exit_code = row.exit_code.value_or(-1);
  report.targets = totals_from_summary(row.summary);
  store_failure_from_summary(row.summary, report);
  ending_from_summary(row.summary, report);
  auto outcomes = store->outcomes(row.id);
  if (!outcomes) {
    err << "hrsync report: " << outcomes.error().str() << "\n";
    return kExitUsage;
  }
  if (report.targets.empty()) report.targets = totals_from_progress(progress);
  if (report.targets.empty()) report.targets = totals_from_outcomes(*outcomes);
  for (auto& o : *outcomes) {
    if (o.status != "applied") report.problems.push_back(std::move(o));
  }
  std::vector<std::unique_ptr<TargetConnector>> owned;
  std::vector<const TargetConnector*> connectors;
  for (const auto& tc : config->targets) {
    if (auto c = make_target(tc.id, tc.options)) {
      connectors.push_back(c->get());
      owned.push_back(std::move(*c));
    }
  }
  if (cmd.json) {
    out << render_run_json(report, connectors);
    return kExitOk;
  }
  std::string ending = row.exit_code ? fmt::format(", exit code {}", *row.exit_code) : std::string(" (did not finish)");
  if (running) ending = " (in progress: `hrsync status` shows its rate and expected end)";
  out << fmt::format("Run {} of {} — status {}{}\n", row.id, row.config_path, row.status, ending);
  if (!holder.empty()) out << "Still running: the job's lock is held by " << holder << ".\n";
  out << render_run_text(report, connectors, isatty(STDOUT_FILENO) != 0 && &out == &std::cout);
  return kExitOk;
}

}  // namespace hrsync
