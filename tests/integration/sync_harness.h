// SyncHarness: a GoogleTest fixture that runs `hrsync sync` end to end against the emulator in
// the same process, over loopback sockets.
//
// A test edits the HR rows (employees_, groups_) and the job (spec_), calls start_emulator() —
// whose fixture is made from the exports as written then, so every employee and group exists on
// every platform — and sync(), which writes the exports and the job config into a scratch folder,
// prepares the job from that file as `hrsync sync --config` does and runs execute_sync. What the
// run recorded (exit code, output, outcomes in the store) comes back in a SyncRun; what the
// emulator holds and counted comes from state() and stats().
//
// Thread-safety: test-thread only. The emulator serves on its own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "emulator/emulator.h"
#include "emulator/fixture_variation.h"
#include "engine/cli/commands.h"
#include "engine/plan/job.h"
#include "engine/cli/sync.h"
#include "store/run_rows.h"
#include "tests/integration/hr_files.h"
#include "tests/integration/job_file.h"
#include "tests/integration/scratch_dir.h"

namespace hrsync::integration {

namespace json = boost::json;

// The app secret the emulator accepts and the harness writes into the job's secret file.
inline constexpr std::string_view kAppSecret = "integration-secret-5b0c";

// What one sync run did.
struct SyncRun {
  int exit_code = -1;
  std::string out;                    // the plan, the summary and the report path
  std::string err;                    // problems
  std::int64_t run_id = 0;
  std::vector<OutcomeRow> outcomes;   // of this run, from the store

  // The outcome of `key` on `target`, or null.
  const OutcomeRow* outcome(std::string_view target, std::string_view key) const;
  // Outcomes of `target` with `status` ("applied", "failed", "skipped").
  std::size_t count(std::string_view target, std::string_view status) const;
};

class SyncHarness : public ::testing::Test {
 protected:
  // 60 employees, 4 groups, all five targets, fast retries.
  SyncHarness();
  void TearDown() override;

  // Writes employees_ and groups_ as the job's CSV exports.
  void write_hr();

  // Writes the exports, then starts an emulator whose fixture comes from them (varied by
  // variation_ when set), with `options`
  // (its fixture and app secret are set here), and points spec_ at it.
  void start_emulator(emulator::EmulatorOptions options = {});

  // Writes the exports and the job config, prepares the job and runs it.
  SyncRun sync(SyncCommand command = {});

  // The job from the current files: its plan (with --full when `full`) against the snapshot.
  Result<Job> prepare(bool full = false);

  json::object state() const;
  json::object stats() const;

  // Expects that for every valid entity of the HR exports each target holds exactly the document
  // the planner projects from it (the request body; Sophon's photo as its size and hash), that no
  // other entity was written, and that key fields equal the CSV cells.
  void expect_state_matches_source();

  // The snapshot's document of (target, key), read from the store.
  std::optional<std::string> snapshot_document(std::string_view target, std::string_view key);

  ScratchDir dir_;
  std::vector<Employee> employees_;
  std::vector<GroupRow> groups_;
  JobSpec spec_;
  SyncHooks hooks_;  // passed to execute_sync (connection pool, token refresh, connect_host)
  std::function<void()> before_execute_;  // called by sync() once the job is prepared, before it runs
  std::unique_ptr<emulator::Emulator> emu_;
  // When set, start_emulator() varies the fixture with it (emulator/fixture_variation.h) and keeps
  // who was changed in varied_.
  std::optional<emulator::FixtureVariation> variation_;
  emulator::VariationReport varied_;
};

// Requests the emulator counted for `endpoint` ("contact_user", "token", ...) in `stats`.
std::uint64_t endpoint_requests(const json::object& stats, std::string_view endpoint);

// Answers with API code (or outcome name) `outcome` on `endpoint`.
std::uint64_t endpoint_outcomes(const json::object& stats, std::string_view endpoint, std::string_view outcome);

// Requests to the five business APIs (not the token endpoint).
std::uint64_t business_requests(const json::object& stats);

// Requests to the five business APIs that were not throttled: the calls a run made, each once.
// A throttled answer (pacing that a loaded machine woke late) is sent again by design.
std::uint64_t business_calls(const json::object& stats);

// The five target ids.
const std::vector<std::string>& target_names();

// True iff `text` contains `part`.
inline bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

}  // namespace hrsync::integration
