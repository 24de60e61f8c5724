// `hrsync apply` as a person runs it, each command its own process against the emulator process:
// `hrsync status` from another process shows the apply while it goes; killed outright (kill -9,
// a crash) halfway, the same `hrsync apply FILE` resumes it and sends only the calls not
// confirmed, counted at the emulator; then it is applied already. A plan file that is not the
// reviewed one, though every check of its own holds, is refused by `apply --digest`.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/plan/plan_file.h"
#include "engine/plan/sha256.h"
#include "store/snapshot_store.h"
#include "tests/integration/hr_files.h"
#include "tests/process/process_harness.h"

namespace hrsync::process {
namespace {

class ApplyProcessTest : public ProcessHarness {
 protected:
  std::string plan_file() { return dir_.file("migration.plan"); }

  // The calls the plan file holds.
  std::uint64_t planned_calls() {
    auto reader = PlanFileReader::open(plan_file());
    EXPECT_TRUE(reader) << reader.error().str();
    std::uint64_t n = 0;
    if (reader) {
      for (const auto& t : reader->header().targets) n += t.calls;
    }
    return n;
  }

  // What the commits of the apply's run wrote so far, from `hrsync status --json`: done in all.
  std::int64_t done_so_far(std::string& command) {
    const Finished f = run_hrsync({"status", "--json"});
    EXPECT_EQ(f.exit.code, 0) << f.err;
    boost::system::error_code ec;
    json::value v = json::parse(f.out, ec);
    if (ec || !v.is_object()) return 0;
    const auto* run = v.as_object().if_contains("run");
    if (run == nullptr || !run->is_object()) return 0;
    if (const auto* c = run->as_object().if_contains("command"); c != nullptr && c->is_string()) {
      command = std::string(c->as_string());
    }
    std::int64_t done = 0;
    for (const auto& t : run->as_object().at("targets").as_array()) done += t.at("done").as_int64();
    return done;
  }

  // Calls the snapshot holds as confirmed by run `run`.
  std::uint64_t confirmed_by(std::int64_t run) {
    auto store = SnapshotStore::open_read_only(spec_.snapshot);
    EXPECT_TRUE(store) << store.error().str();
    if (!store) return 0;
    auto outcomes = store->outcomes(run);
    EXPECT_TRUE(outcomes) << outcomes.error().str();
    std::uint64_t n = 0;
    if (outcomes) {
      for (const auto& o : *outcomes) n += o.status == "applied" ? 1 : 0;
    }
    return n;
  }
};

TEST_F(ApplyProcessTest, StatusShowsTheApplyAndOneKilledOutrightIsResumedWithOnlyTheRest) {
  start_emulator({"--latency-ms", "400..400"});
  const Finished planned = run_hrsync({"plan", "--out", plan_file()});
  ASSERT_EQ(planned.exit.code, 0) << planned.err << planned.out;
  const std::uint64_t calls = planned_calls();
  ASSERT_EQ(calls, employees_.size() * 4 + groups_.size());
  ASSERT_EQ(business_requests(), 0u);

  // From another process, while it goes: the apply is the running run, with its commits' counts.
  Started run = start_hrsync({"apply", plan_file(), "--no-progress"});
  std::string command;
  while (run.child->running() && done_so_far(command) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(run.child->running()) << "the apply ended before it could be seen: " << run.err();
  EXPECT_TRUE(command.starts_with("apply ") && command.ends_with("migration.plan")) << command;
  const Finished text = run_hrsync({"status"});
  EXPECT_TRUE(contains(text.out, "is running: apply ")) << text.out;

  run.child->signal(SIGKILL);
  ASSERT_EQ(run.child->wait().signal, SIGKILL);
  const std::uint64_t first_sent = business_requests();
  const std::uint64_t confirmed = confirmed_by(1);
  ASSERT_GT(confirmed, 0u);
  ASSERT_LT(confirmed, calls);

  // The same command again: run 1 is marked abandoned, and only what it did not get confirmed is sent.
  const Finished resumed = run_hrsync({"apply", plan_file(), "--no-progress"});
  EXPECT_EQ(resumed.exit.code, 0) << resumed.err << resumed.out;
  EXPECT_TRUE(contains(resumed.err, "run 1 was still marked running")) << resumed.err;
  EXPECT_TRUE(contains(resumed.out, std::to_string(confirmed) + " calls were confirmed by an earlier apply")) << resumed.out;
  EXPECT_EQ(business_requests() - first_sent, calls - confirmed);

  const Finished again = run_hrsync({"apply", plan_file(), "--no-progress"});
  EXPECT_EQ(again.exit.code, 8) << again.err << again.out;
  EXPECT_TRUE(contains(again.out, "is applied already")) << again.out;
  EXPECT_EQ(business_requests() - first_sent, calls - confirmed);
  const Finished ended = run_hrsync({"status"});
  EXPECT_TRUE(contains(ended.out, "The last run, 2 (apply ")) << ended.out;
  EXPECT_TRUE(contains(ended.out, "ok, exit code 0")) << ended.out;
}

// The 64 hex digits after "Digest " in `text`, or "".
std::string digest_in(const std::string& text) {
  const auto at = text.find("Digest ");
  return at == std::string::npos ? std::string() : text.substr(at + 7, 64);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST_F(ApplyProcessTest, OnlyTheReviewedPlanFileIsAppliedWithItsDigest) {
  start_emulator();
  const Finished planned = run_hrsync({"plan", "--out", plan_file()});
  ASSERT_EQ(planned.exit.code, 0) << planned.err << planned.out;
  const std::string digest = digest_in(planned.out);
  ASSERT_EQ(digest, *sha256_file(plan_file())) << planned.out;
  EXPECT_TRUE(contains(planned.out, "--digest " + digest)) << planned.out;
  const Finished shown = run_hrsync({"plan", "--show", plan_file()});
  ASSERT_EQ(shown.exit.code, 0) << shown.err;
  EXPECT_EQ(digest_in(shown.out), digest) << shown.out;
  // Cards are masked for a glance; shown whole to a reviewer who asks.
  const std::string card = integration::cell(employees_[0], "card_no");
  EXPECT_FALSE(contains(shown.out, card)) << card;
  const Finished unmasked = run_hrsync({"plan", "--show", plan_file(), "--unmask"});
  ASSERT_EQ(unmasked.exit.code, 0) << unmasked.err;
  EXPECT_TRUE(contains(unmasked.out, card)) << card << "\n" << unmasked.out;
  EXPECT_EQ(digest_in(unmasked.out), digest);
  const std::string reviewed = read_bytes(plan_file());

  // Another plan, every check of its own right: two people's cards swapped in the source, planned
  // from the same config and snapshot, and put where the reviewed file was.
  std::swap(integration::cell(employees_[0], "card_no"), integration::cell(employees_[1], "card_no"));
  ASSERT_TRUE(integration::write_employees_csv(spec_.employees_csv, employees_));
  const std::string other = dir_.file("other.plan");
  ASSERT_EQ(run_hrsync({"plan", "--out", other}).exit.code, 0);
  std::filesystem::copy_file(other, plan_file(), std::filesystem::copy_options::overwrite_existing);
  const std::string edited = *sha256_file(plan_file());
  ASSERT_NE(edited, digest);
  const Finished swapped = run_hrsync({"apply", plan_file(), "--digest", digest, "--no-progress"});
  EXPECT_EQ(swapped.exit.code, 7) << swapped.err << swapped.out;
  EXPECT_TRUE(contains(swapped.err, edited) && contains(swapped.err, digest)) << swapped.err;
  EXPECT_TRUE(contains(swapped.err, "nothing was sent")) << swapped.err;

  // One byte changed: refused the same way.
  std::string flipped = reviewed;
  flipped[flipped.size() / 2] ^= 0x01;
  write_bytes(plan_file(), flipped);
  const Finished byte = run_hrsync({"apply", plan_file(), "--digest", digest, "--no-progress"});
  EXPECT_EQ(byte.exit.code, 7) << byte.err << byte.out;
  EXPECT_EQ(business_requests(), 0u);  // the emulator got no business request

  // The reviewed bytes, with their digest (as printed, in capitals too): applied.
  write_bytes(plan_file(), reviewed);
  std::string upper = digest;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const Finished applied = run_hrsync({"apply", plan_file(), "--digest", upper, "--no-progress"});
  EXPECT_EQ(applied.exit.code, 0) << applied.err << applied.out;
  EXPECT_GE(business_requests(), planned_calls());
}

}  // namespace
}  // namespace hrsync::process
