// Run log rows: one sync or plan run, the outcome of each entity it tried to apply, and how far a
// running one has got.
//
// SnapshotStore (store/snapshot_store.h) writes and reads them; the report reads them back for
// `hrsync report`, and `hrsync status` reads the progress of a running run. Timestamps are Unix
// seconds from the caller's clock. Messages are what the target answered; they never hold a secret.
//
// Thread-safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hrsync {

struct RunRow {
  std::int64_t id = 0;
  std::string command;                      // "sync", "plan"
  std::int64_t started_at = 0;
  std::optional<std::int64_t> finished_at;  // none while running, or after a crash
  std::string status;                       // "running" until finish_run sets the final status
  std::optional<int> exit_code;             // none until finish_run
  std::string summary;                      // JSON; "" until finish_run
  std::string config_path;                  // the job config the run read

  bool operator==(const RunRow&) const = default;
};

// The outcome of one entity on one target in one run.
struct OutcomeRow {
  std::string target;      // "contact_user"
  std::string key;         // the entity's key on the target
  std::string action;      // "upsert" | "freeze" | "create"
  std::string status;      // "applied" | "failed" | "skipped" | "absent" (the target lacks it)
  std::int64_t code = 0;   // the API's code (0: success; -1: no readable answer)
  std::string message;     // the API's message or what went wrong
  std::string log_id;      // Feishu log_id, "" when none
  int attempts = 0;        // requests sent, retries included

  bool operator==(const OutcomeRow&) const = default;
};

// How far one target of a run has got, as written with the run's last commit.
struct TargetProgressRow {
  std::string target;                       // "contact_user"
  std::uint64_t planned = 0;                // entities in the plan
  std::uint64_t applied = 0;                // outcomes committed so far, by status
  std::uint64_t failed = 0;
  std::uint64_t skipped = 0;
  std::uint64_t retries = 0;                // retries after a transient failure
  std::uint64_t throttled = 0;              // throttled answers
  double rate = 0;                          // entities finished per second, lately
  std::optional<std::int64_t> eta;          // when it should finish at that rate; none when unknown
  std::optional<std::int64_t> finished_at;  // when its last outcome came; none while it goes on
  bool stopped = false;                     // quarantined, or unable to authenticate
  std::uint64_t absent = 0;                 // outcomes answered with the target's not-found code

  std::uint64_t done() const { return applied + failed + skipped + absent; }
  bool operator==(const TargetProgressRow&) const = default;
};

// How far a run has got: written in the transaction of each commit, so it never runs ahead of
// what is committed.
struct RunProgress {
  std::int64_t updated_at = 0;               // the commit that wrote it; 0: none yet
  std::optional<std::int64_t> expected_end;  // the slowest target's eta; none when one is unknown
  std::vector<TargetProgressRow> targets;    // in the plan's order

  bool operator==(const RunProgress&) const = default;
};

}  // namespace hrsync
