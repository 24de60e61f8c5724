// JobSpec: the job config of an integration test, written out as the TOML file that
// `hrsync sync --config` reads, so every run also goes through the config loader.
//
// The defaults describe a test job: both HR exports as CSV, every target on its documented rate
// limit and reading nothing before its diff (read = "never" unless a target's `extra` says), and
// retry delays of hundredths of a second (instead of seconds) with a high retry budget,
// so that a run under injected faults takes seconds.
//
// Thread-safety: plain values and a pure function.
#pragma once

#include <string>
#include <vector>

namespace hrsync::integration {

// One [targets.ID] table.
struct TargetSpec {
  std::string id;                    // contact_user | contact_group | attendance_face | acs_card | sophon_person
  std::vector<std::string> rate;     // "50/s", "1000/min"; empty = the connector's default
  unsigned concurrency = 8;          // requests in flight on the target
  double max_failure_ratio = 0.5;    // quarantine ceiling...
  unsigned failure_window = 50;      // ...over this many finished entities
  std::string extra;                 // further TOML lines for the table, e.g. "mode = \"patch\"\n"
                                     // (contact_user is written mode = "put" unless extra sets a mode)
};

struct JobSpec {
  std::string feishu_url;            // [feishu] base_url
  std::string sophon_url;            // [sophon] base_url
  std::string app_id = "cli_demo";
  std::string secret_file;           // feishu.app_secret_file
  std::string sophon_token_file;     // sophon.token_file; "" = none
  std::string ca_file;               // http.ca_file; "" = the system store
  double connect_timeout_s = 5;
  double request_timeout_s = 10;
  std::string employees_csv;         // [sources.employees] path
  std::string groups_csv;            // [sources.groups] path
  std::string snapshot;              // job.snapshot
  std::string report_dir;            // job.report_dir
  unsigned max_attempts = 15;        // [retry]
  double base_delay_s = 0.01;
  double max_delay_s = 0.2;
  double lock_delay_s = 0.02;
  unsigned budget = 100000;
  std::vector<TargetSpec> targets;
  std::string job_extra;             // further TOML lines for [job], e.g. "metrics_file = \"...\"\n"
  std::string extra;                 // further tables at the end, e.g. a [notify] section
};

// The five targets in target_ids() order. Feishu's documented limits stay the connectors'
// defaults; the undocumented ACS and Sophon limits are raised to 50/s (the emulator sets none).
std::vector<TargetSpec> all_targets();

// The TOML text of `spec`.
std::string job_toml(const JobSpec& spec);

}  // namespace hrsync::integration
