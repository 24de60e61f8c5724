// JobConfig: one sync job, read from a TOML file (see samples/demo/job.toml and README "Job config").
//
// load_config() reads and checks the whole file before anything else runs. Unknown keys are
// errors (a typo must not silently disable a safety setting), and every error names the file,
// line and key. Relative paths are resolved against the config file's folder. Secrets are read
// from the environment variable or file the config names, never from the config text.
//
// Thread-safety: a plain value type, read-only once loaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/targets/target_connector.h"
#include "base/error.h"
#include "diff/record.h"
#include "base/secret.h"

namespace hrsync {

struct SourceConfig {
  std::string name;           // the table name: [sources.NAME]
  std::string kind;           // csv | sqlite | postgres
  Entity entity = Entity::kEmployees;  // employees | groups
  std::string path;           // csv: the file; sqlite: the database file
  std::string query;          // sqlite, postgres: the SELECT that yields the rows
  std::string dsn_env;        // postgres: the environment variable holding the connection string
  std::string encoding;       // csv: utf-8 (default) | gb18030
  char delimiter = ',';       // csv: the field separator, one byte
  std::vector<std::pair<Field, std::string>> renames;  // [sources.NAME.columns]
  std::string where;          // "job.toml:23", for messages
};

// When a run reads its target before the plan diffs (engine/plan/target_read.h).
enum class ReadWhen : std::uint8_t {
  kEmpty,   // "empty": when the target's snapshot holds no entity (a first run, an adopted tenant)
  kAlways,  // "always": every run, so an edit made on the target is seen and repaired
  kNever,   // "never": trust the snapshot alone
};

// What a sync does with an entity of the source its target lacks (a read found it absent).
enum class OnNew : std::uint8_t {
  kSkip,    // "skip": list it, send nothing until the target holds it
  kCreate,  // "create": create it with the connector's create operation
};

struct TargetConfig {
  std::string id;             // contact_user | contact_group | attendance_face | acs_card | sophon_person
  std::string source;         // the source it reads
  bool enabled = true;
  TargetOptions options;
  std::vector<RateTier> rate;        // overrides the connector's default tiers when not empty
  bool allow_above_documented = false;  // lets `rate` pass the documented limit (benches, a raised quota)
  std::vector<RateTier> lane_rate;   // overrides the tiers of the connector's lanes (its lanes())
  // `concurrency`: the most requests in flight on this target (reads too), or unset for "auto",
  // the default: sized from the rate and the measured round trip (engine/run/concurrency_cap.h).
  std::optional<unsigned> concurrency;
  // `read`: when to read the target before diffing; unset, per target (default_read_when()).
  std::optional<ReadWhen> read;
  std::vector<RateTier> read_rate;   // overrides the read operation's tiers when not empty
  // `on_new`: what to do with an entity the target lacks; "create" only where the connector has a
  // create operation (contact_user, contact_group, sophon_person).
  OnNew on_new = OnNew::kSkip;
  double max_failure_ratio = 0.5;    // quarantine the target when failures pass this share...
  unsigned failure_window = 50;      // ...of the last this-many finished entities
  std::string where;
};

// The read setting in force: the target's `read`, else its default — contact_user reads every run
// (50 users a call: 20,000 users cost 400 calls, seconds), the others when their snapshot is empty
// (one entity a call: reading is as dear as writing).
ReadWhen default_read_when(const TargetConfig& tc);

struct RetryConfig {
  unsigned max_attempts = 10;        // per entity, first try included
  double base_delay_s = 0.5;         // first backoff ceiling (full jitter below it)
  double max_delay_s = 30.0;         // backoff cap
  std::optional<double> lock_delay_s;  // replaces the first delay of a code's own backoff (the
                                       // connector's CodeRule::backoff) when set
  unsigned budget = 1000;            // per target, the retry bucket's size (gRFC A6 maxTokens): a
                                     // transient failure takes a token, retries stop below half
  double token_ratio = 1.0;          // tokens a success puts back (gRFC A6 tokenRatio)
  double max_pause_s = 60;           // the longest pause a throttled answer's reset may ask for
};

// How `hrsync sync` shows its progress when stdout is not a terminal (a nightly job's log).
struct ProgressConfig {
  double interval_s = 10;            // seconds between two plain progress lines
};

struct HttpConfig {
  double connect_timeout_s = 10.0;
  double request_timeout_s = 30.0;   // write + read of one request
  std::string ca_file;               // extra trust anchor (PEM); the system store otherwise
};

// Where a secret comes from, and what reading it found. The value is read when the config loads;
// a missing one is an error only for the commands that call the API (see require_secret).
struct SecretRef {
  std::string env;                   // the environment variable named by *_env, or ""
  std::string file;                  // the file named by *_file (resolved), or ""
  std::string key;                   // "feishu.app_secret_env", for messages
  std::string where;                 // "job.toml:9"
  Secret value;
  std::string problem;               // why value is empty, when it is ("FEISHU_APP_SECRET is not set")
};

struct FeishuConfig {
  std::string base_url = "https://open.feishu.cn";
  std::string app_id;
  SecretRef app_secret;              // from app_secret_env or app_secret_file
  std::string where;
};

struct SophonConfig {
  std::string base_url;              // e.g. http://192.168.1.180:5555
  SecretRef token;                   // optional: from token_env or token_file
  std::string where;
};

// [notify]: the run summary posted to a Feishu group chat through a custom bot's webhook.
struct NotifyConfig {
  bool enabled = false;              // a [notify] section is present
  SecretRef webhook_url;             // from webhook_url_env or webhook_url_file: the URL is a credential
  SecretRef secret;                  // optional signing secret, from secret_env or secret_file
  bool always = false;               // when = "always"; else only when the run did not exit 0
  std::string where;
};

struct JobConfig {
  std::string path;                  // the config file itself
  std::string name;                  // job.name: the `job` label of the metrics; default the file's stem
  std::string metrics_file;          // Prometheus text file written during and after a sync; "" = none
  std::string snapshot = "var/hrsync.db";
  std::string report_dir = "var/reports";
  double max_change_ratio = 0.30;    // safety gate: share of entities that would change
  double max_missing_ratio = 0.05;   // safety gate: share of known entities gone from the source
  unsigned max_create = 50;          // safety gate: the most creates a run may send, all targets together
  unsigned commit_batch = 500;       // snapshot rows per transaction
  FeishuConfig feishu;
  SophonConfig sophon;
  HttpConfig http;
  RetryConfig retry;
  NotifyConfig notify;
  ProgressConfig progress;
  std::map<std::string, SourceConfig> sources;
  std::vector<TargetConfig> targets;  // in the order of target_ids()
  std::vector<std::string> warnings;  // what loading found doubtful but allowed; plan and sync print them
};

// Environment lookup, injectable so tests need not touch the process environment.
using EnvLookup = std::string (*)(const char* name);
std::string process_env(const char* name);

// Reads, checks and resolves `path`. Errors are kConfig with where = "file:line key".
Result<JobConfig> load_config(const std::string& path, EnvLookup env = process_env);

// Ok when `ref` holds a value; otherwise a kConfig error saying which variable or file to set.
Result<void> require_secret(const SecretRef& ref);

// Parses a rate tier: "50/s", "1000/min", "100/m", "3600/h", "5/10s".
Result<RateTier> parse_rate(std::string_view text);

}  // namespace hrsync
