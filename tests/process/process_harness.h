// ProcessHarness: a GoogleTest fixture that runs build/bin/hrsync as a child process against
// build/bin/hrsync-emulator (another child), for tests that need real processes: signals, the
// run lock, a kill -9, file modes.
//
// A test edits employees_ / spec_, calls start_emulator() (whose fixture is made from the exports
// as written then) and sync() or start_sync(), which write the job config and run
// `hrsync sync --config job.toml --no-progress`. Each child's stdout and stderr go to files in the
// scratch folder, kept in a Synced.
//
// Thread-safety: test-thread only.
#pragma once

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "engine/cli/emulator_process.h"
#include "tests/integration/hr_files.h"
#include "tests/integration/job_file.h"
#include "tests/integration/scratch_dir.h"
#include "tests/process/child_process.h"

namespace hrsync::process {

namespace json = boost::json;
using integration::Employee;
using integration::GroupRow;
using integration::JobSpec;

inline constexpr std::string_view kAppSecret = "process-secret-7f3a9c";

// A started `hrsync` child and where its output goes.
struct Started {
  std::unique_ptr<ChildProcess> child;
  std::string out_file;
  std::string err_file;

  std::string out() const { return slurp(out_file); }
  std::string err() const { return slurp(err_file); }
};

class ProcessHarness : public ::testing::Test {
 protected:
  ProcessHarness();

  // Writes the exports and starts the emulator on them with `args` (e.g. {"--latency-ms", "50..50"}).
  void start_emulator(const std::vector<std::string>& args = {});

  // Writes the job config; returns its path.
  std::string write_job();

  // Starts `hrsync ARGS... --config job.toml`; `command` is {"sync"} by default.
  Started start_hrsync(std::vector<std::string> command = {"sync", "--no-progress"}, bool stdout_pipe = false);

  // Runs `hrsync sync --no-progress` to its end.
  struct Finished {
    ChildExit exit;
    std::string out;
    std::string err;
  };
  Finished run_hrsync(std::vector<std::string> command = {"sync", "--no-progress"});

  json::object stats() const;
  // Requests to the five business APIs (not the token endpoint).
  std::uint64_t business_requests() const;

  // Waits until `path` contains `text` or `child` has exited; true in the first case.
  bool wait_for_text(const std::string& path, std::string_view text, ChildProcess& child);

  static std::string bin(const std::string& program) { return std::string(HRSYNC_BIN_DIR) + "/" + program; }

  integration::ScratchDir dir_;
  std::vector<Employee> employees_;
  std::vector<GroupRow> groups_;
  JobSpec spec_;
  EmulatorProcess emu_;
  int started_ = 0;
};

// The whole-run entity count: every valid entity of every target.
inline bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

}  // namespace hrsync::process
