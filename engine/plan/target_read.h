// Target reads: what a target holds, as a plan takes it. Before it diffs, a plan may read a target
// (its connector's ReadOperation, sent by engine/run/target_reader.h): the keys its source gives go
// out in batches, and what comes back is a document per key the target holds, in the canonical form
// the projection writes, and the keys it lacks. The plan then diffs against those documents instead
// of the snapshot (planner.h): a change carries only the members that differ from what the target
// holds, a value the target holds and HR leaves empty is kept, and an entity the target lacks is
// "absent": listed, never sent an update that could only fail.
//
// This header is the plain data between the two rooms: the plan asks (ReadAsk), a reader answers
// (TargetRead). Which targets a run reads is read_targets_of(); the plan sees no socket.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "connectors/targets/target_connector.h"
#include "diff/document.h"
#include "engine/config/config.h"

namespace hrsync {

// Which targets a plan reads before it diffs.
enum class ReadChoice : std::uint8_t {
  kConfig,  // as each target's `read` says (default: when its snapshot is empty)
  kAll,     // --read: every target
  kNone,    // --no-read: none
};

// One target to read: its connector and config, and the keys to ask for (sorted, unique).
struct ReadAsk {
  const TargetConnector* connector = nullptr;
  const TargetConfig* config = nullptr;
  std::vector<std::string> keys;
};

// What the read of one target found.
struct TargetRead {
  std::string target;
  std::vector<Document> found;      // the documents it holds, one per key found
  std::vector<std::string> absent;  // the keys asked for that it lacks, sorted
  std::uint64_t calls = 0;          // read requests answered (retries and throttled ones included)
  std::uint64_t throttled = 0;      // throttled answers among them
  std::uint64_t retries = 0;        // requests sent again after a transient failure
  double seconds = 0;               // from the first request to the last answer
  // Why the read did not finish (a batch throttled past the budget, a 5xx, the token refused):
  // the target's diff would be wrong, so it is not synced on this run. nullopt: read whole.
  std::optional<std::string> failed;
  // Why the read was not even tried (no credential for the platform): the plan then diffs against
  // the snapshot as if no read was asked. nullopt: it was tried.
  std::optional<std::string> not_read;
};

// Reads the targets asked, each to its end or to its failure; one TargetRead per ask, in order.
using TargetReader = std::function<std::vector<TargetRead>(const std::vector<ReadAsk>& asks)>;

// One field of an entity whose target value differs from what hrsync last applied: someone changed
// it on the target. Values are masked as field_changes() masks them.
struct Drift {
  std::string key;           // the target's key
  std::string field;         // dotted path: "job_title", "info.name"
  std::string target;        // what the target holds ("" when it holds none)
  std::string source;        // what HR says
  std::string last_applied;  // what hrsync last applied
};

// A plan's account of the read of one target.
struct ReadSummary {
  std::uint64_t keys = 0;          // keys asked for
  std::uint64_t calls = 0;         // requests made
  std::uint64_t batches = 0;       // requests a read without retries makes (keys / batch size)
  double min_seconds = 0;          // the least time the read's limits allow those
  double seconds = 0;              // how long it took
  std::uint64_t found = 0;
  std::uint64_t throttled = 0;
  std::optional<std::string> failed;   // the target is not synced on this run: why
  std::optional<std::string> not_read; // the read was not tried, why: the diff is the snapshot's
  std::vector<Drift> drift;            // by key, then field
  std::uint64_t drifted = 0;           // entities with drift
  std::uint64_t changed_known = 0;     // changes of entities the snapshot knows (what max_change_ratio weighs)
  // The documents read that differ from the snapshot (or that it lacks): a sync records them as
  // what the target holds before it sends anything (the work then advances them further).
  std::vector<Document> adopt;
};

// Whether `config` reads its target on this run: `choice`, else the target's `read` setting
// (`snapshot_rows`: the rows its snapshot holds).
bool reads_target(const TargetConfig& config, ReadChoice choice, std::int64_t snapshot_rows);

}  // namespace hrsync
