// RunWatch: the metrics file of a run (job.metrics_file, engine/run/metrics_file.h), what the people
// looking after a nightly job see of a sync besides its log and the chat message.
//
// execute_sync() (engine/cli/sync.h) makes one per run. While the executor runs, start() writes the
// metrics file every `interval` from the progress board; gated() and finished() tell it how the run
// ended; end() writes the final file. A file that cannot be written is reported on `err` and
// changes nothing else: the exit code is the run's. The gates and the report it was told are kept
// for the chat message (engine/run/chat_message.h), which the caller posts.
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

namespace hrsync {

struct RunWatchOptions {
  bool enabled = true;                                    // false for a dry run: nothing is written
  std::chrono::milliseconds interval{60'000};             // metrics file period during a run
  std::function<void(const std::string&)> on_metrics;     // told each text written (tests)
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

  // Writes the final metrics (none when the options say it is not enabled); returns `exit_code`.
  int end(int exit_code);

  // What the watch was told: the gates that stopped the run, and its report (null when there is none).
  const std::vector<GateStop>& gates() const { return gates_; }
  const RunReport* report() const { return report_ ? &*report_ : nullptr; }

 private:
  void arm();
  void write(const MetricsSample& sample);
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
