// Creating what a target lacks, end to end against the emulator (docs/api-notes.md, "Creating what
// a target lacks"): new hires absent from every platform are created once by each target whose
// on_new says "create" and that can create, and a second run sends them nothing; with on_new =
// "skip" they cost no call; more creates than job.max_create stop the run before any write.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "engine/run/exit_code.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

std::uint64_t operations(const json::object& stats, std::string_view kind) {
  const json::object& ops = stats.at("operations").as_object();
  const json::value* v = ops.if_contains(kind);
  return v != nullptr ? v->to_number<std::uint64_t>() : 0;
}

class CreateTest : public SyncHarness {
 protected:
  CreateTest() {
    emulator::FixtureVariation v;
    v.absent_share = 0.1;  // 6 of the 60 people: on no platform
    v.seed = 3;
    variation_ = v;
  }

  void create_on(std::string_view id, std::string extra = {}) {
    for (TargetSpec& t : spec_.targets) {
      if (t.id == id) t.extra += "on_new = \"create\"\n" + extra;
    }
  }

  void create_everywhere() {
    create_on("contact_user");
    create_on("contact_group");
    create_on("sophon_person", "group_name = \"staff\"\n");
  }

  // Gives every absent person a photo (the box creates no person without one).
  void photos_for_absent() {
    namespace fs = std::filesystem;
    fs::create_directories(dir_.path() / "photos");
    fs::copy_file(fs::path(HRSYNC_SAMPLES_DIR) / "photos" / "E0001.jpg", dir_.path() / "photos" / "E0001.jpg",
                  fs::copy_options::overwrite_existing);
    for (Employee& e : employees_) {
      for (const std::string& key : varied_.absent) {
        if (cell(e, "employee_no") == key) cell(e, "photo") = "photos/E0001.jpg";
      }
    }
  }

  // The user_id of the person `employee_no` names (the fixture's key of a person).
  std::string user_id_of(const std::string& employee_no) const {
    for (const Employee& e : employees_) {
      if (cell(e, "employee_no") == employee_no) return cell(e, "user_id");
    }
    return employee_no;
  }

  // Outcomes of this run on `target` for the absent people.
  std::size_t outcomes_of_absent(const SyncRun& run, std::string_view target) const {
    std::size_t n = 0;
    for (const std::string& key : varied_.absent) {
      const std::string k = target == "contact_user" || target == "acs_card" ? user_id_of(key) : key;
      if (run.outcome(target, k) != nullptr) ++n;
    }
    return n;
  }
};

TEST_F(CreateTest, NewHiresAreCreatedOncePerPlatformThatCreatesAndASecondRunSendsThemNothing) {
  create_everywhere();
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(varied_.absent.size(), 6u);
  photos_for_absent();
  SyncCommand read;
  read.read = true;
  const SyncRun first = sync(read);
  ASSERT_EQ(first.exit_code, kExitOk) << first.out << first.err;
  EXPECT_TRUE(contains(first.out, "create")) << first.out;
  const json::object after_first = stats();
  // One create per person on the directory and on the box; nothing on the targets with no create.
  EXPECT_EQ(operations(after_first, "create"), 12u) << json::serialize(after_first);
  for (const std::string& key : varied_.absent) {
    const OutcomeRow* user = first.outcome("contact_user", user_id_of(key));
    ASSERT_NE(user, nullptr) << key;
    EXPECT_EQ(user->action, "create");
    EXPECT_EQ(user->status, "applied") << user->message;
    const OutcomeRow* person = first.outcome("sophon_person", key);
    ASSERT_NE(person, nullptr) << key;
    EXPECT_EQ(person->action, "create");
    EXPECT_EQ(person->status, "applied") << person->message;
    EXPECT_EQ(after_first.at("created").at("contact_user").at(user_id_of(key)).to_number<int>(), 1) << key;
  }
  EXPECT_EQ(outcomes_of_absent(first, "acs_card"), 0u);
  EXPECT_EQ(outcomes_of_absent(first, "attendance_face"), 0u);
  const json::object users = state().at("contact_user").as_object();
  for (const std::string& key : varied_.absent) EXPECT_TRUE(users.contains(user_id_of(key))) << key;

  // The second run: the directory and the box hold them; nothing is created again.
  const SyncRun second = sync(read);
  ASSERT_EQ(second.exit_code, kExitOk) << second.out << second.err;
  EXPECT_EQ(operations(stats(), "create"), 12u);
  EXPECT_EQ(outcomes_of_absent(second, "contact_user"), 0u) << second.out;
  EXPECT_EQ(outcomes_of_absent(second, "sophon_person"), 0u) << second.out;
  // And without a read, the store no longer remembers them absent: nothing either.
  const SyncRun third = sync();
  ASSERT_EQ(third.exit_code, kExitOk) << third.out << third.err;
  EXPECT_EQ(operations(stats(), "create"), 12u);
  EXPECT_EQ(outcomes_of_absent(third, "contact_user"), 0u) << third.out;
  EXPECT_EQ(outcomes_of_absent(third, "sophon_person"), 0u) << third.out;
}

// The box creates no person without a photo: the plan lists that row and sends the box nothing
// for it, while the directory still creates the user.
TEST_F(CreateTest, APersonWithoutAPhotoIsListedAndNotSentToTheBox) {
  create_everywhere();
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  photos_for_absent();
  const std::string bare = varied_.absent.front();
  for (Employee& e : employees_) {
    if (cell(e, "employee_no") == bare) cell(e, "photo") = "";
  }
  SyncCommand read;
  read.read = true;
  const SyncRun run = sync(read);
  EXPECT_TRUE(contains(run.out, "no usable photo")) << run.out;
  EXPECT_EQ(run.outcome("sophon_person", bare), nullptr);
  const OutcomeRow* user = run.outcome("contact_user", user_id_of(bare));
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->status, "applied") << user->message;
  EXPECT_EQ(operations(stats(), "create"), 11u);
}

TEST_F(CreateTest, WithSkipAnAbsentPersonCostsNoCallAndTheRunSucceeds) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  SyncCommand read;
  read.read = true;
  const SyncRun run = sync(read);
  ASSERT_EQ(run.exit_code, kExitOk) << run.out << run.err;
  EXPECT_EQ(operations(stats(), "create"), 0u);
  for (const std::string& target : target_names()) {
    if (target == "contact_group") continue;
    EXPECT_EQ(outcomes_of_absent(run, target), 0u) << target;
  }
  EXPECT_TRUE(contains(run.out, "Not in the target (")) << run.out;
}

TEST_F(CreateTest, MoreCreatesThanMaxCreateStopBeforeAnyWriteUnlessForced) {
  create_everywhere();
  spec_.job_extra += "max_create = 5\n";
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  photos_for_absent();
  SyncCommand read;
  read.read = true;
  const SyncRun stopped = sync(read);
  EXPECT_EQ(stopped.exit_code, kExitGate) << stopped.out << stopped.err;
  EXPECT_TRUE(contains(stopped.out + stopped.err, "12 entities would be created")) << stopped.out << stopped.err;
  EXPECT_TRUE(contains(stopped.out + stopped.err, "max_create 5")) << stopped.out << stopped.err;
  EXPECT_EQ(operations(stats(), "create"), 0u);
  EXPECT_EQ(operations(stats(), "update"), 0u);
  EXPECT_TRUE(stopped.outcomes.empty());

  read.force = true;
  const SyncRun forced = sync(read);
  EXPECT_EQ(forced.exit_code, kExitOk) << forced.out << forced.err;
  EXPECT_EQ(operations(stats(), "create"), 12u);
}

}  // namespace
}  // namespace hrsync::integration
