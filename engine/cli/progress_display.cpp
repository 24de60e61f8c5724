#include "engine/cli/progress_display.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "base/utf8.h"
#include "engine/plan/plan_report.h"

namespace hrsync {
namespace {

double share(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 100.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string paint(std::string_view text, std::string_view ansi, bool color) {
  return color ? fmt::format("\033[{}m{}\033[0m", ansi, text) : std::string(text);
}

// "ETA 52 s", "done", "stopped" (what is left is skipped), "ETA -" (unknown).
std::string eta_text(const TargetView& t) {
  if (t.counts.stopped) return "stopped";
  if (t.finished()) return "done";
  if (!t.seconds_left) return "ETA -";
  return "ETA " + human_duration(*t.seconds_left);
}

// "  in flight 7/12 auto": the requests awaiting an answer of the most the target allows now (the
// job's number, or what "auto" sized); "" before the executor said, or once the target is done.
std::string in_flight_text(const TargetView& t) {
  const TargetProgress& p = t.counts;
  if (p.concurrency == 0 || t.finished()) return "";
  return fmt::format("  in flight {}/{}{}", p.in_flight, p.concurrency, p.concurrency_auto ? " auto" : "");
}

// `width` cells, filled in eighths: "█████▍░░░░".
std::string bar_cells(double fraction, std::size_t width) {
  static constexpr const char* kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  fraction = std::clamp(fraction, 0.0, 1.0);
  const auto eighths = static_cast<std::size_t>(fraction * static_cast<double>(width * 8));
  std::string out;
  std::size_t cells = 0;
  for (; cells < eighths / 8; ++cells) out += "█";
  if (cells < width && eighths % 8 != 0) {
    out += kEighths[eighths % 8];
    ++cells;
  }
  for (; cells < width; ++cells) out += "░";
  return out;
}

// The width of the terminal on stdout; 80 when it cannot be told.
std::size_t terminal_columns() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace

std::optional<double> ProgressFrame::seconds_left() const {
  double slowest = 0;
  for (const TargetView& t : targets) {
    if (t.finished() || t.counts.stopped) continue;  // a stopped target skips what is left at once
    if (!t.seconds_left) return std::nullopt;
    slowest = std::max(slowest, *t.seconds_left);
  }
  return slowest;
}

const TargetView* ProgressFrame::slowest() const {
  const TargetView* out = nullptr;
  for (const TargetView& t : targets) {
    if (t.finished() || t.counts.stopped || !t.seconds_left) continue;
    if (out == nullptr || *t.seconds_left > *out->seconds_left) out = &t;
  }
  return out;
}

ProgressFrame ProgressTracker::update(Clock::time_point now, const std::vector<TargetProgress>& targets) {
  ProgressFrame f;
  f.elapsed_s = std::max(0.0, std::chrono::duration<double>(now - start_).count());
  while (rates_.size() < targets.size()) {
    rates_.emplace_back(window_).add(start_, 0);
    finished_.push_back(false);
  }
  for (std::size_t i = 0; i < targets.size(); ++i) {
    TargetView t{.counts = targets[i]};
    if (now > start_ && !finished_[i]) rates_[i].add(now, t.counts.done);
    t.rate = rates_[i].rate();
    t.seconds_left = rates_[i].seconds_left(t.counts.planned);
    if (t.finished()) t.seconds_left = 0.0;
    if (t.finished() && !finished_[i]) {
      finished_[i] = true;
      f.finished.push_back(i);
    }
    f.targets.push_back(std::move(t));
  }
  return f;
}

std::string render_bar(const TargetView& t, bool color, std::size_t bar_width, std::size_t count_width) {
  const TargetProgress& p = t.counts;
  const double pct = share(p.done, p.planned);
  std::string bar;
  if (bar_width > 0) {
    bar = bar_cells(pct / 100.0, bar_width);
    if (t.finished() && !p.stopped) bar = paint(bar, "32", color);
    bar = "[" + bar + "] ";
  }
  const std::uint64_t failed = p.failed + p.skipped;
  std::string failures = fmt::format("failed {}", failed);
  if (failed > 0) failures = paint(failures, "31", color);
  std::string line = fmt::format("{:<16} {}{:5.1f} %  {:>{}}/{:<{}} {:>7.1f}/s  {:<16} {}", p.target, bar, pct, p.done,
                                 count_width, p.planned, count_width, t.rate, eta_text(t), failures);
  if (p.throttled > 0) line += fmt::format("  throttled {}", p.throttled);
  line += in_flight_text(t);
  if (p.stopped) line += "  " + paint("STOPPED", "31", color);
  return line;
}

std::size_t display_width(std::string_view text) {
  std::size_t cells = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b) {  // ESC [ ... final byte
      while (i + 1 < text.size() && !(text[i + 1] >= 0x40 && text[i + 1] <= 0x7e && text[i + 1] != '[')) ++i;
      ++i;
      continue;
    }
    if (!is_utf8_continuation(text[i])) ++cells;
  }
  return cells;
}

std::string render_overall(const ProgressFrame& f) {
  std::uint64_t done = 0, total = 0;
  for (const TargetView& t : f.targets) {
    done += t.counts.done;
    total += t.counts.planned;
  }
  std::string eta;
  const std::optional<double> left = f.seconds_left();
  if (!left) {
    eta = "ETA - (a target has finished nothing lately)";
  } else if (done >= total) {
    eta = "done";
  } else if (const TargetView* slowest = f.slowest()) {
    eta = fmt::format("ETA {} ({} the slowest)", human_duration(*left), slowest->counts.target);
  } else {
    eta = "ETA " + human_duration(*left);
  }
  return fmt::format("elapsed {}  ·  {}/{} ({:.1f} %)  ·  {}", human_duration(f.elapsed_s), done, total,
                     share(done, total), eta);
}

std::vector<std::string> render_terminal(const ProgressFrame& f, bool color, std::size_t columns) {
  constexpr std::size_t kMaxBar = 30;
  constexpr std::size_t kMinBar = 5;
  const std::size_t room = columns > 1 ? columns - 1 : 0;  // the last column would wrap on some terminals
  std::uint64_t largest = 0;
  for (const TargetView& t : f.targets) largest = std::max(largest, t.counts.planned);
  const std::size_t count_width = fmt::formatted_size("{}", largest);
  // The widest line without a bar says how much room the bars have.
  std::size_t widest = 0;
  for (const TargetView& t : f.targets) widest = std::max(widest, display_width(render_bar(t, false, 0, count_width)));
  std::size_t bar_width = room > widest + 3 ? std::min(kMaxBar, room - widest - 3) : 0;
  if (bar_width < kMinBar) bar_width = 0;
  std::vector<std::string> lines;
  for (const TargetView& t : f.targets) lines.push_back(render_bar(t, color, bar_width, count_width));
  lines.push_back(render_overall(f));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (display_width(lines[i]) <= room) continue;
    // Cut without colour, at a code point's start.
    std::string plain = i < f.targets.size() ? render_bar(f.targets[i], false, bar_width, count_width) : lines[i];
    std::size_t cells = 0, at = 0;
    for (; at < plain.size(); ++at) {
      if (is_utf8_continuation(plain[at])) continue;
      if (cells++ == room) break;
    }
    plain.resize(at);
    lines[i] = std::move(plain);
  }
  return lines;
}

std::string render_log_line(const TargetView& t) {
  const TargetProgress& p = t.counts;
  return fmt::format("{} {}/{} {:.1f} % {:.1f}/s {} retries {} throttled {} failed {}{}{}", p.target, p.done, p.planned,
                     share(p.done, p.planned), t.rate, eta_text(t), p.retries, p.throttled, p.failed + p.skipped,
                     in_flight_text(t), p.stopped ? " STOPPED" : "");
}

std::string render_finished(const TargetView& t, double elapsed_s) {
  const TargetProgress& p = t.counts;
  std::string line = fmt::format("{} {} after {}: {} applied, {} failed, {} skipped", p.target,
                                 p.stopped ? "stopped" : "finished", human_duration(elapsed_s), p.applied, p.failed, p.skipped);
  if (p.absent > 0) line += fmt::format(", {} not in the target", p.absent);
  return line;
}

ProgressDisplay::ProgressDisplay(const ProgressBoard& board, std::ostream& out, ProgressDisplayOptions options)
    : board_(board),
      out_(out),
      options_(options),
      tracker_(std::chrono::steady_clock::now()),
      last_log_(std::chrono::steady_clock::now()),
      thread_([this] { loop(); }) {}

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

void ProgressDisplay::loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
    lock.unlock();
    draw(false);
    lock.lock();
  }
}

void ProgressDisplay::draw(bool final) {
  const auto targets = board_.snapshot();
  if (targets.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  const ProgressFrame frame = tracker_.update(now, targets);
  std::vector<std::string> finishes;
  if (frame.elapsed_s >= static_cast<double>(options_.finish_lines_after.count())) {
    for (std::size_t i : frame.finished) finishes.push_back(render_finished(frame.targets[i], frame.elapsed_s));
  }
  if (options_.terminal) {
    std::string block;
    if (drawn_lines_ > 0) block += fmt::format("\033[{}F", drawn_lines_);  // back to the block's first line
    // A finish takes a line above the block, where it stays; the block is drawn again below it.
    for (const auto& line : finishes) block += "\033[2K" + line + "\n";
    const auto lines = render_terminal(frame, /*color=*/true, terminal_columns());
    for (const auto& line : lines) block += "\033[2K" + line + "\n";
    drawn_lines_ = lines.size();
    out_ << block << std::flush;
    return;
  }
  const std::time_t wall = std::time(nullptr);
  std::tm tm{};
  localtime_r(&wall, &tm);
  for (const auto& line : finishes) out_ << fmt::format("{:%Y-%m-%d %H:%M:%S} {}\n", tm, line);
  if (!final && now - last_log_ < options_.log_interval) {
    out_ << std::flush;
    return;
  }
  last_log_ = now;
  logged_done_.resize(frame.targets.size(), ~std::uint64_t{0});
  bool moved = false;
  for (std::size_t i = 0; i < frame.targets.size(); ++i) {
    if (frame.targets[i].counts.done == logged_done_[i]) continue;
    logged_done_[i] = frame.targets[i].counts.done;
    moved = true;
    out_ << fmt::format("{:%Y-%m-%d %H:%M:%S} progress {}\n", tm, render_log_line(frame.targets[i]));
  }
  if (moved) out_ << fmt::format("{:%Y-%m-%d %H:%M:%S} progress {}\n", tm, render_overall(frame));
  out_ << std::flush;
}

}  // namespace hrsync
