// The metrics file of a sync against the emulator: it passes promtool's strict check, its figures
// are the run's report's, it is rewritten while a run goes on, and a gate stop shows in it.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/exposition.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

namespace fs = std::filesystem;
using testing_support::parse_samples;
using testing_support::promtool_check;
using testing_support::Samples;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

emulator::FaultRule fault(std::string_view spec) {
  auto rule = emulator::parse_fault_rule(spec);
  EXPECT_TRUE(rule) << spec;
  return rule.value_or(emulator::FaultRule{});
}

class MetricsTest : public SyncHarness {
 protected:
  MetricsTest() {
    fs::create_directories(dir_.file("textfile"));
    metrics_ = dir_.file("textfile/hrsync-tenant-a.prom");
    spec_.job_extra = "name = \"tenant-a\"\nmetrics_file = \"" + metrics_ + "\"\n";
  }

  // The metrics file, checked by promtool, parsed.
  Samples checked_metrics() {
    const std::string text = read_file(metrics_);
    EXPECT_FALSE(text.empty()) << metrics_;
    const auto check = promtool_check(text);
    EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << text;
    EXPECT_EQ(check.output, "") << text;
    Samples s = parse_samples(text);
    EXPECT_FALSE(s.bad) << *s.bad;
    return s;
  }

  // The run's report file as JSON.
  json::object report(std::int64_t run_id) {
    const std::string text = read_file(spec_.report_dir + "/run-" + std::to_string(run_id) + ".json");
    return json::parse(text).as_object();
  }

  static std::string series(std::string_view name, std::string_view target = {}) {
    if (target.empty()) return fmt::format("{}{{job=\"tenant-a\"}}", name);
    return fmt::format("{}{{job=\"tenant-a\",target=\"{}\"}}", name, target);
  }

  std::string metrics_;
};

TEST_F(MetricsTest, AfterASyncTheFilePassesPromtoolAndHoldsTheReportsFigures) {
  emulator::EmulatorOptions o;
  o.faults = {fault("internal=every:7@attendance_face")};  // retries on one target
  o.acs_rate = {{30, 1}};                                  // the job sends 50/s: throttled answers
  ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));
  // A colleague the tenant holds and the export does not, whose mobile another row now gives: a
  // failure (41001). (A person no platform holds would be absent, no failure.)
  const Employee colleague = employees_.back();
  employees_.pop_back();
  const std::string mobile = cell(employees_[5], "mobile");
  cell(employees_[5], "mobile") = cell(colleague, "mobile");

  const SyncRun run = sync();
  ASSERT_EQ(run.exit_code, kExitSomeFailed) << run.err << run.out;
  const Samples m = checked_metrics();
  const json::object r = report(run.run_id);
  ASSERT_EQ(r.at("targets").as_array().size(), 5u);
  std::uint64_t retries = 0, throttled = 0, failed = 0;
  for (const auto& tv : r.at("targets").as_array()) {
    const json::object& t = tv.as_object();
    const std::string id(t.at("id").as_string());
    SCOPED_TRACE(id);
    EXPECT_EQ(m.get(series("hrsync_entities_planned", id)), t.at("planned").to_number<double>());
    EXPECT_EQ(m.get(series("hrsync_entities_applied_total", id)), t.at("applied").to_number<double>());
    EXPECT_EQ(m.get(series("hrsync_entities_failed_total", id)), t.at("failed").to_number<double>());
    EXPECT_EQ(m.get(series("hrsync_entities_skipped_total", id)), t.at("skipped").to_number<double>());
    EXPECT_EQ(m.get(series("hrsync_entities_absent_total", id)), t.at("absent").to_number<double>());
    ASSERT_TRUE(t.contains("concurrency")) << json::serialize(t);
    EXPECT_EQ(m.get(series("hrsync_concurrency", id)), t.at("concurrency").at("cap").to_number<double>());
    EXPECT_EQ(m.get(series("hrsync_concurrency_peak", id)), t.at("concurrency").at("peak").to_number<double>());
    EXPECT_GT(m.get(series("hrsync_concurrency_peak", id)), 0);
    EXPECT_EQ(m.get(series("hrsync_retries_total", id)), t.at("retries").to_number<double>());
    EXPECT_EQ(m.get(series("hrsync_throttled_total", id)), t.at("throttled").to_number<double>());
    EXPECT_EQ(m.get(series("hrsync_target_quarantined", id)), t.at("quarantined").as_string().empty() ? 0 : 1);
    retries += t.at("retries").to_number<std::uint64_t>();
    throttled += t.at("throttled").to_number<std::uint64_t>();
    failed += t.at("failed").to_number<std::uint64_t>();
  }
  EXPECT_GT(retries, 0u) << "the comparison covers retries";
  EXPECT_GT(throttled, 0u) << "the comparison covers throttled answers";
  EXPECT_EQ(failed, 1u) << "the taken mobile fails on contact_user";
  EXPECT_EQ(m.get(series("hrsync_run_exit_code")), r.at("exit_code").to_number<double>());
  EXPECT_EQ(m.get(series("hrsync_run_in_progress")), 0);
  EXPECT_EQ(m.get(series("hrsync_gate_trips_total")), 0);
  EXPECT_GE(m.get(series("hrsync_run_start_timestamp_seconds")).value_or(0), r.at("started_at").to_number<double>() - 1);
  EXPECT_FALSE(m.get(series("hrsync_last_success_timestamp_seconds"))) << "no run has succeeded yet";

  // The mobile is fixed: the next run has nothing to fail, and is the last success.
  cell(employees_[5], "mobile") = mobile;
  const SyncRun next = sync();
  ASSERT_EQ(next.exit_code, kExitOk) << next.err << next.out;
  const Samples m2 = checked_metrics();
  EXPECT_EQ(m2.get(series("hrsync_run_exit_code")), 0);
  EXPECT_EQ(m2.get(series("hrsync_last_success_timestamp_seconds")), report(next.run_id).at("finished_at").to_number<double>());
}

TEST_F(MetricsTest, ALongRunRewritesTheFileWhileItGoesOn) {
  emulator::EmulatorOptions o;
  o.latency_min_ms = 20;  // every answer takes 20-30 ms: the run outlasts many 5 ms periods
  o.latency_max_ms = 30;
  ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));
  std::vector<std::string> written;
  hooks_.metrics_interval = std::chrono::milliseconds(5);
  hooks_.on_metrics = [&](const std::string& text) { written.push_back(text); };

  const SyncRun run = sync();
  ASSERT_EQ(run.exit_code, kExitOk) << run.err;
  ASSERT_GE(written.size(), 2u) << "at least one file during the run and one at its end";
  EXPECT_EQ(written.back(), read_file(metrics_)) << "the last text written is the file";
  const Samples during = parse_samples(written.front());
  const auto check = promtool_check(written.front());
  EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << written.front();
  EXPECT_EQ(during.get(series("hrsync_run_in_progress")), 1);
  EXPECT_FALSE(during.get(series("hrsync_run_exit_code"))) << "no exit code while running";
  const Samples after = checked_metrics();
  EXPECT_EQ(after.get(series("hrsync_run_in_progress")), 0);
  EXPECT_EQ(after.get(series("hrsync_run_exit_code")), 0);
  for (const std::string& id : target_names()) {
    const auto mid = during.get(series("hrsync_entities_applied_total", id));
    const auto end = after.get(series("hrsync_entities_applied_total", id));
    ASSERT_TRUE(mid && end) << id;
    EXPECT_LE(*mid, *end) << id << ": a counter only grows within a run";
  }
}

TEST_F(MetricsTest, AGateStopShowsAsAGateTripAndExitCode3) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  const SyncRun first = sync();
  ASSERT_EQ(first.exit_code, kExitOk) << first.err;
  const double first_end = report(first.run_id).at("finished_at").to_number<double>();
  employees_.resize(employees_.size() / 2);  // half the people gone: the missing-ratio gate trips

  const SyncRun gated = sync();
  ASSERT_EQ(gated.exit_code, kExitGate) << gated.err << gated.out;
  const Samples m = checked_metrics();
  EXPECT_GE(m.get(series("hrsync_gate_trips_total")).value_or(0), 1);
  EXPECT_EQ(m.get(series("hrsync_run_exit_code")), kExitGate);
  EXPECT_EQ(m.get(series("hrsync_entities_applied_total", "contact_user")), 0);
  EXPECT_EQ(m.get(series("hrsync_last_success_timestamp_seconds")), first_end) << "the last success is the first run";
}

}  // namespace
}  // namespace hrsync::integration
