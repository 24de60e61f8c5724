// ProgressDisplay: shows a running sync from its ProgressBoard, and the pure rendering it draws.
//
// On a terminal it redraws in place, every `interval`, one bar per target (done / planned, rate,
// ETA, failures) and an overall line (elapsed time, share done, and the run's ETA: its slowest
// target's). Elsewhere (a nightly job's log) it prints plain timestamped lines every
// `log_interval` ([progress] interval_s), for the targets that moved, and the overall line. In a
// long run a line also says when each target finishes, as it finishes. Rates are entities finished
// per second over the last minutes (engine/run/rate_window.h), so an ETA follows the current pace.
//
// ProgressTracker turns board snapshots taken at given times into ProgressFrames; the render_*
// functions turn a frame into lines. Both are pure (time is an input) and are tested without a
// terminal. ProgressDisplay owns a thread that reads the board; stop() (or the destructor) draws
// the last state and joins it.
//
// Thread-safety: ProgressTracker and the renderers are single-owner values and pure functions.
// ProgressDisplay: construct, then stop(), from one thread; the board may be published from another.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "engine/net/clock.h"
#include "engine/run/progress.h"
#include "engine/run/rate_window.h"

namespace hrsync {

// One target at one moment.
struct TargetView {
  TargetProgress counts;                // as the executor last published them
  double rate = 0;                      // entities finished per second, lately
  std::optional<double> seconds_left;   // at that rate; 0 once finished; nullopt while unknown

  bool finished() const { return counts.done >= counts.planned; }
};

// The run at one moment.
struct ProgressFrame {
  double elapsed_s = 0;                 // since the tracker's start
  std::vector<TargetView> targets;      // in the plan's order
  std::vector<std::size_t> finished;    // targets that finished since the previous frame (indexes)

  // The run's ETA: its slowest target's; 0 when all finished; nullopt while one is unknown.
  std::optional<double> seconds_left() const;
  // The target that decides it (the slowest still going), or nullptr.
  const TargetView* slowest() const;
};

class ProgressTracker {
 public:
  explicit ProgressTracker(Clock::time_point start, Clock::duration window = std::chrono::minutes(5))
      : start_(start), window_(window) {}

  // The frame of `targets`, the board's snapshot at `now`. REQUIRES: now no earlier than before,
  // the same targets in the same order each time (the executor publishes them so).
  ProgressFrame update(Clock::time_point now, const std::vector<TargetProgress>& targets);

 private:
  Clock::time_point start_;
  Clock::duration window_;
  std::vector<RateWindow> rates_;
  std::vector<bool> finished_;
};

// A terminal's block for a terminal `columns` wide: a bar per target, then the overall line, each
// narrower than `columns` (so that a redraw in place never wraps): the bars take what room is
// left, up to 30 cells, and go when there is none; a line still too wide is cut. `color` adds
// ANSI colours (failures and stopped targets in red, finished bars in green).
std::vector<std::string> render_terminal(const ProgressFrame& frame, bool color, std::size_t columns = 100);

// One target's bar line, `bar_width` cells of bar (0: none) and its counts right-aligned on
// `count_width` digits: "contact_user     [███▌░░░░░░]  35.0 %   350/1000   10.0/s  ETA 1 min 05 s   failed 5".
std::string render_bar(const TargetView& t, bool color, std::size_t bar_width = 20, std::size_t count_width = 0);

// The cells `text` takes on a terminal: its code points, ANSI escapes aside.
std::size_t display_width(std::string_view text);

// "elapsed 1 h 02 min  ·  2350/4000 (58.8 %)  ·  ETA 52 s (contact_user the slowest)".
std::string render_overall(const ProgressFrame& frame);

// One target's plain line for a log: "contact_user 350/1000 35.0 % 12.5/s ETA 52 s retries 1 throttled 0 failed 2".
std::string render_log_line(const TargetView& t);

// The line of a target that finished: "acs_card finished after 12 min 03 s: 998 applied, 2 failed, 0 skipped".
std::string render_finished(const TargetView& t, double elapsed_s);

struct ProgressDisplayOptions {
  bool terminal = false;                            // redraw in place (ANSI), else log lines
  std::chrono::milliseconds interval{500};          // terminal redraw period; how often finishes are noticed
  std::chrono::milliseconds log_interval{10'000};   // log line period ([progress] interval_s)
  std::chrono::seconds finish_lines_after{60};      // a run this long says when each target finishes
};

class ProgressDisplay {
 public:
  ProgressDisplay(const ProgressBoard& board, std::ostream& out, ProgressDisplayOptions options);
  ~ProgressDisplay();

  void stop();

 private:
  void loop();
  void draw(bool final);

  const ProgressBoard& board_;
  std::ostream& out_;
  ProgressDisplayOptions options_;
  ProgressTracker tracker_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::size_t drawn_lines_ = 0;
  std::vector<std::uint64_t> logged_done_;          // each target's done at its last log line
  std::chrono::steady_clock::time_point last_log_;
  std::thread thread_;
};

}  // namespace hrsync
