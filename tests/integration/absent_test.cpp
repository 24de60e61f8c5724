// An update answered with the target's not-found code, end to end against the emulator: the
// entity is absent, not failed (exit 0, no quarantine), the report lists it under "Not in the
// target" with its source line, the snapshot does not record it, and the store remembers it
// absent: the next run sends it nothing (on_new = "skip") or creates it (on_new = "create"), and a
// run that reads a target holding it takes it in.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "engine/run/exit_code.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class AbsentTest : public SyncHarness {
 protected:
  AbsentTest() {
    emulator::FixtureVariation v;
    v.absent_share = 0.1;  // 6 of the 60 people: on no platform
    v.seed = 3;
    variation_ = v;
  }

  // The targets whose entities are people (contact_group's are groups).
  static std::vector<std::string> person_targets() {
    return {"contact_user", "attendance_face", "acs_card", "sophon_person"};
  }

  // The key of the person `employee_no` names on `target`.
  std::string key_on(std::string_view target, const std::string& employee_no) const {
    if (target != "contact_user" && target != "acs_card") return employee_no;
    for (const Employee& e : employees_) {
      if (cell(e, "employee_no") == employee_no) return cell(e, "user_id");
    }
    return employee_no;
  }

  // Outcomes of `run` on `target` for the absent people.
  std::size_t outcomes_of_absent(const SyncRun& run, std::string_view target) const {
    std::size_t n = 0;
    for (const std::string& key : varied_.absent) n += run.outcome(target, key_on(target, key)) != nullptr ? 1 : 0;
    return n;
  }

  // The one JSON report the runs so far wrote last.
  json::object last_report() const {
    fs::path newest;
    for (const auto& entry : fs::directory_iterator(spec_.report_dir)) {
      if (entry.path().extension() == ".json" && (newest.empty() || entry.path().filename() > newest.filename())) {
        newest = entry.path();
      }
    }
    return json::parse(read_file(newest)).as_object();
  }

  static SyncCommand without_read() {
    SyncCommand c;
    c.no_read = true;
    return c;
  }
};

TEST_F(AbsentTest, AnUpdateAnsweredNotFoundIsAbsentNotAFailureAndNotSentAgain) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(varied_.absent.size(), 6u);
  const SyncRun first = sync(without_read());
  ASSERT_EQ(first.exit_code, kExitOk) << first.out << first.err;
  for (const std::string& target : person_targets()) {
    for (const std::string& person : varied_.absent) {
      const std::string key = key_on(target, person);
      const OutcomeRow* o = first.outcome(target, key);
      ASSERT_NE(o, nullptr) << target << " " << key;
      EXPECT_EQ(o->status, "absent") << target << " " << key << ": " << o->code << " " << o->message;
      EXPECT_EQ(o->attempts, 1) << target << " " << key;
      EXPECT_FALSE(snapshot_document(target, key).has_value()) << target << " " << key;
    }
    EXPECT_EQ(first.count(target, "failed"), 0u) << target;
    EXPECT_EQ(first.count(target, "applied"), employees_.size() - varied_.absent.size()) << target;
  }
  EXPECT_TRUE(contains(first.out, "Not in the target (24)")) << first.out;
  EXPECT_TRUE(contains(first.out, "employees.csv:")) << first.out;
  EXPECT_FALSE(contains(first.out, "quarantined")) << first.out;

  const json::object report = last_report();
  EXPECT_EQ(report.at("exit_code").to_number<int>(), kExitOk);
  for (const json::value& t : report.at("targets").as_array()) {
    const json::object& target = t.as_object();
    if (target.at("id").as_string() == "contact_group") continue;
    EXPECT_EQ(target.at("absent").to_number<int>(), 6) << json::serialize(target);
    EXPECT_EQ(target.at("failed").to_number<int>(), 0) << json::serialize(target);
    const json::array& listed = target.at("not_in_target").as_array();
    ASSERT_EQ(listed.size(), 6u) << json::serialize(target);
    for (const json::value& e : listed) EXPECT_TRUE(contains(e.at("where").as_string(), "employees.csv:")) << e;
  }

  // The next run without a read sends them nothing, and says why.
  const SyncRun second = sync(without_read());
  ASSERT_EQ(second.exit_code, kExitOk) << second.out << second.err;
  for (const std::string& target : person_targets()) EXPECT_EQ(outcomes_of_absent(second, target), 0u) << target;
  EXPECT_TRUE(contains(second.out, "Not in the target (24)")) << second.out;
  EXPECT_TRUE(contains(second.out, "employees.csv:")) << second.out;
}

TEST_F(AbsentTest, ARunThatReadsATargetHoldingThemNowTakesThemIn) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  const SyncRun first = sync(without_read());
  ASSERT_EQ(first.exit_code, kExitOk) << first.out << first.err;
  // Someone created them on every platform: the emulator now holds the whole export.
  variation_.reset();
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  // HR changed a name meanwhile, so each of them has an update to send.
  for (Employee& e : employees_) {
    for (const std::string& key : varied_.absent) {
      if (cell(e, "employee_no") == key) cell(e, "name") += " Jr";
    }
  }
  SyncCommand read;
  read.read = true;
  read.force = true;  // the new emulator's fixture differs from what was applied: past max_change_ratio
  const SyncRun second = sync(read);
  ASSERT_EQ(second.exit_code, kExitOk) << second.out << second.err;
  for (const std::string target : {"contact_user", "sophon_person"}) {
    for (const std::string& person : varied_.absent) {
      const std::string key = key_on(target, person);
      const OutcomeRow* o = second.outcome(target, key);
      ASSERT_NE(o, nullptr) << target << " " << key << "\n" << second.out;
      EXPECT_EQ(o->status, "applied") << target << " " << key << ": " << o->message;
      EXPECT_TRUE(snapshot_document(target, key).has_value()) << target << " " << key;
    }
  }
  for (const std::string target : {"attendance_face", "acs_card"}) {
    for (const std::string& person : varied_.absent) {
      EXPECT_TRUE(snapshot_document(target, key_on(target, person)).has_value()) << target << " " << person;
    }
  }
  EXPECT_FALSE(contains(second.out, "Not in the target")) << second.out;
}

TEST_F(AbsentTest, WithOnNewCreateTheNextRunCreatesWhatAnUpdateFoundAbsent) {
  for (TargetSpec& t : spec_.targets) {
    if (t.id == "contact_user") t.extra += "on_new = \"create\"\n";
  }
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  const SyncRun first = sync(without_read());
  ASSERT_EQ(first.exit_code, kExitOk) << first.out << first.err;
  for (const std::string& person : varied_.absent) {
    const OutcomeRow* o = first.outcome("contact_user", key_on("contact_user", person));
    ASSERT_NE(o, nullptr) << person;
    EXPECT_EQ(o->status, "absent") << person << ": " << o->message;
  }
  const SyncRun second = sync(without_read());
  ASSERT_EQ(second.exit_code, kExitOk) << second.out << second.err;
  for (const std::string& person : varied_.absent) {
    const std::string key = key_on("contact_user", person);
    const OutcomeRow* o = second.outcome("contact_user", key);
    ASSERT_NE(o, nullptr) << person << "\n" << second.out;
    EXPECT_EQ(o->action, "create") << person;
    EXPECT_EQ(o->status, "applied") << person << ": " << o->message;
    EXPECT_EQ(stats().at("created").at("contact_user").at(key).to_number<int>(), 1) << key;
  }
  const SyncRun third = sync(without_read());
  ASSERT_EQ(third.exit_code, kExitOk) << third.out << third.err;
  EXPECT_EQ(outcomes_of_absent(third, "contact_user"), 0u) << third.out;
}

}  // namespace
}  // namespace hrsync::integration
