// Door access against the Sophon box: what an emptied HR cell, a leaver, a rename and a photo the
// box would refuse do to the person the box holds.
#include <filesystem>
#include <fstream>

#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

namespace fs = std::filesystem;

class AccessTest : public SyncHarness {
 protected:
  AccessTest() {
    employees_ = generate_employees(20);
    spec_.targets = {{.id = "sophon_person", .rate = {"50/s"}}};
  }

  Employee& person(std::size_t i) { return employees_[i]; }
  std::string no(std::size_t i) { return cell(employees_[i], "employee_no"); }

  // The box's record of employee `i`.
  json::object held(std::size_t i) {
    const json::object s = state();
    const json::value* p = s.at("sophon_person").as_object().if_contains(no(i));
    return p != nullptr ? p->as_object() : json::object{};
  }
  json::value info(std::size_t i, std::string_view member) {
    const json::object p = held(i);
    const json::value* v = p.contains("info") ? p.at("info").as_object().if_contains(member) : nullptr;
    return v != nullptr ? *v : json::value{};
  }

  void put_file(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    ASSERT_TRUE(out.good()) << path;
  }

  void copy_photo(const std::string& name) {
    fs::create_directories(dir_.path() / "photos");
    fs::copy_file(fs::path(HRSYNC_SAMPLES_DIR) / "photos" / name, dir_.path() / "photos" / name,
                  fs::copy_options::overwrite_existing);
  }
};

// The box reads an absent info.type as 1 (employee) and an absent permission_ids as ["0"]: an
// emptied cell must not let a blacklisted person back in.
TEST_F(AccessTest, ABlacklistedPersonStaysBlacklistedWhenTheCellsAreEmptied) {
  cell(person(3), "person_type") = "3";
  cell(person(3), "permission_ids") = "4;9";
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  const SyncRun first = sync();
  ASSERT_EQ(first.exit_code, kExitOk) << first.err << first.out;
  ASSERT_EQ(info(3, "type"), json::value(3));

  cell(person(3), "person_type") = "";
  cell(person(3), "permission_ids") = "";
  const SyncRun emptied = sync();
  EXPECT_EQ(emptied.exit_code, kExitOk) << emptied.err << emptied.out;
  EXPECT_EQ(emptied.outcome("sophon_person", no(3)), nullptr) << "nothing to send: the box holds the kept values";
  EXPECT_EQ(info(3, "type"), json::value(3));
  EXPECT_EQ(info(3, "permission_ids"), json::parse(R"(["4","9"])"));

  // A rename is sent, and carries the kept type and groups.
  cell(person(3), "name") = "Renamed Person";
  const SyncRun renamed = sync();
  EXPECT_EQ(renamed.exit_code, kExitOk) << renamed.err << renamed.out;
  ASSERT_NE(renamed.outcome("sophon_person", no(3)), nullptr);
  EXPECT_EQ(info(3, "name"), json::value("Renamed Person"));
  EXPECT_EQ(info(3, "type"), json::value(3));
  EXPECT_EQ(info(3, "permission_ids"), json::parse(R"(["4","9"])"));
}

// on_missing = "revoke": a person gone from the HR export keeps their record and face but no
// permission group; "blacklist" makes them type 3.
TEST_F(AccessTest, ALeaverLosesEveryPermissionGroup) {
  spec_.job_extra = "max_missing_ratio = 0.2\n";
  spec_.targets[0].extra = "on_missing = \"revoke\"\n";
  cell(person(5), "permission_ids") = "1;2";
  cell(person(5), "person_type") = "5";
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(sync().exit_code, kExitOk);
  const std::string leaver = no(5);
  ASSERT_EQ(info(5, "permission_ids"), json::parse(R"(["1","2"])"));

  employees_.erase(employees_.begin() + 5);
  const SyncRun run = sync();
  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  const json::object s = state();
  const json::object& p = s.at("sophon_person").at(leaver).as_object();
  EXPECT_EQ(p.at("info").at("permission_ids"), json::array{}) << json::serialize(p);
  EXPECT_EQ(p.at("info").at("type"), json::value(5)) << json::serialize(p);
  ASSERT_NE(run.outcome("sophon_person", leaver), nullptr);

  // Revoked once: the next run sends nothing for them.
  const SyncRun again = sync();
  EXPECT_EQ(again.outcome("sophon_person", leaver), nullptr);
}

TEST_F(AccessTest, ALeaverIsBlacklistedWhenTheJobSaysSo) {
  spec_.job_extra = "max_missing_ratio = 0.2\n";
  spec_.targets[0].extra = "on_missing = \"blacklist\"\n";
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(sync().exit_code, kExitOk);
  const std::string leaver = no(7);
  employees_.erase(employees_.begin() + 7);
  EXPECT_EQ(sync().exit_code, kExitOk);
  const json::object s = state();
  EXPECT_EQ(s.at("sophon_person").at(leaver).at("info").at("type"), json::value(3));
}

// The missing-ratio gate holds revocations as it holds freezes: a truncated export revokes nobody.
TEST_F(AccessTest, ATruncatedExportRevokesNobody) {
  spec_.targets[0].extra = "on_missing = \"revoke\"\n";
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(sync().exit_code, kExitOk);
  employees_.resize(10);
  const SyncRun run = sync();
  EXPECT_EQ(run.exit_code, kExitGate) << run.err << run.out;
  const json::object s = state();
  for (const auto& [key, p] : s.at("sophon_person").as_object()) {
    EXPECT_NE(p.at("info").at("permission_ids"), json::array{}) << key;
  }
}

// A rename does not upload the photo again: after the box lost the face (the emulator reloaded
// without photos), a rename leaves it without one; a new photo is sent.
TEST_F(AccessTest, ARenameSendsNoPhoto) {
  copy_photo("E0001.jpg");
  cell(person(2), "photo") = "photos/E0001.jpg";
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  ASSERT_EQ(sync().exit_code, kExitOk);
  ASSERT_TRUE(held(2).contains("reg_photo"));
  auto fixture = emulator::fixture_from_hr_csv(spec_.employees_csv, spec_.groups_csv);
  ASSERT_TRUE(fixture);
  emu_->load_fixture(*fixture);  // every face gone
  ASSERT_FALSE(held(2).contains("reg_photo"));

  cell(person(2), "name") = "Renamed Person";
  const SyncRun renamed = sync();
  EXPECT_EQ(renamed.exit_code, kExitOk) << renamed.err << renamed.out;
  EXPECT_EQ(info(2, "name"), json::value("Renamed Person"));
  EXPECT_FALSE(held(2).contains("reg_photo")) << "the rename carried the photo";

  copy_photo("E0002.jpg");
  cell(person(2), "photo") = "photos/E0002.jpg";
  EXPECT_EQ(sync().exit_code, kExitOk);
  EXPECT_TRUE(held(2).contains("reg_photo"));
}

// A photo the box would refuse (not an image, too large) is reported invalid for the photo alone;
// the person's name and groups are still updated, and the file is never uploaded.
TEST_F(AccessTest, APhotoTheBoxWouldRefuseBlocksNothingElse) {
  fs::create_directories(dir_.path() / "photos");
  put_file(dir_.path() / "photos" / "notes.jpg", "a text file saved as .jpg");
  std::string big(3u << 20, 'x');
  big.replace(0, 3, "\xff\xd8\xff");
  put_file(dir_.path() / "photos" / "big.jpg", big);
  cell(person(4), "photo") = "photos/notes.jpg";
  cell(person(6), "photo") = "photos/big.jpg";
  cell(person(4), "permission_ids") = "8";
  cell(person(6), "permission_ids") = "8";
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  const SyncRun run = sync();
  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  EXPECT_TRUE(contains(run.out, "not a JPEG or PNG image")) << run.out;
  EXPECT_TRUE(contains(run.out, "larger than the 2097152 bytes")) << run.out;
  for (std::size_t i : {4u, 6u}) {
    EXPECT_EQ(info(i, "permission_ids"), json::parse(R"(["8"])")) << i;
    EXPECT_FALSE(held(i).contains("reg_photo")) << i;
  }
  const json::object st = stats();
  EXPECT_EQ(endpoint_outcomes(st, "sophon_person", "40003"), 0u);
  EXPECT_EQ(endpoint_outcomes(st, "sophon_person", "40007"), 0u);
}

// A new photo the box refuses (here 40006: the emulator takes no face under 100 pixels) refuses
// the whole PUT: the person is sent again at once without it, so the type change beside it lands;
// the report lists the photo with the box's reason, and it is not sent again until the file
// changes.
TEST_F(AccessTest, APhotoTheBoxRefusesStillLetsTheTypeChangeLand) {
  emulator::EmulatorOptions options;
  options.min_face_px = 100;
  ASSERT_NO_FATAL_FAILURE(start_emulator(options));
  ASSERT_EQ(sync().exit_code, kExitOk);
  ASSERT_EQ(info(3, "type"), json::value(std::stoi(cell(person(3), "person_type"))));

  copy_photo("E0003.jpg");
  cell(person(3), "photo") = "photos/E0003.jpg";
  cell(person(3), "person_type") = cell(person(3), "person_type") == "2" ? "4" : "2";
  const SyncRun run = sync();
  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  const OutcomeRow* o = run.outcome("sophon_person", no(3));
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->status, "applied") << o->message;
  EXPECT_EQ(o->code, 40006) << o->message;
  EXPECT_EQ(o->attempts, 2);
  EXPECT_TRUE(contains(o->message, "reg_photo refused")) << o->message;
  EXPECT_TRUE(contains(run.out, "Refused in part (1)")) << run.out;
  EXPECT_TRUE(contains(run.out, "LOW_QUALITY_ERROR")) << run.out;
  EXPECT_EQ(info(3, "type"), json::value(std::stoi(cell(person(3), "person_type"))));
  EXPECT_FALSE(held(3).contains("reg_photo"));
  EXPECT_EQ(endpoint_outcomes(stats(), "sophon_person", "40006"), 1u);

  // Not tried again while the file is the same.
  const SyncRun again = sync();
  EXPECT_EQ(again.exit_code, kExitOk) << again.err << again.out;
  EXPECT_EQ(again.outcome("sophon_person", no(3)), nullptr) << again.out;
  EXPECT_EQ(endpoint_outcomes(stats(), "sophon_person", "40006"), 1u);
}

}  // namespace
}  // namespace hrsync::integration
