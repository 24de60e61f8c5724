// Honest stops: real signals sent to a real `hrsync sync` mid-run, a closed stdout, a kill -9.
#include <signal.h>

#include <filesystem>
#include <map>

#include "tests/process/process_harness.h"

namespace hrsync::process {
namespace {

std::string signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "SIGQUIT";
}

struct Totals {
  std::int64_t applied = 0, failed = 0, skipped = 0, not_sent = 0, planned = 0;
};

std::map<std::string, Totals> totals_in(const json::object& report) {
  std::map<std::string, Totals> out;
  for (const auto& v : report.at("targets").as_array()) {
    const auto& t = v.as_object();
    out[std::string(t.at("id").as_string())] = Totals{t.at("applied").as_int64(), t.at("failed").as_int64(),
                                                      t.at("skipped").as_int64(), t.at("not_sent").as_int64(),
                                                      t.at("planned").as_int64()};
  }
  return out;
}

class StopTest : public ProcessHarness {
 protected:
  // Starts a sync against a slow emulator and waits until it has sent `calls` business calls.
  Started start_slow_sync(std::uint64_t calls = 10) {
    start_emulator({"--latency-ms", "400..400"});
    Started s = start_hrsync();
    while (business_requests() < calls && s.child->running()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_TRUE(s.child->running()) << "the run ended before it could be stopped: " << s.err();
    return s;
  }

  json::object report_file(int run) {
    const std::string path = dir_.file("var/reports/run-" + std::to_string(run) + ".json");
    boost::system::error_code ec;
    json::value v = json::parse(slurp(path), ec);
    EXPECT_FALSE(ec) << path << " does not parse: " << ec.message();
    return v.is_object() ? v.as_object() : json::object{};
  }
};

class SignalTest : public StopTest, public ::testing::WithParamInterface<int> {};

TEST_P(SignalTest, StopsCleanlyRecordsTheRunAsInterruptedAndARerunConverges) {
  const int sig = GetParam();
  const std::string name = signal_name(sig);
  Started run = start_slow_sync();
  run.child->signal(sig);
  const ChildExit exit = run.child->wait();
  EXPECT_EQ(exit.signal, 0) << "killed by the signal instead of stopping";
  EXPECT_EQ(exit.code, 128 + sig) << run.err();
  EXPECT_TRUE(contains(run.err(), "interrupted by " + name)) << run.err();

  const json::object report = report_file(1);
  EXPECT_EQ(report.at("status").as_string(), "interrupted");
  EXPECT_EQ(report.at("exit_code").as_int64(), 128 + sig);
  EXPECT_EQ(report.at("interrupted_by").as_string(), name);
  std::int64_t applied = 0, not_sent = 0;
  for (const auto& [target, t] : totals_in(report)) {
    EXPECT_EQ(t.applied + t.failed + t.skipped + t.not_sent, t.planned) << target;
    applied += t.applied;
    not_sent += t.not_sent;
  }
  EXPECT_GT(not_sent, 0) << "the run was stopped early; some entities were never sent";
  EXPECT_TRUE(contains(run.out(), "Interrupted by " + name)) << run.out();

  const Finished shown = run_hrsync({"report"});
  EXPECT_EQ(shown.exit.code, 0) << shown.err;
  EXPECT_TRUE(contains(shown.out, "status interrupted, exit code " + std::to_string(128 + sig))) << shown.out;
  EXPECT_TRUE(contains(shown.out, "Interrupted by " + name + ": " + std::to_string(applied) + " applied")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "not sent")) << shown.out;
  EXPECT_FALSE(contains(shown.out, "Everything applied")) << shown.out;

  const Finished rerun = run_hrsync();
  EXPECT_EQ(rerun.exit.code, 0) << rerun.err;
  for (const auto& [target, t] : totals_in(report_file(2))) {
    EXPECT_EQ(t.failed + t.skipped + t.not_sent, 0) << target;
  }
  const Finished after = run_hrsync();
  EXPECT_EQ(after.exit.code, 0) << after.err;
  for (const auto& [target, t] : totals_in(report_file(3))) EXPECT_EQ(t.planned, 0) << target << ": converged";
}

INSTANTIATE_TEST_SUITE_P(EachStopSignal, SignalTest, ::testing::Values(SIGINT, SIGTERM, SIGHUP, SIGQUIT),
                         [](const ::testing::TestParamInfo<int>& p) { return signal_name(p.param); });

TEST_F(StopTest, AClosedStdoutDoesNotStopTheRun) {
  start_emulator();
  Started run = start_hrsync({"sync", "--no-progress"}, /*stdout_pipe=*/true);
  run.child->close_read_end();  // `hrsync sync | head` whose head has gone
  const ChildExit exit = run.child->wait();
  EXPECT_EQ(exit.signal, 0) << "killed (SIGPIPE?)";
  EXPECT_EQ(exit.code, 0) << run.err();
  const json::object report = report_file(1);
  EXPECT_EQ(report.at("status").as_string(), "ok");
  for (const auto& [target, t] : totals_in(report)) EXPECT_EQ(t.applied, t.planned) << target;
  const Finished shown = run_hrsync({"report"});
  EXPECT_TRUE(contains(shown.out, "status ok, exit code 0")) << shown.out;
}

TEST_F(StopTest, ARunKilledOutrightIsShownAbandonedByTheNextRunAndByReport) {
  Started run = start_slow_sync();
  run.child->signal(SIGKILL);
  EXPECT_EQ(run.child->wait().signal, SIGKILL);

  const Finished shown = run_hrsync({"report"});
  EXPECT_EQ(shown.exit.code, 0) << shown.err;
  EXPECT_TRUE(contains(shown.err, "run 1 was still marked running")) << shown.err;
  EXPECT_TRUE(contains(shown.out, "status abandoned")) << shown.out;
  EXPECT_TRUE(contains(shown.out, "The run was abandoned")) << shown.out;
  EXPECT_FALSE(contains(shown.out, "Everything applied")) << shown.out;

  const Finished rerun = run_hrsync();
  EXPECT_EQ(rerun.exit.code, 0) << rerun.err;
}

TEST_F(StopTest, TheNextSyncMarksARunLeftRunningAbandonedAndSaysSo) {
  Started run = start_slow_sync();
  run.child->signal(SIGKILL);
  EXPECT_EQ(run.child->wait().signal, SIGKILL);

  const Finished rerun = run_hrsync();
  EXPECT_EQ(rerun.exit.code, 0) << rerun.err;
  EXPECT_TRUE(contains(rerun.err, "run 1 was still marked running")) << rerun.err;
  EXPECT_TRUE(contains(rerun.err, "now marked abandoned")) << rerun.err;
  const Finished shown = run_hrsync({"report", "--run", "1"});
  EXPECT_TRUE(contains(shown.out, "status abandoned")) << shown.out;
}

// A run killed outright in the middle of the creates, and run again: each create re-sent carries
// the client_token of the first, so the directory holds one user per user_id (the emulator counts
// the users each create made, per user_id).
TEST_F(StopTest, ARunKilledDuringTheCreatesAndRunAgainMakesNoSecondUser) {
  spec_.targets = {{.id = "contact_user", .rate = {"50/s"}, .concurrency = 4, .extra = "on_new = \"create\"\n"}};
  spec_.job_extra = "max_create = 100\n";
  start_emulator({"--latency-ms", "300..300", "--fixture-absent", "0.5", "--fixture-every-member"});
  const auto creates = [&] {
    const json::object s = stats();
    const json::value* ops = s.if_contains("operations");
    const json::value* n = ops != nullptr ? ops->as_object().if_contains("create") : nullptr;
    return n != nullptr ? n->to_number<std::uint64_t>() : 0;
  };
  Started run = start_hrsync({"sync", "--no-progress", "--read"});
  while (creates() < 6 && run.child->running()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(run.child->running()) << "the run ended before it could be killed: " << run.err();
  run.child->signal(SIGKILL);
  EXPECT_EQ(run.child->wait().signal, SIGKILL);
  const std::uint64_t before = creates();

  const Finished rerun = run_hrsync();
  EXPECT_EQ(rerun.exit.code, 0) << rerun.out << rerun.err;
  const Finished again = run_hrsync();
  EXPECT_EQ(again.exit.code, 0) << again.out << again.err;
  const json::object s = stats();
  const json::object& created = s.at("created").at("contact_user").as_object();
  EXPECT_GE(created.size(), 20u) << json::serialize(created);  // about half of the 60 were absent
  EXPECT_GT(creates(), before) << "the rerun sent the creates left";
  EXPECT_EQ(s.at("entities").at("contact_user").to_number<std::size_t>(), employees_.size()) << "one user per row";
  for (const auto& [user_id, n] : created) {
    EXPECT_EQ(n.to_number<int>(), 1) << user_id << " was created more than once";
    EXPECT_EQ(std::string_view(user_id).substr(0, 1), "u") << user_id << ": a user made without its HR user_id";
  }
}

}  // namespace
}  // namespace hrsync::process
