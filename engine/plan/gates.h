// Safety gates (README.md, "Safety gates"): a plan that looks like a broken export rather than real changes is
// stopped before anything is sent. An empty source, too many known entities changed, too many
// gone from the source, or more creates in the whole run than job.max_create, each against the
// job's ceilings.
//
// Thread-safety: a pure function of its arguments.
#pragma once

#include "engine/config/config.h"
#include "engine/plan/plan.h"

namespace hrsync {

// Appends to plan.gates every gate the plan's counts break.
void apply_gates(Plan& plan, const JobConfig& config);

}  // namespace hrsync
