#include "engine/run/run_watch.h"

#include <ctime>


namespace hrsync {
namespace {

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// The end of the most recent run that exited 0, from the run log.
std::optional<std::int64_t> last_success(const Job& job) {
  if (!job.store) return std::nullopt;
  auto runs = job.store->recent_runs(1000);
  if (!runs) return std::nullopt;
  for (const RunRow& r : *runs) {
    if (r.exit_code == 0 && r.finished_at) return *r.finished_at;
  }
  return std::nullopt;
}

// The plan's targets, nothing done yet.
std::vector<MetricsTarget> planned_targets(const Plan& plan) {
  std::vector<MetricsTarget> out;
  for (const auto& t : plan.targets) out.push_back(MetricsTarget{RunCounts{.planned = t.calls()}, t.id, false});
  return out;
}

}  // namespace

RunWatch::RunWatch(const Job& job, RunWatchOptions options, std::ostream& err)
    : job_(job),
      options_(std::move(options)),
      err_(err),
      started_at_(unix_now()),
      started_(std::chrono::steady_clock::now()),
      last_success_(options_.enabled && !job.config.metrics_file.empty() ? last_success(job) : std::nullopt) {}

void RunWatch::start(boost::asio::io_context& io, const ProgressBoard& board) {
  board_ = &board;
  if (!options_.enabled || job_.config.metrics_file.empty()) return;
  timer_.emplace(io);
  arm();
}

void RunWatch::arm() {
  timer_->expires_after(options_.interval);
  timer_->async_wait([this](const boost::system::error_code& ec) {
    // stop_ticking() may come after the timer fired but before this ran: then there is no timer
    // to arm again, and arming it would keep the io_context running for ever.
    if (ec || !timer_) return;
    MetricsSample s = sample();
    s.running = true;
    write(s);
    arm();
  });
}

void RunWatch::stop_ticking() {
  // The timer belongs to the sync's io_context, which goes before the watch ends.
  timer_.reset();
}

MetricsSample RunWatch::sample() const {
  MetricsSample s;
  s.job = job_.config.name;
  s.started_at = started_at_;
  s.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  s.gate_trips = gates_.size();
  s.last_success = last_success_;
  if (report_) {
    s.targets = metrics_targets(*report_);
  } else if (auto progress = board_ ? board_->snapshot() : std::vector<TargetProgress>{}; !progress.empty()) {
    s.targets = metrics_targets(progress);
  } else {
    s.targets = planned_targets(job_.plan);
  }
  return s;
}

void RunWatch::write(const MetricsSample& sample) {
  const std::string text = render_metrics(sample);
  if (auto ok = write_metrics_file(job_.config.metrics_file, text); !ok) {
    err_ << "hrsync sync: " << ok.error().str() << "\n";
    return;
  }
  if (options_.on_metrics) options_.on_metrics(text);
}

int RunWatch::end(int exit_code) {
  stop_ticking();
  if (!options_.enabled) return exit_code;
  if (!job_.config.metrics_file.empty()) {
    MetricsSample s = sample();
    s.exit_code = exit_code;
    if (exit_code == 0) s.last_success = report_ ? report_->finished_at : unix_now();
    write(s);
  }
  return exit_code;
}

}  // namespace hrsync
