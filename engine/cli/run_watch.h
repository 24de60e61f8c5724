// RunWatch: what the people looking after a nightly job see of a sync besides its log — the
// metrics file (job.metrics_file, engine/run/metrics_file.h) and the chat message ([notify],
// engine/cli/notify.h).
//
// execute_sync() makes one per run. While the executor runs, start() writes the metrics file every
// `interval` from the progress board; gated() and finished() tell it how the run ended; end()
// writes the final file, posts the message when [notify] asks for one, and returns the exit code it
// was given. A file that cannot be written, or a message that is not delivered, is reported on
// `err` and changes nothing else: the exit code is the run's.
//
// Thread-safety: one thread, the one running the sync's io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/run/metrics_file.h"
#include "engine/run/run_report.h"
#include "engine/plan/job.h"
#include "engine/run/progress.h"
#include "engine/run/redactor.h"

namespace hrsync {

struct RunWatchOptions {
  bool enabled = true;                                    // false for a dry run: nothing is written
  std::chrono::milliseconds interval{60'000};             // metrics file period during a run
  std::function<void(const std::string&)> on_metrics;     // told each text written (tests)
  const Redactor* redactor = nullptr;                     // cleans the chat's answer before it is shown
};

class RunWatch {
 public:
  // REQUIRES: `job` and `err` outlive the watch.
  RunWatch(const Job& job, RunWatchOptions options, std::ostream& err);

  // Writes the metrics every interval from `board` until stop_ticking(), which must come before
  // `io` is destroyed (the timer is bound to it).
  void start(boost::asio::io_context& io, const ProgressBoard& board);
  void stop_ticking();

  // Safety gates stopped the run.
  void gated(const std::vector<GateStop>& gates) { gates_ = gates; }
  // The run finished with `report`.
  void finished(const RunReport& report) { report_ = report; }

  // Writes the final metrics; returns `exit_code`.
  int end(int exit_code);

 private:
  void arm();
  void write(const MetricsSample& sample);
  void notify(int exit_code);
  MetricsSample sample() const;

  const Job& job_;
  RunWatchOptions options_;
  std::ostream& err_;
  std::int64_t started_at_;                          // Unix seconds
  std::chrono::steady_clock::time_point started_;
  std::optional<std::int64_t> last_success_;         // from the run log, before this run
  const ProgressBoard* board_ = nullptr;
  std::optional<boost::asio::steady_timer> timer_;
  std::vector<GateStop> gates_;
  std::optional<RunReport> report_;
};

}  // namespace hrsync
