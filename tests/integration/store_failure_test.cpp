// A snapshot that cannot be written mid-run: the sync stops sending on every target at once, keeps
// what it committed, writes its report and exits 5; the next run sends only what was not committed.
//
// The store is made unwritable the way a full disk does it, for root and others alike: a file size
// limit (RLIMIT_FSIZE) a little above the WAL's size when the run starts, so that after a few
// commits the next write of the snapshot's WAL fails (EFBIG, SIGXFSZ ignored as hrsync's main()
// does). The report, much smaller than the limit, can still be written.
#include <signal.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "store/snapshot_store.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kRoom = 192 * 1024;  // bytes the WAL may grow by before writes fail
constexpr unsigned kBatch = 5;                // job.commit_batch
constexpr unsigned kConcurrency = 2;          // per target

// Lowers the process's file size limit (soft) until destroyed, with SIGXFSZ ignored meanwhile.
class FileSizeLimit {
 public:
  FileSizeLimit() = default;
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit() { lift(); }

  void set(std::uintmax_t bytes) {
    if (active_) return;
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved_), 0);
    previous_ = signal(SIGXFSZ, SIG_IGN);
    rlimit lower = saved_;
    lower.rlim_cur = static_cast<rlim_t>(bytes);
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lower), 0);
    active_ = true;
  }

  void lift() {
    if (!active_) return;
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, previous_);
    active_ = false;
  }

 private:
  rlimit saved_{};
  sighandler_t previous_ = SIG_DFL;
  bool active_ = false;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::int64_t number(const json::value& v) { return v.is_int64() ? v.as_int64() : -1; }

class StoreFailureTest : public SyncHarness {};

TEST_F(StoreFailureTest, AnUnwritableSnapshotStopsTheRunAtOnceWithExit5) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  spec_.job_extra = fmt::format("commit_batch = {}\n", kBatch);
  for (TargetSpec& t : spec_.targets) t.concurrency = kConcurrency;
  const std::uint64_t planned = employees_.size() * 4 + groups_.size();
  FileSizeLimit limit;
  const std::string wal = spec_.snapshot + "-wal";
  before_execute_ = [&] {
    std::error_code ec;
    const std::uintmax_t size = fs::exists(wal) ? fs::file_size(wal, ec) : 0;
    limit.set(size + kRoom);
  };

  const SyncRun run = sync();
  limit.lift();
  before_execute_ = nullptr;

  ASSERT_EQ(run.exit_code, kExitStore) << run.err << run.out;
  EXPECT_TRUE(contains(run.err, spec_.snapshot)) << "the message names the snapshot file: " << run.err;
  EXPECT_TRUE(contains(run.err, "SQLite code")) << run.err;
  EXPECT_TRUE(contains(run.out, "The snapshot store could not record")) << run.out;

  // The JSON report was written, with the store's error and what it could not record.
  ASSERT_GT(run.run_id, 0);
  const fs::path report_path = fs::path(spec_.report_dir) / fmt::format("run-{}.json", run.run_id);
  ASSERT_TRUE(fs::exists(report_path)) << report_path;
  const json::object report = json::parse(read_file(report_path)).as_object();
  EXPECT_EQ(report.at("status").as_string(), "store_failed");
  EXPECT_EQ(number(report.at("exit_code")), kExitStore);
  EXPECT_TRUE(contains(report.at("store_error").as_string(), spec_.snapshot));
  const json::array& unrecorded = report.at("unrecorded").as_array();
  ASSERT_FALSE(unrecorded.empty());

  // Every call the emulator served is an outcome, recorded in the store or listed as unrecorded.
  std::uint64_t recorded_calls = 0;
  for (const OutcomeRow& o : run.outcomes) recorded_calls += static_cast<std::uint64_t>(o.attempts);
  std::uint64_t unrecorded_calls = 0;
  for (const json::value& v : unrecorded) {
    const std::int64_t attempts = number(v.at("attempts"));
    EXPECT_GT(attempts, 0) << "entities never sent are listed as skipped, not as unrecorded";
    unrecorded_calls += static_cast<std::uint64_t>(attempts);
  }
  // The skipped are counted per code under "failures" (their "outcomes" are a bounded list of examples).
  std::uint64_t skipped = 0;
  for (const json::value& v : report.at("failures").as_array()) {
    if (v.at("status").as_string() == "skipped") skipped += static_cast<std::uint64_t>(number(v.at("count")));
  }
  const std::uint64_t requests = business_requests(stats());
  EXPECT_EQ(requests, recorded_calls + unrecorded_calls);
  EXPECT_EQ(run.outcomes.size() + unrecorded.size() + skipped, planned);
  // No call after the failure: sent but not recorded are at most the batch that failed and the
  // calls in flight then.
  EXPECT_LE(unrecorded.size(), kBatch + kConcurrency * spec_.targets.size());
  EXPECT_GT(skipped, planned / 2) << "the run stopped early";
  EXPECT_GT(run.outcomes.size(), 0u) << "batches were committed before the failure";

  // The run row is closed as failed when the store still takes that, else the message says it is not.
  auto store = SnapshotStore::open(spec_.snapshot);
  ASSERT_TRUE(store) << store.error().str();
  auto row = store->run(run.run_id);
  ASSERT_TRUE(row && *row);
  if ((*row)->status == "running") {
    EXPECT_TRUE(contains(run.err, "stays 'running'")) << run.err;
  } else {
    EXPECT_EQ((*row)->status, "store_failed");
    EXPECT_EQ((*row)->exit_code, kExitStore);
  }
  std::int64_t committed = 0;
  for (const std::string& t : target_names()) committed += store->count(t).value_or(0);
  EXPECT_EQ(static_cast<std::size_t>(committed), run.count("contact_user", "applied") + run.count("contact_group", "applied") +
                                                     run.count("attendance_face", "applied") + run.count("acs_card", "applied") +
                                                     run.count("sophon_person", "applied"));

  // With room again, the next run sends what was not committed, and only that.
  const SyncRun next = sync();
  EXPECT_EQ(next.exit_code, kExitOk) << next.err << next.out;
  EXPECT_EQ(next.outcomes.size(), planned - static_cast<std::uint64_t>(committed));
  expect_state_matches_source();
}

}  // namespace
}  // namespace hrsync::integration
