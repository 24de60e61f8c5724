// `hrsync demo`: the sample job, end to end, against the bundled emulator.
//
// The emulator runs as a child process (hrsync-emulator, found beside the hrsync binary), so the
// production binary carries no test server. It loads samples/demo/job.toml, points both base URLs at the emulator (whose fixture is made
// from the same sample CSVs, so every sample person and group exists there), keeps the snapshot
// and reports in a work folder, and runs two syncs: the first sends every sample entity (the
// emulator holds them all, so each is an update), the second finds nothing to send. Two more runs
// of the directory alone follow, on a copy of the export: one where a new hire (whom the emulator
// lacks) joins and a person leaves, with on_new = "create" and a read before the diff (the new
// hire is created, the leaver frozen); one where the leaver is back (unfrozen). Then it shows what
// the emulator holds and how many calls it served.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "engine/cli/commands.h"
#include "engine/cli/emulator_process.h"
#include "engine/plan/job.h"
#include "engine/cli/sync.h"
#include "engine/run/http_target_reader.h"

#ifndef HRSYNC_SOURCE_DIR
#define HRSYNC_SOURCE_DIR "."
#endif

namespace hrsync {
namespace {

namespace fs = std::filesystem;

// The samples folder: installed (PREFIX/share/hrsync/samples beside PREFIX/bin/hrsync), beside the
// source tree the binary was built from, or ./samples.
fs::path samples_dir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const fs::path installed = ec ? fs::path() : self.parent_path().parent_path() / "share" / "hrsync" / "samples";
  for (fs::path p : {installed, fs::path(HRSYNC_SOURCE_DIR) / "samples", fs::path("samples")}) {
    if (p.empty()) continue;
    if (fs::exists(p / "demo" / "job.toml")) return p;
  }
  return {};
}

std::string demo_secret_env(const char* name) {
  if (std::string_view(name) == "HRSYNC_DEMO_APP_SECRET") return "demo-secret";
  return process_env(name);
}

std::string entity_counts(const std::string& state_json) {
  boost::system::error_code ec;
  auto v = boost::json::parse(state_json, ec);
  if (ec || !v.is_object()) return "(state unreadable)";
  std::string out;
  for (const auto& [target, entities] : v.as_object()) {
    if (!entities.is_object()) continue;
    out += fmt::format("  {:<16} {} entities written\n", std::string_view(target), entities.as_object().size());
  }
  return out;
}

std::int64_t stat_total(const std::string& stats_json, std::string_view key) {
  boost::system::error_code ec;
  auto v = boost::json::parse(stats_json, ec);
  if (ec || !v.is_object()) return -1;
  const auto* n = v.as_object().if_contains(key);
  return n && n->is_int64() ? n->as_int64() : -1;
}

// The lines of the sample export: its header, then one line per person.
std::vector<std::string> export_lines(const fs::path& csv) {
  std::ifstream in(csv);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// A new hire the emulator lacks: the first sample person's row under a number, user_id, name,
// mobile and addresses of its own.
std::string new_hire(std::string row) {
  const std::vector<std::pair<std::string, std::string>> swaps = {
      {"E0001,u0001,Emma Clark,Emma Clark", "E9001,u9001,Nora Demo,Nora Demo"},
      {"emma.clark@example.com", "nora.demo@example.com"},
      {"+8613129861357", "+8613900009001"},
      {"u0001@corp.example.com", "u9001@corp.example.com"},
  };
  for (const auto& [from, to] : swaps) {
    if (auto at = row.find(from); at != std::string::npos) row.replace(at, from.size(), to);
  }
  return row;
}

// Writes `lines` to `path`, but line `skip` (0: none).
bool write_export(const fs::path& path, const std::vector<std::string>& lines, std::size_t skip) {
  std::ofstream out(path, std::ios::trunc);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i != skip || skip == 0) out << lines[i] << "\n";
  }
  return static_cast<bool>(out);
}

// One sync of `config` as the demo runs it; `only` and `reader` for the runs of the directory alone.
int demo_sync(const JobConfig& config, PlanOptions options, std::ostream& out, std::ostream& err) {
  auto job = prepare_job(config, std::move(options), /*create_store=*/true, demo_secret_env);
  if (!job) {
    err << "hrsync demo: " << job.error().str() << "\n";
    return exit_code_for(job.error());
  }
  SyncCommand sync;
  sync.config = config.path;
  const int code = execute_sync(*job, sync, SyncHooks{}, out, err);
  out << "\n";
  return code;
}

// Runs 3 and 4: a new hire and a leaver, then the leaver back, on the directory alone (a read of
// 300 users is a few calls; the other targets would read them one a call).
int hire_and_return(JobConfig config, const fs::path& samples, const fs::path& workdir, std::ostream& out,
                    std::ostream& err) {
  std::vector<std::string> lines = export_lines(samples / "employees.csv");
  if (lines.size() < 3) {
    err << "hrsync demo: the sample export has too few rows\n";
    return kExitUsage;
  }
  lines.push_back(new_hire(lines[1]));
  const fs::path copy = workdir / "employees.csv";
  auto& employees = config.sources.at("employees");
  employees.path = copy.string();
  for (TargetConfig& t : config.targets) {
    if (t.id != "contact_user") continue;
    t.on_new = OnNew::kCreate;
    t.read = ReadWhen::kAlways;
  }
  Redactor redactor;
  const std::size_t leaver = 2;  // the second sample person
  struct Round {
    const char* title;
    std::size_t skip;
  };
  for (const Round& r : {Round{"(a new hire the directory lacks is created; a leaver is frozen) ", leaver},
                         Round{"(the leaver is back: unfrozen) ", 0}}) {
    out << fmt::format("━━ Sync {} of 4, the directory alone {}━━\n", r.skip != 0 ? 3 : 4, r.title);
    if (!write_export(copy, lines, r.skip)) {
      err << "hrsync demo: cannot write " << copy.string() << "\n";
      return kExitUsage;
    }
    PlanOptions options;
    options.only = {"contact_user"};
    options.reader = http_target_reader(config, {}, redactor, "hrsync demo", err);
    const int code = demo_sync(config, std::move(options), out, err);
    if (code != kExitOk) return code;
  }
  return kExitOk;
}

}  // namespace

int run_demo(const DemoCommand& cmd, std::ostream& out, std::ostream& err) {
  const fs::path samples = samples_dir();
  if (samples.empty()) {
    err << "hrsync demo: cannot find samples/demo/job.toml; run it from the source tree\n";
    return kExitUsage;
  }
  fs::path workdir = cmd.workdir;
  if (workdir.empty()) {
    char tmpl[] = "/tmp/hrsync-demo.XXXXXX";
    if (!mkdtemp(tmpl)) {
      err << "hrsync demo: cannot create a temporary folder\n";
      return kExitUsage;
    }
    workdir = tmpl;
  }
  std::error_code ec;
  fs::create_directories(workdir, ec);

  auto program = EmulatorProcess::find_beside_self();
  if (!program) {
    err << "hrsync demo: " << program.error().str() << "\n";
    return kExitUsage;
  }
  // Every sample person and group exists there; a little latency, and a 20/s access-control limit
  // (that API documents none) so the pacing shows.
  EmulatorProcess emu;
  if (auto started = emu.start(*program,
                               {"--fixture-from-csv", (samples / "employees.csv").string(), "--groups-csv",
                                (samples / "groups.csv").string(), "--latency-ms", "2..15", "--acs-rate", "20/s",
                                "--app-secret-env", "HRSYNC_DEMO_EMULATOR_SECRET"},
                               workdir.string());
      !started) {
    err << "hrsync demo: " << started.error().str() << "\n";
    return kExitUsage;
  }

  auto config = load_config((samples / "demo" / "job.toml").string(), demo_secret_env);
  if (!config) {
    err << "hrsync demo: " << config.error().str() << "\n";
    return kExitUsage;
  }
  config->feishu.base_url = emu.base_url();
  config->sophon.base_url = emu.base_url();
  config->snapshot = (workdir / "hrsync.db").string();
  config->report_dir = (workdir / "reports").string();

  out << fmt::format("hrsync demo: the sample job ({}) against the emulator at {}\n", (samples / "demo" / "job.toml").string(),
                     emu.base_url());
  out << fmt::format("Snapshot and reports go to {}\n\n", workdir.string());

  int code = kExitOk;
  for (int round = 1; round <= 2; ++round) {
    out << fmt::format("━━ Sync {} of 4 {}━━\n", round,
                       round == 1 ? "(first run: the snapshot is empty, so every entity is sent once) "
                                  : "(nothing changed since: nothing to send) ");
    code = demo_sync(*config, PlanOptions{}, out, err);
    if (code >= kExitUsage) return code;
  }
  if (code == kExitOk) code = hire_and_return(*config, samples, workdir, out, err);
  if (code >= kExitUsage) return code;
  const std::string stats = emu.get("/_emulator/stats").value_or("");
  out << "The emulator now holds:\n" << entity_counts(emu.get("/_emulator/state").value_or(""));
  const auto requests = stat_total(stats, "requests");
  const auto throttled = stat_total(stats, "throttled");
  if (requests >= 0) out << fmt::format("  requests served: {}, throttled: {}\n", requests, std::max<std::int64_t>(0, throttled));
  out << "\nTry: hrsync plan --config samples/demo/job.toml   (what a sync would do, without calls)\n";
  emu.stop();
  return code;
}

}  // namespace hrsync
