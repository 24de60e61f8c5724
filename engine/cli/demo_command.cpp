// `hrsync demo`: the sample job, end to end, against the bundled emulator.
//
// The emulator runs as a child process (hrsync-emulator, found beside the hrsync binary), so the
// production binary carries no test server. It loads samples/demo/job.toml, points both base URLs at the emulator (whose fixture is made
// from the same sample CSVs, so every sample person and group exists there), keeps the snapshot
// and reports in a work folder, and runs two syncs: the first creates everything, the second
// finds nothing to send. Then it shows what the emulator holds and how many calls it served.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/cli/emulator_process.h"
#include "engine/plan/job.h"
#include "engine/cli/sync.h"

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
    out << fmt::format("━━ Sync {} of 2 {}━━\n", round,
                       round == 1 ? "(first run: everything is new) " : "(nothing changed since: nothing to send) ");
    auto job = prepare_job(*config, PlanOptions{}, /*create_store=*/true, demo_secret_env);
    if (!job) {
      err << "hrsync demo: " << job.error().str() << "\n";
      return exit_code_for(job.error());
    }
    SyncCommand sync;
    sync.config = config->path;
    code = execute_sync(*job, sync, SyncHooks{}, out, err);
    out << "\n";
    if (code >= kExitUsage) return code;
  }
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
