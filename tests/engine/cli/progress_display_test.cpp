// The progress display's frames and lines, from board snapshots at given times: bars, the overall
// line with the run's ETA (its slowest target's), log lines, and a line when a target finishes.
#include "engine/cli/progress_display.h"

#include <gtest/gtest.h>

namespace hrsync {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kStart = Clock::time_point{} + 1h;

TargetProgress counts(std::string target, std::uint64_t total, std::uint64_t applied, std::uint64_t failed = 0,
                      std::uint64_t skipped = 0) {
  TargetProgress p;
  p.target = std::move(target);
  p.planned = total;
  p.applied = applied;
  p.failed = failed;
  p.skipped = skipped;
  p.done = applied + failed + skipped;
  return p;
}

TEST(ProgressTrackerTest, RatesEtasAndTheRunsEtaIsTheSlowestTargets) {
  ProgressTracker tracker(kStart);
  ProgressFrame f = tracker.update(kStart, {counts("contact_user", 1000, 0), counts("acs_card", 100, 0)});
  EXPECT_FALSE(f.seconds_left()) << "nothing finished yet: no ETA";

  // After 10 s: contact_user 100 done (10/s, 90 s left), acs_card 50 done (5/s, 10 s left).
  f = tracker.update(kStart + 10s, {counts("contact_user", 1000, 100), counts("acs_card", 100, 50)});
  EXPECT_DOUBLE_EQ(f.elapsed_s, 10);
  EXPECT_DOUBLE_EQ(f.targets[0].rate, 10);
  EXPECT_DOUBLE_EQ(*f.targets[0].seconds_left, 90);
  EXPECT_DOUBLE_EQ(*f.targets[1].seconds_left, 10);
  EXPECT_DOUBLE_EQ(*f.seconds_left(), 90);
  ASSERT_NE(f.slowest(), nullptr);
  EXPECT_EQ(f.slowest()->counts.target, "contact_user");
  EXPECT_TRUE(f.finished.empty());

  // acs_card finishes: said once, in the frame that sees it.
  f = tracker.update(kStart + 20s, {counts("contact_user", 1000, 200), counts("acs_card", 100, 98, 2)});
  EXPECT_EQ(f.finished, std::vector<std::size_t>{1});
  EXPECT_EQ(f.targets[1].seconds_left, 0.0);
  f = tracker.update(kStart + 21s, {counts("contact_user", 1000, 210), counts("acs_card", 100, 98, 2)});
  EXPECT_TRUE(f.finished.empty());
  EXPECT_DOUBLE_EQ(f.targets[1].rate, 5) << "a finished target keeps the rate it finished at";
}

TEST(ProgressTrackerTest, AStoppedTargetDoesNotHoldTheRunsEta) {
  ProgressTracker tracker(kStart);
  TargetProgress stopped = counts("sophon_person", 100, 0, 3);
  stopped.stopped = true;
  const ProgressFrame f = tracker.update(kStart + 10s, {counts("contact_user", 100, 50), stopped});
  EXPECT_DOUBLE_EQ(*f.seconds_left(), 10);
}

TEST(ProgressDisplayRenderTest, ABarShowsDoneTotalRateEtaAndFailures) {
  ProgressTracker tracker(kStart);
  TargetProgress p = counts("contact_user", 1000, 345, 3, 2);
  p.throttled = 4;
  const ProgressFrame f = tracker.update(kStart + 35s, {p});
  const std::string bar = render_bar(f.targets[0], /*color=*/false, /*bar_width=*/10);
  EXPECT_EQ(bar, "contact_user     [███▌░░░░░░]  35.0 %  350/1000    10.0/s  ETA 1 min 05 s   failed 5  throttled 4");
  EXPECT_EQ(render_bar(f.targets[0], false, 0, 7),
            "contact_user      35.0 %      350/1000       10.0/s  ETA 1 min 05 s   failed 5  throttled 4")
      << "no bar, counts on 7 digits";
  const std::string colored = render_bar(f.targets[0], /*color=*/true, 10);
  EXPECT_NE(colored.find("\033[31mfailed 5\033[0m"), std::string::npos) << colored;
  EXPECT_EQ(render_bar(tracker.update(kStart + 36s, {counts("contact_user", 1000, 360)}).targets[0], true, 10)
                .find("\033[31m"),
            std::string::npos)
      << "no red without failures";
}

TEST(ProgressDisplayRenderTest, TheTerminalBlockIsABarPerTargetAndTheOverallLine) {
  ProgressTracker tracker(kStart);
  TargetProgress stopped = counts("acs_card", 10, 2, 0, 8);
  stopped.stopped = true;
  const ProgressFrame f =
      tracker.update(kStart + 3725s, {counts("contact_user", 1000, 500), counts("attendance_face", 10, 10), stopped});
  const auto lines = render_terminal(f, false, 140);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find("[███████████████░░░░░░░░░░░░░░░]  50.0 %   500/1000"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("[██████████████████████████████] 100.0 %    10/10  "), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("done"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("stopped"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("STOPPED"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[3], "elapsed 1 h 02 min  ·  520/1020 (51.0 %)  ·  ETA 1 h 02 min (contact_user the slowest)");
}

TEST(ProgressDisplayRenderTest, EveryLineFitsTheTerminalSoARedrawInPlaceNeverWraps) {
  ProgressTracker tracker(kStart);
  TargetProgress busy = counts("attendance_face", 1'000'000, 412'345, 1'234, 5);
  busy.throttled = 17;
  busy.stopped = true;
  const ProgressFrame f = tracker.update(kStart + 3600s, {counts("contact_user", 1'000'000, 412'345), busy});
  for (std::size_t columns : {40u, 80u, 100u, 120u, 200u}) {
    const auto lines = render_terminal(f, /*color=*/true, columns);
    ASSERT_EQ(lines.size(), 3u);
    for (const auto& line : lines) EXPECT_LT(display_width(line), columns) << columns << ": " << line;
    const bool bars = lines[0].find("[") != std::string::npos;
    EXPECT_EQ(bars, columns >= 120) << columns << ": the bars go first when room is short: " << lines[0];
  }
  EXPECT_EQ(display_width("\033[31mfailed 5\033[0m █▌░"), 12u);
}

TEST(ProgressDisplayRenderTest, TheOverallLineSaysWhenTheEtaIsUnknownAndWhenAllIsDone) {
  ProgressTracker tracker(kStart);
  ProgressFrame f = tracker.update(kStart + 5s, {counts("contact_user", 10, 5), counts("acs_card", 10, 0)});
  EXPECT_EQ(render_overall(f), "elapsed 5.0 s  ·  5/20 (25.0 %)  ·  ETA - (a target has finished nothing lately)");
  f = tracker.update(kStart + 10s, {counts("contact_user", 10, 10), counts("acs_card", 10, 10)});
  EXPECT_EQ(render_overall(f), "elapsed 10 s  ·  20/20 (100.0 %)  ·  done");
}

TEST(ProgressDisplayRenderTest, TheLinesShowTheRequestsInFlightOfTheCap) {
  ProgressTracker tracker(kStart);
  TargetProgress p = counts("attendance_face", 2000, 400);
  p.in_flight = 11;
  p.concurrency = 16;
  p.concurrency_peak = 16;
  p.concurrency_auto = true;
  TargetProgress fixed = counts("acs_card", 100, 40);
  fixed.in_flight = 3;
  fixed.concurrency = 3;
  fixed.concurrency_peak = 3;
  const ProgressFrame f = tracker.update(kStart + 10s, {p, fixed});
  EXPECT_NE(render_log_line(f.targets[0]).find("in flight 11/16 auto"), std::string::npos) << render_log_line(f.targets[0]);
  EXPECT_NE(render_log_line(f.targets[1]).find("in flight 3/3"), std::string::npos);
  EXPECT_EQ(render_log_line(f.targets[1]).find("auto"), std::string::npos);
  const auto lines = render_terminal(f, /*color=*/false, 200);
  EXPECT_NE(lines[0].find("in flight 11/16 auto"), std::string::npos) << lines[0];
}

TEST(ProgressDisplayRenderTest, LogAndFinishLinesArePlainText) {
  ProgressTracker tracker(kStart);
  TargetProgress p = counts("acs_card", 100, 40, 1, 1);
  p.retries = 7;
  p.throttled = 2;
  ProgressFrame f = tracker.update(kStart + 21s, {p});
  EXPECT_EQ(render_log_line(f.targets[0]), "acs_card 42/100 42.0 % 2.0/s ETA 29 s retries 7 throttled 2 failed 2");
  f = tracker.update(kStart + 725s, {counts("acs_card", 100, 98, 2)});
  ASSERT_EQ(f.finished, std::vector<std::size_t>{0});
  EXPECT_EQ(render_finished(f.targets[0], f.elapsed_s), "acs_card finished after 12 min 05 s: 98 applied, 2 failed, 0 skipped");
  TargetProgress lacking = counts("acs_card", 100, 95, 2);
  lacking.absent = 3;
  lacking.done += 3;
  f = tracker.update(kStart + 726s, {lacking});
  EXPECT_EQ(render_finished(f.targets[0], f.elapsed_s),
            "acs_card finished after 12 min 06 s: 95 applied, 2 failed, 0 skipped, 3 not in the target");
  for (const std::string& line : {render_log_line(f.targets[0]), render_finished(f.targets[0], f.elapsed_s)}) {
    EXPECT_EQ(line.find('\033'), std::string::npos) << "no terminal codes in a log: " << line;
  }
}

}  // namespace
}  // namespace hrsync
