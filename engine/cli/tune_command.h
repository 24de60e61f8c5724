// `hrsync tune`: measures the job's targets (engine/run/tune.h) and prints the rate and
// concurrency to run them at, as TOML lines the job takes, or as JSON.
//
// It reads the job's HR sources for keys (as `plan --full` would, writing nothing), makes calls
// that change nothing (token requests, reads, and with --write-probe the documents a target holds
// sent back to it) and takes no run lock: it records nothing.
//
// Thread-safety: one command per process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace hrsync {

struct TuneCommand {
  std::string config;              // --config
  std::vector<std::string> only;   // --only TARGET (repeatable)
  unsigned max_calls = 200;        // --max-calls: writes in all
  bool write_probe = false;        // --write-probe: find undocumented limits with writes that change nothing
  bool json = false;               // --json
  std::string svg;                 // --svg FILE: the probe drawn, one panel per target (tune_chart.h); "" = none
};

// The process exit code: 0 when every target was measured, 1 when some could not be (its notes say
// why), 2 for a bad config or usage or an SVG file that cannot be written, as `plan` for a source that cannot be read.
int run_tune_command(const TuneCommand& cmd, std::ostream& out, std::ostream& err);

}  // namespace hrsync
