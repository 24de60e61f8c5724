#include "engine/run/run_status.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "diff/json_writer.h"
#include "engine/run/run_lock.h"
#include "engine/run/utc_time.h"
#include "engine/plan/plan_report.h"
#include "store/snapshot_store.h"

namespace hrsync {
namespace {

// A running run that has committed nothing for this long is said to be quiet: a commit comes at
// least every second while entities finish.
constexpr std::int64_t kQuiet = 120;

// "3 min 02 s ago", "in 2 h 10 min" for `at` seen from `now`.
std::string relative(std::int64_t at, std::int64_t now) {
  if (at == now) return "now";
  if (at > now) return "in " + human_duration(static_cast<double>(at - now));
  return human_duration(static_cast<double>(now - at)) + " ago";
}

double share(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 100.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

// One line per target, the counts the run committed so far; `live` adds rate and ETA.
std::string target_lines(const RunProgress& p, bool live, std::int64_t now) {
  std::string out = fmt::format("  {:<16} {:>9}/{:<9} {:>7}  {:>9}  {:<22} {:>8} {:>9}\n", "target", "done", "planned",
                                "", live ? "rate" : "", live ? "ETA" : "", "failed", "throttled");
  for (const TargetProgressRow& t : p.targets) {
    std::string eta;
    if (t.finished_at) {
      eta = "finished " + relative(*t.finished_at, now);
    } else if (t.stopped) {
      eta = "stopped";
    } else if (live) {
      eta = t.eta ? relative(*t.eta, now) : "unknown (no outcome lately)";
    }
    out += fmt::format("  {:<16} {:>9}/{:<9} {:>7}  {:>9}  {:<22} {:>8} {:>9}\n", t.target, t.done(), t.planned,
                       fmt::format("{:.1f} %", share(t.done(), t.planned)), live ? fmt::format("{:.1f}/s", t.rate) : "", eta,
                       t.failed + t.skipped, t.throttled);
  }
  return out;
}

std::string ended(const RunRow& run) {
  std::string how = run.status;
  if (run.exit_code) how += fmt::format(", exit code {}", *run.exit_code);
  return how;
}

std::string text_running(const RunStatus& s, std::int64_t now) {
  const RunRow& run = *s.run;
  // The holder's own words name its start, which the run row says already.
  const std::string holder = s.holder.substr(0, s.holder.find(", started"));
  std::string out = fmt::format("Run {} of job {} is running: {}, started {} ({}), by {}.\n", run.id, s.job,
                                run.command, utc_time(run.started_at), relative(run.started_at, now), holder);
  const RunProgress& p = s.progress;
  if (p.updated_at == 0) return out + "  No progress recorded yet.\n";
  if (p.expected_end) {
    out += fmt::format("Expected end: {} ({}), at the pace of the last minutes.\n", utc_time(*p.expected_end),
                       relative(*p.expected_end, now));
  } else {
    out += "Expected end: unknown until every target has finished entities lately.\n";
  }
  out += fmt::format("Progress as of {} (written with each commit):\n", relative(p.updated_at, now));
  out += target_lines(p, true, now);
  if (now - p.updated_at >= kQuiet) {
    out += fmt::format("Nothing was committed for {}: no target has finished an entity lately (throttled, slow or "
                       "unreachable); its process is alive, it holds the job's lock.\n",
                       human_duration(static_cast<double>(now - p.updated_at)));
  }
  return out;
}

std::string text_last_run(const RunStatus& s, std::int64_t now) {
  const RunRow& run = *s.run;
  if (!run.finished_at) {
    return fmt::format("The last run, {} ({}), started {} and did not finish.\n", run.id, run.command,
                       utc_time(run.started_at));
  }
  std::string out = fmt::format("The last run, {} ({}), ended {} ({}) after {}: {}.\n", run.id, run.command,
                                utc_time(*run.finished_at), relative(*run.finished_at, now),
                                human_duration(static_cast<double>(*run.finished_at - run.started_at)), ended(run));
  for (const TargetProgressRow& t : s.progress.targets) {
    out += fmt::format("  {:<16} {:>9} planned, {} applied, {} failed, {} skipped, {} throttled\n", t.target, t.planned,
                       t.applied, t.failed, t.skipped, t.throttled);
  }
  return out;
}

}  // namespace

std::string_view run_state_name(RunState state) {
  switch (state) {
    case RunState::kNone: return "none";
    case RunState::kStarting: return "starting";
    case RunState::kRunning: return "running";
    case RunState::kAbandoned: return "abandoned";
    case RunState::kIdle: return "idle";
  }
  return "none";
}

Result<RunStatus> read_run_status(const JobConfig& config) {
  RunStatus s;
  s.job = config.name;
  s.snapshot = config.snapshot;
  std::error_code ec;
  std::optional<SnapshotStore> store;
  const auto open_store = [&]() -> Result<void> {
    auto opened = SnapshotStore::open_read_only(config.snapshot);
    if (!opened) return std::unexpected(opened.error());
    store.emplace(std::move(*opened));
    return {};
  };
  // An empty file is a snapshot a first run has locked (run_lock.h) and not yet written.
  if (std::filesystem::exists(config.snapshot, ec) && std::filesystem::file_size(config.snapshot, ec) > 0 && !ec) {
    if (auto opened = open_store(); !opened) return std::unexpected(opened.error());
    auto run = store->last_run();
    if (!run) return std::unexpected(run.error());
    s.run = std::move(*run);
    store.reset();  // closed while the lock is probed: the probe may open the snapshot (run_lock.h)
  }
  // The lock is probed after the run is read: a run that ends in between is read again below.
  auto lock = RunLock::probe(config.snapshot);
  if (!lock) return std::unexpected(lock.error());
  if (lock->held) s.holder = lock->holder;
  if (s.run) {
    if (auto opened = open_store(); !opened) return std::unexpected(opened.error());
  }
  if (s.run && s.run->status == "running" && !lock->held) {
    auto again = store->last_run();
    if (!again) return std::unexpected(again.error());
    s.run = std::move(*again);
  }
  if (!s.run) {
    s.state = lock->held ? RunState::kStarting : RunState::kNone;
    return s;
  }
  auto progress = store->progress(s.run->id);
  if (!progress) return std::unexpected(progress.error());
  s.progress = std::move(*progress);
  if (s.run->status == "running") {
    s.state = lock->held ? RunState::kRunning : RunState::kAbandoned;
  } else if (lock->held && !(lock->since && *lock->since <= s.run->started_at)) {
    s.state = RunState::kStarting;  // a later process took the lock: the next run is planning
  } else {
    s.state = RunState::kIdle;  // with the lock held: the ended run's process is still finishing
  }
  return s;
}

std::string render_status_text(const RunStatus& s, std::int64_t now) {
  switch (s.state) {
    case RunState::kRunning: return text_running(s, now);
    case RunState::kStarting: {
      std::string out = fmt::format("A run of job {} is starting (reading the sources and planning): the job's lock "
                                    "is held by {}.\n",
                                    s.job, s.holder);
      return s.run ? out + text_last_run(s, now) : out;
    }
    case RunState::kAbandoned: {
      std::string out = fmt::format(
          "No run of job {} is running. Run {} ({}), started {}, is still marked running, but no process holds the "
          "job's lock: it was killed or its machine stopped (abandoned). What it committed is kept; the next `hrsync "
          "sync` marks it abandoned and sends the rest.\n",
          s.job, s.run->id, s.run->command, utc_time(s.run->started_at));
      if (s.progress.updated_at != 0) {
        out += fmt::format("Its last progress, {}:\n", relative(s.progress.updated_at, now));
        out += target_lines(s.progress, false, now);
      }
      return out;
    }
    case RunState::kIdle: {
      std::string out = fmt::format("No run of job {} is running.\n", s.job) + text_last_run(s, now);
      if (!s.holder.empty()) out += "Its process is finishing (the report, the metrics, the chat message).\n";
      return out;
    }
    case RunState::kNone: break;
  }
  return fmt::format("No run of job {} is running, and none is recorded in {}.\n", s.job, s.snapshot);
}

std::string render_status_json(const RunStatus& s, std::int64_t now) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("job").string(s.job);
  w.key("snapshot").string(s.snapshot);
  w.key("state").string(run_state_name(s.state));
  w.key("now").integer(now);
  w.key("lock_holder");
  if (s.holder.empty()) w.null(); else w.string(s.holder);
  w.key("run");
  if (!s.run) {
    w.null();
    w.end_object();
    return out + "\n";
  }
  const RunRow& r = *s.run;
  w.begin_object();
  w.key("id").integer(r.id);
  w.key("command").string(r.command);
  w.key("status").string(r.status);
  w.key("started_at").integer(r.started_at);
  w.key("finished_at");
  if (r.finished_at) w.integer(*r.finished_at); else w.null();
  w.key("exit_code");
  if (r.exit_code) w.integer(*r.exit_code); else w.null();
  w.key("progress_at");
  if (s.progress.updated_at != 0) w.integer(s.progress.updated_at); else w.null();
  w.key("expected_end");
  if (s.progress.expected_end) w.integer(*s.progress.expected_end); else w.null();
  w.key("targets").begin_array();
  for (const TargetProgressRow& t : s.progress.targets) {
    w.begin_object();
    w.key("id").string(t.target);
    w.key("planned").integer(static_cast<std::int64_t>(t.planned));
    w.key("done").integer(static_cast<std::int64_t>(t.done()));
    w.key("applied").integer(static_cast<std::int64_t>(t.applied));
    w.key("failed").integer(static_cast<std::int64_t>(t.failed));
    w.key("skipped").integer(static_cast<std::int64_t>(t.skipped));
    w.key("retries").integer(static_cast<std::int64_t>(t.retries));
    w.key("throttled").integer(static_cast<std::int64_t>(t.throttled));
    w.key("rate").raw(fmt::format("{:.3f}", t.rate));
    w.key("eta");
    if (t.eta) w.integer(*t.eta); else w.null();
    w.key("finished_at");
    if (t.finished_at) w.integer(*t.finished_at); else w.null();
    w.key("stopped").boolean(t.stopped);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.end_object();
  return out + "\n";
}

}  // namespace hrsync
