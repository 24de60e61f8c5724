// Outcome, OutcomeSink: what the executor reports for every entity it finishes.
//
// The executor calls record() once per entity of the plan — applied, failed, skipped or absent — in the
// order entities finish, and target_finished() once per target after its last record(). An
// applied outcome carries the row to commit to the snapshot (the desired document: key, hash,
// body); the sink batches those rows into the store and logs every outcome for the report. The
// executor depends on this interface only, not on SQLite.
//
// A sink that cannot record (the store cannot write: disk full, read-only file, I/O error) says
// so by returning an error; the executor then starts no further call on any target. The calls in
// flight still finish and their outcomes still come to record(), which keeps them for the report
// as not recorded.
//
// Thread-safety: the executor calls the sink from its one thread. The sink should not block for
// long (batch, then commit), since the executor's I/O waits meanwhile.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "diff/document.h"
#include "engine/plan/plan.h"

namespace hrsync {

enum class OutcomeStatus : std::uint8_t {
  kApplied,  // the target confirmed the document
  kFailed,   // the target refused it, or it could not be delivered (see message)
  kSkipped,  // never sent: the target was stopped first
  kAbsent,   // the target answered that it does not hold the entity (its not-found code): not a
             // failure; nothing is committed, and the store remembers the key absent
};

inline std::string_view outcome_status_name(OutcomeStatus s) {
  switch (s) {
    case OutcomeStatus::kApplied: return "applied";
    case OutcomeStatus::kFailed: return "failed";
    case OutcomeStatus::kSkipped: return "skipped";
    case OutcomeStatus::kAbsent: return "absent";
  }
  return "unknown";
}

struct Outcome {
  std::string_view target;            // "contact_user"
  const Work* work = nullptr;         // the plan's entry: key, action, origin
  OutcomeStatus status = OutcomeStatus::kFailed;
  Verdict verdict;                    // what the last answer meant, as the connector classified it:
                                      // its code (-1 when none was readable, 0 when nothing was
                                      // sent), message (or what went wrong; "" when applied), log_id,
                                      // and whether a table documents it
  unsigned attempts = 0;              // requests sent for this entity
  const Document* commit = nullptr;   // the row to commit to the snapshot; set iff applied
  // The answer that refused one member of the update alone (Verdict::refused_member, the box's
  // photo), after which the rest was sent again without it; `verdict` is that second answer's.
  // An applied entity commits its whole document all the same: the refused value is not sent
  // again until it changes.
  std::optional<Verdict> refused;

  std::string_view key() const { return work->desired.key; }
};

class OutcomeSink {
 public:
  virtual ~OutcomeSink() = default;

  // One finished entity. `outcome` and what it points at are valid during the call only (the
  // plan's documents, for as long as the plan lives). An error: this outcome, or one batched
  // before it, could not be recorded.
  virtual Result<void> record(const Outcome& outcome) = 0;

  // `target` has finished: no more record() for it. A sink flushes what it batched here; an
  // error as for record().
  virtual Result<void> target_finished(std::string_view target) {
    (void)target;
    return {};
  }
};

}  // namespace hrsync
