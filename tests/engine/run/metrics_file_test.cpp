// The metrics file's text passes promtool's strict check (which refuses a broken exposition, as the
// first test shows), quotes odd job names correctly, and is replaced atomically with mode 0644.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "engine/run/metrics_file.h"
#include "tests/exposition.h"

namespace hrsync {
namespace {

namespace fs = std::filesystem;
using testing_support::parse_samples;
using testing_support::promtool_check;

MetricsSample sample(std::string job) {
  MetricsSample s;
  s.job = std::move(job);
  s.targets = {MetricsTarget{{60, 56, 2, 1, 4, 3, 1}, "contact_user", false, TargetTotals::Read{2, 1, 5, 7},
                             TargetTotals::Concurrency{true, 12, 16}},
               MetricsTarget{{60, 0, 0, 60, 0, 0}, "sophon_person", true}};
  s.started_at = 1'790'000'000;
  s.duration_s = 12.5;
  s.exit_code = 4;
  s.last_success = 1'789'990'000;
  return s;
}

class MetricsFileTest : public ::testing::Test {
 protected:
  MetricsFileTest() {
    dir_ = fs::temp_directory_path() / ("hrsync-metrics-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~MetricsFileTest() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(PromtoolTest, RefusesBrokenExpositions) {
  EXPECT_EQ(promtool_check("# HELP a_total A.\n# TYPE a_total counter\na_total{job=\"x\"} 1\n").exit_code, 0)
      << "a well-formed exposition passes";
  EXPECT_NE(promtool_check("a_total{job=\"x\" 1\n").exit_code, 0) << "an unterminated label set";
  EXPECT_NE(promtool_check("# HELP a A.\n# TYPE a gauge\na{job=\"x\"} one\n").exit_code, 0) << "a value that is no number";
  EXPECT_NE(promtool_check("# HELP a A.\n# TYPE a counter\na{job=\"x\"} 1\n").exit_code, 0) << "a counter without _total";
  EXPECT_NE(promtool_check("# TYPE a_total counter\na_total{job=\"x\"} 1\n").exit_code, 0) << "no HELP";
}

TEST(MetricsTextTest, PassesPromtoolWithEveryFamily) {
  const std::string text = render_metrics(sample("tenant-a"));
  const auto check = promtool_check(text);
  EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << text;
  EXPECT_EQ(check.output, "") << text;
  const auto s = parse_samples(text);
  ASSERT_FALSE(s.bad) << *s.bad;
  EXPECT_EQ(s.get("hrsync_entities_applied_total{job=\"tenant-a\",target=\"contact_user\"}"), 56);
  EXPECT_EQ(s.get("hrsync_entities_absent_total{job=\"tenant-a\",target=\"contact_user\"}"), 1);
  EXPECT_EQ(s.get("hrsync_entities_absent_total{job=\"tenant-a\",target=\"sophon_person\"}"), 0);
  EXPECT_EQ(s.get("hrsync_concurrency{job=\"tenant-a\",target=\"contact_user\"}"), 12);
  EXPECT_EQ(s.get("hrsync_concurrency_peak{job=\"tenant-a\",target=\"contact_user\"}"), 16);
  EXPECT_EQ(s.get("hrsync_concurrency{job=\"tenant-a\",target=\"sophon_person\"}"), 0) << "not known";
  EXPECT_EQ(s.get("hrsync_entities_failed_total{job=\"tenant-a\",target=\"contact_user\"}"), 2);
  EXPECT_EQ(s.get("hrsync_entities_skipped_total{job=\"tenant-a\",target=\"sophon_person\"}"), 60);
  EXPECT_EQ(s.get("hrsync_retries_total{job=\"tenant-a\",target=\"contact_user\"}"), 4);
  EXPECT_EQ(s.get("hrsync_throttled_total{job=\"tenant-a\",target=\"contact_user\"}"), 3);
  EXPECT_EQ(s.get("hrsync_target_quarantined{job=\"tenant-a\",target=\"sophon_person\"}"), 1);
  EXPECT_EQ(s.get("hrsync_target_quarantined{job=\"tenant-a\",target=\"contact_user\"}"), 0);
  EXPECT_EQ(s.get("hrsync_run_exit_code{job=\"tenant-a\"}"), 4);
  EXPECT_EQ(s.get("hrsync_run_duration_seconds{job=\"tenant-a\"}"), 12.5);
  EXPECT_EQ(s.get("hrsync_last_success_timestamp_seconds{job=\"tenant-a\"}"), 1'789'990'000);
  EXPECT_EQ(s.get("hrsync_run_in_progress{job=\"tenant-a\"}"), 0);
  EXPECT_EQ(s.get("hrsync_read_requests_total{job=\"tenant-a\",target=\"contact_user\"}"), 2);
  EXPECT_EQ(s.get("hrsync_drifted_entities{job=\"tenant-a\",target=\"contact_user\"}"), 5);
  EXPECT_EQ(s.get("hrsync_absent_entities{job=\"tenant-a\",target=\"contact_user\"}"), 7);
  EXPECT_EQ(s.get("hrsync_read_requests_total{job=\"tenant-a\",target=\"sophon_person\"}"), 0);
}

TEST(MetricsTextTest, WhileRunningHasNoExitCodeAndWithoutSuccessNoTimestamp) {
  MetricsSample s = sample("j");
  s.running = true;
  s.exit_code.reset();
  s.last_success.reset();
  const std::string text = render_metrics(s);
  EXPECT_EQ(promtool_check(text).exit_code, 0) << text;
  const auto parsed = parse_samples(text);
  EXPECT_EQ(parsed.get("hrsync_run_in_progress{job=\"j\"}"), 1);
  EXPECT_FALSE(parsed.get("hrsync_run_exit_code{job=\"j\"}")) << text;
  EXPECT_FALSE(parsed.get("hrsync_last_success_timestamp_seconds{job=\"j\"}")) << text;
}

TEST(MetricsTextTest, QuotesJobNamesWithQuotesBackslashesAndNewlines) {
  const std::string text = render_metrics(sample("a \"b\" \\c\nd"));
  const auto check = promtool_check(text);
  EXPECT_EQ(check.exit_code, 0) << check.output << "\n" << text;
  EXPECT_TRUE(parse_samples(text).get("hrsync_run_exit_code{job=\"a \\\"b\\\" \\\\c\\nd\"}")) << text;
}

TEST_F(MetricsFileTest, ReplacesTheFileWhole0644EvenUnderAStrictUmask) {
  const std::string path = (dir_ / "hrsync.prom").string();
  {
    std::ofstream old(path);
    old << "old content that is longer than the new one, so a write in place would leave a tail behind\n";
  }
  const mode_t previous = ::umask(077);
  auto ok = write_metrics_file(path, "x 1\n");
  ::umask(previous);
  ASSERT_TRUE(ok) << ok.error().str();
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "x 1\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1u) << "no temporary file is left behind";
}

TEST_F(MetricsFileTest, AMissingFolderIsAnErrorNamingThePath) {
  const std::string path = (dir_ / "absent" / "hrsync.prom").string();
  auto ok = write_metrics_file(path, "x 1\n");
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().kind, Error::Kind::kIo);
  EXPECT_EQ(ok.error().where, path);
  EXPECT_NE(ok.error().message.find("No such file"), std::string::npos) << ok.error().str();
}

}  // namespace
}  // namespace hrsync
