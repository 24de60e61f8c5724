// Reads before the diff, end to end against the emulator (engine/run/target_reader.h,
// engine/plan/read_planning.h): a box's blacklist survives a first run, an edit made in the console
// is seen as drift and repaired with exactly one call, and a read that fails sends its target
// nothing while the other targets apply.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "emulator/fault_plan.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

std::uint64_t operations(const json::object& stats, std::string_view kind) {
  const json::object& ops = stats.at("operations").as_object();
  const json::value* v = ops.if_contains(kind);
  return v != nullptr ? v->to_number<std::uint64_t>() : 0;
}

class ReadTest : public SyncHarness {};

TEST_F(ReadTest, ABlacklistedPersonWithAnEmptyPersonTypeStaysBlacklistedOnTheFirstRun) {
  cell(employees_[3], "person_type") = "";
  start_emulator();
  const std::string key = cell(employees_[3], "employee_no");
  ASSERT_EQ(emu_->edit("sophon_person", key, R"({"type":3})"), "");

  SyncCommand read;
  read.read = true;
  SyncRun run = sync(read);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(contains(run.err, "sophon_person: read")) << run.err;
  const json::object box = state().at("sophon_person").as_object();
  // Written or not, the person the box holds is still type 3.
  if (const json::value* person = box.if_contains(key)) {
    EXPECT_EQ(person->at("info").at("type").to_number<int>(), 3) << json::serialize(*person);
  }
  auto plan = prepare();
  ASSERT_TRUE(plan.has_value()) << plan.error().str();
  auto doc = snapshot_document("sophon_person", key);
  ASSERT_TRUE(doc.has_value());
  EXPECT_TRUE(contains(*doc, R"("type":3)")) << *doc;
}

TEST_F(ReadTest, AnEditInTheConsoleIsDriftAndSyncReadSendsExactlyThatRepair) {
  start_emulator();
  SyncCommand read;
  read.read = true;
  SyncRun first = sync(read);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  ASSERT_EQ(emu_->edit("contact_user", cell(employees_[5], "user_id"), R"({"job_title":"Edited in the console"})"),
            "");

  SyncRun repair = [&] {
    const std::uint64_t updates_before = operations(stats(), "update");
    SyncRun r = sync(read);
    EXPECT_EQ(operations(stats(), "update") - updates_before, 1u) << r.out << r.err;
    return r;
  }();
  ASSERT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  EXPECT_TRUE(contains(repair.out, "Drift (1 fields)")) << repair.out;
  EXPECT_TRUE(contains(repair.out, "target Edited in the console")) << repair.out;
  ASSERT_EQ(repair.count("contact_user", "applied"), 1u);
  EXPECT_EQ(repair.outcomes.front().key, cell(employees_[5], "user_id"));
  const json::object users = state().at("contact_user").as_object();
  EXPECT_EQ(users.at(cell(employees_[5], "user_id")).at("job_title").as_string(), cell(employees_[5], "job_title"));

  // The run's report says what the read found.
  const std::size_t at = repair.out.find("Report: ");
  ASSERT_NE(at, std::string::npos) << repair.out;
  const std::string path = repair.out.substr(at + 8, repair.out.find('\n', at) - at - 8);
  std::ifstream in(path);
  const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(contains(report, R"("read":{"absent":0,"drifted":1,"requests":2,"throttled":0})")) << report;

  // Repaired: the next read finds nothing to do.
  SyncRun calm = sync(read);
  EXPECT_EQ(calm.exit_code, 0);
  EXPECT_EQ(calm.outcomes.size(), 0u) << calm.out;
}

TEST_F(ReadTest, AReadThatFailsMidwaySendsThatTargetNothingSaysWhyAndTheOthersApply) {
  emulator::EmulatorOptions options;
  emulator::FaultRule down;
  down.kind = emulator::FaultKind::kInternal;
  down.endpoint = "acs_card.read";
  down.from_s = 0.6;
  options.faults.push_back(down);
  start_emulator(std::move(options));
  // The access-control reads (60 users, one a call, 50/s here) fail from 0.6 s on: midway, or from
  // the start on a slow machine. The read gives up (retries spent), no card is written, and the
  // other targets apply.
  SyncCommand read;
  read.read = true;
  SyncRun run = sync(read);
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_TRUE(contains(run.err, "acs_card: the read failed")) << run.err;
  EXPECT_TRUE(contains(run.out, "not synced: its read failed")) << run.out;
  EXPECT_EQ(run.count("acs_card", "applied") + run.count("acs_card", "failed"), 0u);
  EXPECT_GT(run.count("attendance_face", "applied"), 0u);
  EXPECT_EQ(operations(stats(), "update") - run.count("contact_user", "applied") - run.count("contact_group", "applied") -
                run.count("attendance_face", "applied") - run.count("sophon_person", "applied"),
            0u);
}

}  // namespace
}  // namespace hrsync::integration
