// RunReport: what a run did — per target totals, its failures grouped by error code with the API
// document's meaning, their counts and a bounded list of examples (engine/run/problem_digest.h),
// the entities a target answered it does not hold ("Not in the target", not failures) —
// with the exit code it ends with, as text for people and JSON for the report file and the run log.
//
// JobRun::apply() (engine/run/run_job.h) builds it at the end of a run and stores its JSON as the
// run's summary; read_run_report() rebuilds it from the run log (the summary, the outcomes, the
// progress of a run still going), so `hrsync report` shows a morning reader the same summary as
// the night's log. The JSON writer and its reader are side by side in run_report_json.cpp.
// Personal data never appears: entity keys and API messages only.
//
// Memory: bounded whatever the number of entities: counts, one group per code with at most
// ProblemDigest::kExamples outcomes, and the outcomes the store could not record (one batch and
// the requests in flight). Every outcome is in the store's outcomes table.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/targets/target_connector.h"
#include "engine/run/not_held.h"
#include "engine/run/problem_digest.h"
#include "engine/run/progress.h"
#include "store/run_rows.h"

namespace hrsync {

// A value the target holds that hrsync cannot change through its API (the plan's ByHand).
struct ByHandRow {
  std::string key;     // the entity's key on the target
  std::string where;   // the source line, "" for an entity gone from the source
  std::string field;   // "feature.card"
  std::string reason;  // what to do, and why
};

// One target's counts at the end of a run, and why it stopped.
struct TargetTotals : RunCounts {
  std::string id;
  std::string quarantined;       // why the target was stopped, "" when it was not

  // Entities with no outcome: a run stopped by a signal never sent them, or sent them and had no
  // answer before it stopped; the next run sends them.
  std::uint64_t not_sent() const {
    const std::uint64_t done = applied + failed + skipped + absent;
    return planned > done ? planned - done : 0;
  }
  std::vector<std::string> notes;  // what else the run should say of the target (a bounded wait, ...)
  // The read before the diff, when the run read the target: its requests and throttled answers,
  // the entities whose target value drifted from what hrsync last applied, and those it lacks.
  struct Read {
    std::uint64_t requests = 0;
    std::uint64_t throttled = 0;
    std::uint64_t drifted = 0;
    std::uint64_t absent = 0;
    bool operator==(const Read&) const = default;
  };
  std::optional<Read> read;
  std::vector<ByHandRow> by_hand;  // what a person must change on the target ("remove by hand")
  // Entities an update found the target lacks (its not-found code; RunCounts::absent of them): the
  // first NotHeldList::kExamples, with their source lines. Not failures: listed "Not in the target".
  std::vector<NotHeldEntity> not_held;
  // A rate limit the server announced lower than the configured one: in force for the rest of
  // the run. Tiers as text ("50/s", "1000/min").
  struct LoweredLimit {
    std::string lane;        // "" for the endpoint
    std::string configured;
    std::string announced;
    bool operator==(const LoweredLimit&) const = default;
  };
  std::vector<LoweredLimit> lowered_limits;
  // The requests in flight the run allowed: the job's number, or for `concurrency = "auto"` the cap
  // at the end and the largest it reached. Unset when the run did not say (an older report).
  struct Concurrency {
    bool automatic = false;
    std::uint32_t cap = 0;
    std::uint32_t peak = 0;
    bool operator==(const Concurrency&) const = default;
  };
  std::optional<Concurrency> concurrency;
  std::uint64_t requests = 0;    // requests sent, retries and throttled ones included
  double seconds = 0;            // from the first request to the last answer
};

// "auto: 12 in flight (at most 16)", "8 in flight".
std::string describe_concurrency(const TargetTotals::Concurrency& c);

struct RunReport {
  std::int64_t run_id = 0;
  std::string command;           // "sync", "sync --full"
  std::string config_path;
  std::int64_t started_at = 0;   // Unix seconds
  std::int64_t finished_at = 0;
  int exit_code = 0;
  // "ok" | "failures" | "quarantined" | "store_failed" | "interrupted" (a stop signal) | "error" (the
  // run could not go on) | "abandoned" (left "running" by a process that died) | "running"
  std::string status;
  int signal = 0;                // the stop signal of an interrupted run (SIGTERM...), 0 otherwise
  std::string error;             // why an "error" run stopped
  std::vector<TargetTotals> targets;
  ProblemDigest problems;            // failed and skipped entities: counts per code, a few examples
  // Applied entities a member of which the target refused alone (a photo the box found no face
  // in): per (target, code) how many, and a few examples whose code and message say which and why.
  ProblemDigest refused;
  std::string store_error;           // why the snapshot store could not record; "" when it could
  std::vector<OutcomeRow> unrecorded;  // entities sent whose outcomes the store could not record
};

// The meaning the target's API document gives `code`, or "" when it has none.
std::string code_meaning(const TargetConnector* connector, std::int64_t code);
// The same for the connector of `target` among `connectors`.
std::string code_meaning(const std::vector<const TargetConnector*>& connectors, std::string_view target,
                         std::int64_t code);

// The report's problems grouped by (target, status, code), biggest group first.
std::vector<ProblemGroup> group_problems(const RunReport& report);

std::string render_run_text(const RunReport& report, const std::vector<const TargetConnector*>& connectors,
                            bool color, std::size_t examples = 5);
std::string render_run_json(const RunReport& report, const std::vector<const TargetConnector*>& connectors);

// What a reader of the run log gathers from a run's outcomes, given one at a time (a cursor over
// the store's outcomes table): the failed and skipped ones, bounded, and per target the counts by
// status. Its memory does not grow with the outcomes.
class OutcomeTally {
 public:
  void add(OutcomeRow row);
  const ProblemDigest& problems() const { return problems_; }
  // Per target, in the order first met: planned (every outcome), applied, failed, skipped, absent.
  const std::vector<TargetTotals>& totals() const { return totals_; }
  ProblemDigest take_problems() { return std::exchange(problems_, ProblemDigest{}); }
  // Applied outcomes that carry a code: a member the target refused alone.
  ProblemDigest take_refused() { return std::exchange(refused_, ProblemDigest{}); }

 private:
  ProblemDigest problems_;
  ProblemDigest refused_;
  std::vector<TargetTotals> totals_;
};

// The report of `run` as the run log holds it: its summary (render_run_json's text, "" for a run
// that has none: abandoned, running), the tally of its outcomes, and the progress its last commit
// wrote (used when it is still running). The tally's problems are the report's; the targets come
// from the summary, else the progress, else the tally.
RunReport read_run_report(const RunRow& run, const RunProgress& progress, OutcomeTally outcomes);

// The exit code a run ends with (engine/run/exit_code.h): 128 + the signal of an interrupted run,
// 2 for a run stopped by an error, 5 if the store could not record, 4 if a target was quarantined,
// 1 if an entity failed, 0 otherwise.
int run_exit_code(const RunReport& report);

// "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", or "signal N": the stop signal of an interrupted run.
std::string signal_name(int signal);

}  // namespace hrsync
