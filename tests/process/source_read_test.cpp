// A source read whole or not at all, as the programs meet it: an HR export written to while
// `hrsync plan` or `hrsync sync` reads it stops the command with exit 9 before any call.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "tests/process/process_harness.h"

namespace hrsync::process {
namespace {

using SourceReadTest = ProcessHarness;

// Appends a copy of the file's last row to `path` every millisecond until stopped: an export
// still being written while the run reads it.
class Appender {
 public:
  explicit Appender(std::string path) : path_(std::move(path)) {
    std::ifstream in(path_);
    for (std::string line; std::getline(in, line);) row_ = line + "\n";
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        std::ofstream(path_, std::ios::app) << row_;
        appended_.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  ~Appender() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int appended() const { return appended_.load(); }

 private:
  std::string path_;
  std::string row_;
  std::atomic<bool> stop_{false};
  std::atomic<int> appended_{0};
  std::thread thread_;
};

// The employees as CSV with card_no moved to the last column, every other field quoted; the last
// row ends after `last_card` with no line break when `cut`.
std::string employees_card_last(const std::vector<Employee>& rows, bool cut, std::string_view last_card) {
  const std::size_t card = [] {
    std::size_t i = 0;
    while (samples::kEmployeeColumns[i] != "card_no") ++i;
    return i;
  }();
  const auto quoted = [](std::string_view v) {
    std::string out = "\"";
    for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  std::string text;
  for (std::size_t c = 0; c < samples::kEmployeeColumns.size(); ++c) {
    if (c != card) text += std::string(samples::kEmployeeColumns[c]) + ",";
  }
  text += "card_no\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      if (c != card) text += quoted(rows[r][c]) + ",";
    }
    const bool last = r + 1 == rows.size();
    text += last && cut ? std::string(last_card) : rows[r][card] + "\n";
  }
  return text;
}

// The export cut inside its last column, the last person's card 100988 cut to "10": the row has no
// line break after it, so it is rejected with its line, and no call changes that card.
TEST_F(SourceReadTest, AnExportCutInsideItsLastRowChangesNothingOfThatRow) {
  integration::cell(employees_.back(), "card_no") = "100988";
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  std::ofstream(spec_.employees_csv, std::ios::trunc) << employees_card_last(employees_, false, "");
  const Finished first = run_hrsync();
  ASSERT_EQ(first.exit.code, 0) << first.err;
  const std::uint64_t sent = business_requests();

  std::ofstream(spec_.employees_csv, std::ios::trunc) << employees_card_last(employees_, true, "10");
  const Finished cut = run_hrsync();
  const std::string said = cut.out + cut.err;
  const std::string line = fmt::format("{}:{}", spec_.employees_csv, employees_.size() + 1);
  EXPECT_TRUE(contains(said, line)) << said;
  EXPECT_TRUE(contains(said, "cut short")) << said;
  EXPECT_EQ(business_requests(), sent) << "a call was made for the cut row: " << said;
}

TEST_F(SourceReadTest, AnExportWrittenWhileReadStopsPlanAndSyncWithExitNineBeforeAnyCall) {
  ASSERT_NO_FATAL_FAILURE(start_emulator());
  // Large enough that the read takes many milliseconds, during each of which a row is appended.
  ASSERT_TRUE(integration::write_employees_csv(spec_.employees_csv, integration::generate_employees(20000)));
  Appender appender(spec_.employees_csv);
  while (appender.appended() == 0) std::this_thread::yield();

  for (const std::vector<std::string>& command : {std::vector<std::string>{"plan"},
                                                  std::vector<std::string>{"sync", "--no-progress"}}) {
    const Finished run = run_hrsync(command);
    EXPECT_EQ(run.exit.code, 9) << command[0] << ": " << run.err;
    EXPECT_TRUE(contains(run.err, spec_.employees_csv)) << run.err;
    EXPECT_TRUE(contains(run.err, "changed while it was read")) << run.err;
    EXPECT_TRUE(contains(run.err, "size went from")) << run.err;
  }
  appender.stop();
  EXPECT_EQ(stats().at("requests").as_int64(), 0) << "a call (or a token request) was made";
  EXPECT_FALSE(std::filesystem::exists(dir_.file("var/reports/run-1.json"))) << "no run was begun";
}

}  // namespace
}  // namespace hrsync::process
