// Metrics file: a sync's figures in the Prometheus text exposition format, for node_exporter's
// textfile collector (job.metrics_file).
//
// Every series carries a `job` label (job.name), so several jobs can share one collector folder.
// A run is to these metrics what a process is to an exporter's: the `_total` counters start at 0
// when a sync starts and grow while it runs (the file is rewritten every minute), so Prometheus
// sees each run as a counter reset. At the end they equal the run's report. What the file holds:
//
//   hrsync_entities_planned{job,target}            gauge    entities in the plan
//   hrsync_entities_applied_total{job,target}      counter  entities the target confirmed
//   hrsync_entities_failed_total{job,target}       counter  entities that failed
//   hrsync_entities_skipped_total{job,target}      counter  entities not sent (target stopped)
//   hrsync_entities_absent_total{job,target}       counter  entities an update found the target lacks
//   hrsync_retries_total{job,target}               counter  retries after a transient failure
//   hrsync_throttled_total{job,target}             counter  throttled answers (the API said: over the rate limit)
//   hrsync_concurrency{job,target}                 gauge    requests in flight allowed (now, or at the end)
//   hrsync_concurrency_peak{job,target}            gauge    the most in flight allowed in the run
//   hrsync_read_requests_total{job,target}, hrsync_drifted_entities{job,target},
//   hrsync_absent_entities{job,target}                      the read before the diff (README, "Metrics")
//   hrsync_target_quarantined{job,target}          gauge    1 when the target was stopped
//   hrsync_gate_trips_total{job}                   counter  safety gates that stopped the run
//   hrsync_run_in_progress{job}                    gauge    1 while the run goes on
//   hrsync_run_start_timestamp_seconds{job}        gauge    when the run started
//   hrsync_run_duration_seconds{job}               gauge    how long it ran (so far)
//   hrsync_run_exit_code{job}                      gauge    the exit code; absent while running
//   hrsync_last_success_timestamp_seconds{job}     gauge    end of the last run that exited 0;
//                                                           absent until there was one
//
// write_metrics_file() replaces the file atomically (a temporary file in the same folder, then
// rename), so the collector never reads half a file. The file is made 0644: it holds counts only.
//
// Thread-safety: plain values and pure functions; write_metrics_file() touches only its path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "engine/run/run_report.h"
#include "engine/run/progress.h"

namespace hrsync {

struct MetricsTarget : RunCounts {
  std::string id;
  bool quarantined = false;
  std::optional<TargetTotals::Read> read;  // the read before the diff, once the run's report has it
  std::optional<TargetTotals::Concurrency> concurrency;  // requests in flight allowed, when known
};

struct MetricsSample {
  std::string job;                             // the `job` label
  std::vector<MetricsTarget> targets;
  bool running = false;
  std::int64_t started_at = 0;                 // Unix seconds
  double duration_s = 0;
  std::optional<int> exit_code;                // none while running
  std::uint64_t gate_trips = 0;
  std::optional<std::int64_t> last_success;    // Unix seconds
};

// The targets' figures from a finished run's report, or from a running one's progress board.
std::vector<MetricsTarget> metrics_targets(const RunReport& report);
std::vector<MetricsTarget> metrics_targets(const std::vector<TargetProgress>& progress);

// The exposition text: HELP and TYPE for every family, one line per series, ending in a newline.
std::string render_metrics(const MetricsSample& sample);

// Writes `text` to `path` through a temporary file in the same folder and a rename. Errors are kIo
// naming the path.
Result<void> write_metrics_file(const std::string& path, std::string_view text);

}  // namespace hrsync
