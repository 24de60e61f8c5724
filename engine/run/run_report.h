// RunReport: what a sync did — per target totals, every failure grouped by error code with the API
// document's meaning and a few example keys — as text for people and JSON for the report file.
//
// The same RunReport is rebuilt by `hrsync report` from the store's runs and outcomes tables, so
// a morning reader sees the same summary as the night's log. Personal data never appears: entity
// keys and API messages only.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/targets/target_connector.h"
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
    const std::uint64_t done = applied + failed + skipped;
    return planned > done ? planned - done : 0;
  }
  std::vector<std::string> notes;  // what else the run should say of the target (a bounded wait, ...)
  std::vector<ByHandRow> by_hand;  // what a person must change on the target ("remove by hand")
  // A rate limit the server announced lower than the configured one: in force for the rest of
  // the run. Tiers as text ("50/s", "1000/min").
  struct LoweredLimit {
    std::string lane;        // "" for the endpoint
    std::string configured;
    std::string announced;
    bool operator==(const LoweredLimit&) const = default;
  };
  std::vector<LoweredLimit> lowered_limits;
};

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
  std::vector<OutcomeRow> problems;  // failed and skipped entities
  std::string store_error;           // why the snapshot store could not record; "" when it could
  std::vector<OutcomeRow> unrecorded;  // entities sent whose outcomes the store could not record
};

// The meaning the target's API document gives `code`, or "" when it has none.
std::string code_meaning(const TargetConnector* connector, std::int64_t code);

std::string render_run_text(const RunReport& report, const std::vector<const TargetConnector*>& connectors,
                            bool color, std::size_t examples = 5);
std::string render_run_json(const RunReport& report, const std::vector<const TargetConnector*>& connectors);

// The exit code a run ends with: 128 + the signal of an interrupted run, 2 for a run stopped by an
// error, 5 if the store could not record, 4 if a target was quarantined, 1 if an entity failed, 0
// otherwise.
int run_exit_code(const RunReport& report);

}  // namespace hrsync
