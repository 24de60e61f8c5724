// TuneChart: `hrsync tune --svg FILE` draws what the write probe measured, one panel per target:
// the rate each step offered against the rate it achieved (with the line where the two are equal,
// and the rate recommended), and the step's p99 round trip on a second axis.
//
// The SVG is written as text, with no library: a standalone document a browser or an image viewer
// opens. A target tune did not probe (documented, or no --write-probe) has its panel too, saying so.
//
// Thread-safety: a pure function.
#pragma once

#include <string>

#include "engine/run/tune.h"

namespace hrsync {

// The chart of `report` as an SVG document (UTF-8).
std::string render_tune_svg(const TuneReport& report);

}  // namespace hrsync
