// JobRun: one run of a job's plan, from its line in the run log to its report — the use case
// behind `hrsync sync` and `hrsync apply`, with its seams taken as arguments.
//
// begin() records the run in the job's run log (and the plan file it applies, before any call);
// apply() then sends the plan through the executor over the given transport and clock, records
// every outcome through a StoreSink, forgets the keys that left the source once their target
// finished without stopping, builds the report (cleaned of secrets), and closes the run in the
// log with the report's JSON as its summary. stop() ends the sending early: what the targets
// confirmed is committed, the rest is sent by the next run, and the run is closed as
// "interrupted" with the stop signal. abort() closes a run that could not start (no transport).
//
// The caller owns what is printed, the report file, the lock and the process: the run writes
// nothing but the store, and says what went wrong without stopping it through RunSeams::warn.
// With a fake transport and a ManualClock (RunSeams::drive) a whole run needs no socket.
//
// Thread-safety: one thread, the one that runs RunSeams::io; stop() is called on it too (from a
// handler the io_context runs). The job, its store and every seam outlive the JobRun.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/error.h"
#include "engine/net/clock.h"
#include "engine/net/transport.h"
#include "engine/plan/job.h"
#include "engine/run/progress.h"
#include "engine/run/redactor.h"
#include "engine/run/run_report.h"

namespace hrsync {

// What the run log records of a run.
struct RunSettings {
  std::string command;        // the run log's command: "sync --full", "apply /srv/plan.jsonl"
  std::string plan_checksum;  // the plan file the run applies, recorded with it before any call;
                              // "" when it applies a plan made in memory
};

// What a run works with. Each outlives the run.
struct RunSeams {
  net::io_context& io;    // the loop the run's coroutines run on; the transport's as well
  Transport& transport;
  Clock& clock;
  ProgressBoard& board;   // the executor publishes each target's counters here
  Redactor& redactor;     // cleans stored messages and the report of secrets
  // Runs `io` until it has no work left or is stopped; empty: io.run(). A test drives it in
  // virtual time (ManualClock::run).
  std::function<void(net::io_context&)> drive;
  // Told, one line without a prefix, of what went wrong without stopping the run (a key the store
  // could not forget, progress not written). Empty: not told.
  std::function<void(const std::string&)> warn;
};

// A closed run.
struct RunResult {
  RunReport report;                 // cleaned of secrets; report.exit_code is the run's
  std::string json;                 // render_run_json(report): the run's summary in the run log
  std::optional<Error> not_closed;  // why the run log could not close the run (it stays "running")
};

// Why a run could not begin; nothing was sent.
struct RunNotBegun {
  Error error;
  int exit_code = 0;  // kExitUsage: the run log refused the run; kExitStore: the plan file could
                      // not be recorded with it
};

class JobRun {
 public:
  // Records a run of `job` in its run log. `unix_now` gives Unix seconds (empty: the system's).
  // REQUIRES: job.store is open; job.plan is the plan to apply.
  static std::expected<JobRun, RunNotBegun> begin(Job& job, RunSettings settings,
                                                  std::function<std::int64_t()> unix_now = {});

  JobRun(JobRun&&) = default;

  std::int64_t id() const { return run_id_; }

  // Applies the plan and closes the run. Returns when every entity has an outcome or stop() was
  // called, with `seams.io` stopped (so that work of others on it, a signal wait or a timer, does
  // not keep it running). Call once. REQUIRES: `seams.io` is not run again after apply() (a stopped
  // run leaves its coroutines there, destroyed with it).
  RunResult apply(const RunSeams& seams);

  // Closes the run, which sent nothing, as stopped by an error: `why` (a transport that could not
  // be made). Each target's planned count, nothing done.
  RunResult abort(const Error& why, const Redactor& redactor);

  // Stops the run: nothing more is sent, apply() returns an "interrupted" report naming `signal`
  // (SIGTERM...). REQUIRES: signal > 0; called on the thread that runs the io_context.
  void stop(int signal);

 private:
  JobRun(Job& job, RunSettings settings, std::function<std::int64_t()> unix_now, std::int64_t run_id,
         std::int64_t started);

  RunReport header() const;
  RunResult close(RunReport report, const Redactor& redactor);

  Job* job_;
  RunSettings settings_;
  std::function<std::int64_t()> unix_now_;
  std::int64_t run_id_;
  std::int64_t started_;            // Unix seconds
  net::io_context* io_ = nullptr;   // while apply() runs
  int stopped_by_ = 0;
};

// Ok when every secret the plan's targets need is there; the first one missing otherwise.
Result<void> check_credentials(const Job& job);

// Adds every secret value the job's config knows to `redactor` (the tokens obtained during the run
// are added as they come, by the transport's caller).
void add_job_secrets(const JobConfig& config, Redactor& redactor);

}  // namespace hrsync
