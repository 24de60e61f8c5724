// PlanFixture: the data set of the full-plan benchmark, built once in a cache folder.
//
// The fixture is what a nightly job sees the morning after a quiet day: a job config with all
// five targets, an employee export and a groups export, and a snapshot (SQLite) that holds what
// a previous sync applied for every entity of the day before. A second export of the same people
// differs in a share of them (1 % by default): the generator changes their job title and city
// (contact_user), and the fixture also changes their card number (acs_card), face key update
// time (attendance_face) and Sophon person type (sophon_person), so every target sees the same
// share change. The same share of groups gets a new description (contact_group).
//
// The snapshot is built the way a sync builds it: the planner plans the base exports (one target
// at a time, to bound memory) and every planned document is committed with SnapshotStore::commit
// in large batches. A marker file written last says the folder is complete for given options;
// build_fixture() skips the work when it is there.
//
// A first run (bench_plan --first-run) needs less: the base employee export and a job of the four
// employee targets (contact_user, attendance_face, acs_card, sophon_person) with no snapshot.
//
// Thread-safety: one caller at a time per folder.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"

namespace hrsync::bench {

struct FixtureOptions {
  std::string folder;                   // the cache folder (created when missing)
  std::uint64_t employees = 1'000'000;  // employees in each export
  std::uint64_t groups = 1'000;         // groups in each export
  double changed_share = 0.01;          // share of employees and of groups changed in the second export
  std::uint64_t seed = 42;              // the population of the base export
  std::uint64_t change_seed = 7;        // picks the changed employees and their new values
};

// The files of a fixture, inside its folder.
struct FixturePaths {
  std::string base_config;       // job config reading the base exports
  std::string changed_config;    // job config reading the exports with a share changed
  std::string snapshot;          // the snapshot both configs name
  std::string first_run_config;  // the base employee export through the four employee targets,
                                 // with a snapshot that does not exist: a first run
};

FixturePaths fixture_paths(const FixtureOptions& options);

// True iff the folder holds a complete fixture built with exactly these options.
bool fixture_ready(const FixtureOptions& options);

// Builds the fixture unless it is ready; progress lines go to stderr. Errors name the step.
Result<void> build_fixture(const FixtureOptions& options);

// The first run's part alone: the base employee export (unless the full fixture wrote it) and
// first_run_config, whose snapshot (first-run.db) is never created. Changed share, groups and
// snapshot play no part.
bool first_run_ready(const FixtureOptions& options);
Result<void> build_first_run(const FixtureOptions& options);

// How many employees, and how many groups, the changed exports change.
std::uint64_t changed_employees(const FixtureOptions& options);
std::uint64_t changed_groups(const FixtureOptions& options);

}  // namespace hrsync::bench
