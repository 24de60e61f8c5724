// Faces from photos, end to end against the emulator (README.md, targets.attendance_face.face_from):
// with face_from = "photo" each person's HR photo is uploaded through the attendance file upload
// and the face setting sent with the id it answered, against a tenant that takes only ids it
// issued; a second run sends nothing; a changed photo costs one upload and one update for that
// person alone.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "engine/run/exit_code.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

namespace fs = std::filesystem;

class FacesTest : public SyncHarness {
 protected:
  FacesTest() {
    employees_ = generate_employees(kPeople);
    fs::create_directories(dir_.path() / "photos");
    for (std::size_t i = 0; i < kPeople; ++i) {
      write_photo(i, std::string(i + 1, '\0'));
      cell(employees_[i], "photo") = photo_cell(i);
    }
    spec_.targets = {{.id = "attendance_face", .rate = {"50/s"}, .extra = "face_from = \"photo\"\n"}};
  }

  static constexpr std::size_t kPeople = 8;

  static std::string photo_cell(std::size_t i) { return "photos/face" + std::to_string(i) + ".jpg"; }

  // A sample JPEG with `tail` after it, so that every person's photo differs.
  void write_photo(std::size_t i, const std::string& tail) {
    const std::string sample = "E000" + std::to_string(i % 4 + 1) + ".jpg";
    std::ifstream in(fs::path(HRSYNC_SAMPLES_DIR) / "photos" / sample, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty()) << sample;
    std::ofstream out(dir_.path() / photo_cell(i), std::ios::binary | std::ios::trunc);
    out << bytes << tail;
    ASSERT_TRUE(out.good());
  }

  std::string no(std::size_t i) { return cell(employees_[i], "employee_no"); }

  // The face_key the tenant holds for employee `i`, "" when none was written.
  std::string face_key(std::size_t i) {
    const json::object s = state();
    const json::value* u = s.at("attendance_face").as_object().if_contains(no(i));
    const json::value* k = u != nullptr ? u->as_object().if_contains("face_key") : nullptr;
    return k != nullptr ? std::string(k->as_string()) : std::string();
  }

  static emulator::EmulatorOptions strict() {
    emulator::EmulatorOptions o;
    o.issued_face_keys_only = true;
    return o;
  }
};

TEST_F(FacesTest, EachPhotoIsUploadedOnceAndItsIdBecomesTheFaceKey) {
  ASSERT_NO_FATAL_FAILURE(start_emulator(strict()));
  const SyncRun first = sync();
  ASSERT_EQ(first.exit_code, kExitOk) << first.out << first.err;
  EXPECT_EQ(first.count("attendance_face", "applied"), kPeople) << first.out;
  json::object stats = this->stats();
  EXPECT_EQ(endpoint_requests(stats, "attendance_face.upload"), kPeople);
  EXPECT_EQ(endpoint_requests(stats, "attendance_face"), kPeople);
  std::set<std::string> keys;
  for (std::size_t i = 0; i < kPeople; ++i) {
    const std::string key = face_key(i);
    EXPECT_FALSE(key.empty()) << no(i);
    EXPECT_NE(key, cell(employees_[i], "face_key")) << "the column was sent, not the upload's id";
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), kPeople) << "one issued id per person";

  const SyncRun second = sync();
  ASSERT_EQ(second.exit_code, kExitOk) << second.out << second.err;
  EXPECT_TRUE(second.outcomes.empty()) << second.out;
  stats = this->stats();
  EXPECT_EQ(endpoint_requests(stats, "attendance_face.upload"), kPeople);
  EXPECT_EQ(endpoint_requests(stats, "attendance_face"), kPeople);

  // One photo changes: one upload and one update, for that person alone.
  const std::string before = face_key(5);
  ASSERT_NO_FATAL_FAILURE(write_photo(5, "a new face"));
  const SyncRun third = sync();
  ASSERT_EQ(third.exit_code, kExitOk) << third.out << third.err;
  ASSERT_EQ(third.outcomes.size(), 1u) << third.out;
  EXPECT_EQ(third.outcomes[0].key, no(5));
  EXPECT_EQ(third.outcomes[0].status, "applied") << third.outcomes[0].message;
  stats = this->stats();
  EXPECT_EQ(endpoint_requests(stats, "attendance_face.upload"), kPeople + 1);
  EXPECT_EQ(endpoint_requests(stats, "attendance_face"), kPeople + 1);
  EXPECT_NE(face_key(5), before);
  EXPECT_FALSE(face_key(5).empty());
}

// A row without a usable photo is invalid for the target, with the reason; the others are sent.
TEST_F(FacesTest, ARowWithoutAPhotoIsInvalidAndTheOthersAreSent) {
  cell(employees_[2], "photo") = "";
  cell(employees_[3], "photo") = "photos/nobody.jpg";
  ASSERT_NO_FATAL_FAILURE(start_emulator(strict()));
  const SyncRun run = sync();
  EXPECT_EQ(run.count("attendance_face", "applied"), kPeople - 2) << run.out;
  EXPECT_TRUE(contains(run.out + run.err, "face_from = \"photo\" needs a photo")) << run.out << run.err;
  EXPECT_TRUE(face_key(2).empty());
  EXPECT_TRUE(face_key(3).empty());
  EXPECT_EQ(endpoint_requests(stats(), "attendance_face.upload"), kPeople - 2);
}

// face_from = "column" stays the default: no upload, and the tenant holds what the column says.
TEST_F(FacesTest, TheColumnStaysTheDefault) {
  spec_.targets = {{.id = "attendance_face", .rate = {"50/s"}}};
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  const SyncRun run = sync();
  ASSERT_EQ(run.exit_code, kExitOk) << run.out << run.err;
  EXPECT_EQ(endpoint_requests(stats(), "attendance_face.upload"), 0u);
  for (std::size_t i = 0; i < kPeople; ++i) {
    if (cell(employees_[i], "face_key").empty()) continue;
    EXPECT_EQ(face_key(i), cell(employees_[i], "face_key")) << no(i);
  }
}

}  // namespace
}  // namespace hrsync::integration
