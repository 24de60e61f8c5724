// Run log rows: one sync or plan run, and the outcome of each entity it tried to apply.
//
// SnapshotStore (store/snapshot_store.h) writes and reads them; the report reads them back for
// `hrsync report`. Timestamps are Unix epoch milliseconds from the caller's clock. Messages are
// what the target answered; they never hold a secret.
//
// Thread-safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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
  std::string action;      // "upsert" | "freeze"
  std::string status;      // "applied" | "failed" | "skipped"
  std::int64_t code = 0;   // the API's code (0: success; -1: no readable answer)
  std::string message;     // the API's message or what went wrong
  std::string log_id;      // Feishu log_id, "" when none
  int attempts = 0;        // requests sent, retries included

  bool operator==(const OutcomeRow&) const = default;
};

}  // namespace hrsync
