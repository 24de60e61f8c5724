// Plan rendering: the text a person reads at a glance (`hrsync plan`) and the JSON a script reads
// (`hrsync plan --json`).
//
// Field-level changes show personal data masked (diff/field_changes.h), unless the options say
// to show it whole. Long lists are cut to
// `examples` entries with a count of the rest; the JSON form lists every rejection and invalid
// record but, like the text, only the first changes.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include <string>

#include "diff/field_changes.h"
#include "engine/plan/plan.h"

namespace hrsync {

struct PlanRenderOptions {
  std::size_t examples = 10;  // changes, rejections and invalid records shown per list
  bool color = false;         // ANSI colours (a terminal)
  Masking masking = Masking::kMasked;  // personal values masked, or shown whole (a reviewer)
};

std::string render_plan_text(const Plan& plan, const PlanRenderOptions& options);
std::string render_plan_json(const Plan& plan, const PlanRenderOptions& options);

// How a duration of 10 s or more is rounded to whole seconds: up for what is left or took (an
// ETA, an elapsed time), down for a lower bound (the plan's "at least", which must not read above
// what the run then takes).
enum class Rounding : std::uint8_t { kUp, kDown };

// "4 min 10 s", "17 s", "2 h 05 min", "4.2 s": a duration for people.
std::string human_duration(double seconds, Rounding rounding = Rounding::kUp);

// "50/s, 1000/min"
std::string describe_tiers(const std::vector<RateTier>& tiers);

}  // namespace hrsync
