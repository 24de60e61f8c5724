// ProgressDisplay: shows a running sync — per target done / total, rate, ETA, retries, throttled,
// failures — from a ProgressBoard.
//
// On a terminal it redraws one block of lines in place every `interval`; elsewhere (a nightly
// job's log) it prints plain timestamped lines every `log_interval`, only for targets that moved.
// It owns a thread that reads the board; stop() (or the destructor) draws the last state and
// joins it.
//
// Thread-safety: construct, then stop(), from one thread; the board may be published from another.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "engine/run/progress.h"

namespace hrsync {

struct ProgressDisplayOptions {
  bool terminal = false;                           // redraw in place (ANSI), else log lines
  std::chrono::milliseconds interval{500};         // terminal redraw period
  std::chrono::milliseconds log_interval{10000};   // log line period
};

class ProgressDisplay {
 public:
  ProgressDisplay(const ProgressBoard& board, std::ostream& out, ProgressDisplayOptions options);
  ~ProgressDisplay();

  void stop();

  // One target's line: "contact_user    120/287  41.8 %   48.9/s  ETA 3.4 s  retries 2  throttled 0  failed 0".
  static std::string line(const TargetProgress& p);

 private:
  void loop();
  void draw(bool final);

  const ProgressBoard& board_;
  std::ostream& out_;
  ProgressDisplayOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::size_t drawn_lines_ = 0;
  std::vector<std::uint64_t> last_done_;
  std::thread thread_;
};

}  // namespace hrsync
