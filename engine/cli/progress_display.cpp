#include "engine/cli/progress_display.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>

#include "engine/plan/plan_report.h"

namespace hrsync {

ProgressDisplay::ProgressDisplay(const ProgressBoard& board, std::ostream& out, ProgressDisplayOptions options)
    : board_(board), out_(out), options_(options), thread_([this] { loop(); }) {}

ProgressDisplay::~ProgressDisplay() { stop(); }

void ProgressDisplay::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  draw(true);
}

std::string ProgressDisplay::line(const TargetProgress& p) {
  const double share = p.total == 0 ? 100.0 : 100.0 * static_cast<double>(p.done) / static_cast<double>(p.total);
  std::string eta = "-";
  if (p.done >= p.total) {
    eta = "done";
  } else if (p.rate > 0) {
    eta = human_duration(static_cast<double>(p.total - p.done) / p.rate);
  }
  return fmt::format("{:<16} {:>8}/{:<8} {:5.1f} %  {:7.1f}/s  ETA {:<10} retries {:<5} throttled {:<4} failed {}{}",
                     p.target, p.done, p.total, share, p.rate, eta, p.retries, p.throttled, p.failed + p.skipped,
                     p.stopped ? "  STOPPED" : "");
}

void ProgressDisplay::loop() {
  std::unique_lock lock(mutex_);
  const auto period = options_.terminal ? options_.interval : options_.log_interval;
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    draw(false);
    lock.lock();
  }
}

void ProgressDisplay::draw(bool final) {
  const auto targets = board_.snapshot();
  if (targets.empty()) return;
  if (options_.terminal) {
    std::string block;
    if (drawn_lines_ > 0) block += fmt::format("\033[{}F", drawn_lines_);  // back to the block's first line
    for (const auto& t : targets) block += "\033[2K" + line(t) + "\n";
    drawn_lines_ = targets.size();
    out_ << block << std::flush;
    return;
  }
  last_done_.resize(targets.size(), ~std::uint64_t{0});
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!final && targets[i].done == last_done_[i]) continue;
    if (final && targets[i].done == last_done_[i]) continue;
    last_done_[i] = targets[i].done;
    out_ << fmt::format("{:%Y-%m-%d %H:%M:%S} progress {}\n", tm, line(targets[i]));
  }
  out_ << std::flush;
}

}  // namespace hrsync
