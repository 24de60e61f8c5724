// Plan: what a sync would do, per target — the planner's output and the executor's input.
//
// The planner (engine/plan/planner.h) reads every source once, projects each record through the
// targets that read it, diffs against the snapshot and fills a Plan. The executor
// (engine/run/executor.h) applies each TargetPlan's work. A Plan owns its documents; the connectors
// it points at are owned by the caller and outlive it. A target's work may instead come from a
// WorkStream, read as it is sent (a plan file being applied), so that it is never all in memory.
//
// Thread-safety: a plain value; the executor reads it from one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "connectors/sources/record_source.h"
#include "connectors/targets/target_connector.h"
#include "diff/document.h"
#include "diff/target_counts.h"
#include "engine/plan/target_read.h"

namespace hrsync {

// One entity to apply on one target.
struct Work {
  // kUpsert: the update of an entity the target holds (or that the snapshot does not know);
  // kFreeze: an entity gone from the source, as the target's on_missing policy leaves it; kCreate:
  // the create of an entity the target lacks (on_new = "create"), with the connector's create().
  enum class Action : std::uint8_t { kUpsert, kFreeze, kCreate };
  Action action = Action::kUpsert;
  Document desired;                        // what the target should hold afterwards
  std::optional<Document> last_applied;    // the snapshot's document, if any
  // What the target holds once `desired` is applied, when that is not `desired`: the members the
  // request cannot clear keep their last applied value (TargetConnector::held_after). The snapshot
  // records it instead of `desired`.
  std::optional<Document> holds;
  Origin origin;                           // where the record came from; empty for a freeze
};

// One target's work read as the executor goes, one entry at a time, instead of held in
// TargetPlan::work.
class WorkStream {
 public:
  virtual ~WorkStream() = default;

  // Fills `out` with the next entry and returns true, or returns false at the end or on an error
  // (status() says which).
  virtual bool next(Work& out) = 0;

  // Ok while reading and after a clean end; the error otherwise.
  virtual const Result<void>& status() const = 0;
};

// A record that breaks a rule of one target's API document.
struct InvalidEntity {
  Origin origin;       // where the record came from
  std::string key;     // the record's key (employee_no / group_id)
  Invalid invalid;     // field and rule
};

// A value the target holds that hrsync cannot change through the API: a person must (a card the
// access-control PATCH cannot clear, a field a contact PATCH cannot empty).
struct ByHand {
  Origin origin;       // where the record came from; empty for an entity gone from the source
  std::string key;     // the entity's key on the target
  Invalid what;        // the field, and what to do and why
};

// Calls that one rate lane of a target must make, and the least time its limits allow.
struct LaneEstimate {
  std::string endpoint;             // "PUT /open-apis/contact/v3/users/:user_id"
  std::string lane;                 // "" for the endpoint, else a lane the connector lists
  std::uint64_t calls = 0;
  std::vector<RateTier> tiers;      // the limits in force (config overrides applied)
  double min_seconds = 0;           // the time those limits force on `calls`
};

struct TargetPlan {
  std::string id;                               // "contact_user"
  const TargetConnector* connector = nullptr;   // owned by the caller
  std::string source;                           // the source it reads
  TargetCounts counts;
  std::vector<Work> work;                       // upserts, then freezes; then those whose last
                                                // attempt failed, or with a stream, after the
                                                // stream's others (engine/plan/failed_last.h)
  std::uint64_t failed_last = 0;                // how many failed at their last attempt: sent last
  std::shared_ptr<WorkStream> stream;           // further work, read as it is sent (may be null)
  std::uint64_t streamed = 0;                   // entries `stream` gives
  std::vector<InvalidEntity> invalid;
  std::vector<ByHand> by_hand;                  // what a person must change on the target
  std::vector<std::string> notes;               // said once per run (TargetConnector::plan_notes)
  std::vector<std::string> missing_keys;        // every missing key (frozen or ignored)
  std::vector<std::string> forget_keys;         // missing keys the policy ignores: dropped from the
                                                // snapshot after a sync, so they stop counting as missing
  std::vector<LaneEstimate> lanes;
  std::optional<ReadSummary> read;              // the read before the diff, when the plan read the target
  std::vector<std::string> absent_keys;         // entities of the source the target lacks: not sent
                                                // (those on_new creates are work instead)
  std::vector<std::string> absent_where;        // the source line of each of absent_keys, in step
  std::uint64_t creates = 0;                    // kCreate entries of `work` (part of counts.created)
  std::vector<std::string> returning_keys;      // leavers on_missing changed, back in the source: their
                                                // work gives back what it took (on_return), sorted

  // Entities to send: the work held and the work streamed.
  std::uint64_t calls() const { return work.size() + streamed; }
};

// A safety gate that stopped the run (README.md, "Safety gates"): which, and the numbers.
struct GateStop {
  std::string gate;     // "empty_source", "max_change_ratio", "max_missing_ratio", "max_create"
  std::string target;   // the target or source it concerns
  std::string message;  // "contact_user: 412 of 1000 entities would change (41.2 %), above max_change_ratio 30 %"
};

struct SourceSummary {
  std::string name;                 // "employees"
  std::string describe;             // "samples/employees.csv"
  std::uint64_t records = 0;        // good records read
  std::vector<Rejection> rejected;  // rows refused by the source or as duplicate keys
};

struct Plan {
  bool full = false;                 // --full: every valid entity is an upsert
  std::vector<SourceSummary> sources;
  std::vector<TargetPlan> targets;
  std::vector<GateStop> gates;       // empty when every gate passed
};

}  // namespace hrsync
