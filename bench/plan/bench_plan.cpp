// bench_plan: the full plan of 1,000,000 employees across all five targets, against a snapshot in
// which 1 % of them changed — the wall time, CPU time and peak memory of what `hrsync plan` does
// before it prints: load the config, open the snapshot, make_plan (read both exports, project
// every record through its targets, diff against the snapshot, fetch the last documents of the
// changes, estimate the lanes, apply the gates). Rendering the plan text is timed apart.
//
// The data set (plan_fixture.h) is built once in a cache folder, in a child process, so that the
// set-up's memory never counts in this process's peak RSS. Each repetition plans in this process
// from the same warm page cache. The program checks the plan (every target: exactly the changed
// share changed, nothing new, missing or invalid) and exits 1 when it is wrong.
//
// With --first-run it times a first run instead: the base export of N employees through the four
// employee targets (contact_user, attendance_face, acs_card, sophon_person) with no snapshot, as
// `hrsync plan` does it before a migration (every entity new; each target keeps its first changes
// and spools the rest). Only the first repetition's peak RSS is the plan's own: the peak of a
// process never goes down, so later ones show the highest so far. It checks that every record is
// planned, new or invalid, on every target, and that each new one is a call.
//
//   bench_plan [--employees N] [--groups G] [--changed-share S] [--cache DIR] [--repetitions R]
//   bench_plan --first-run [--employees N] [--cache DIR] [--repetitions R]
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "bench/plan/plan_fixture.h"
#include "bench/plan/process_usage.h"
#include "engine/config/config.h"
#include "engine/plan/plan_report.h"
#include "engine/plan/planner.h"
#include "store/snapshot_store.h"

namespace {

using hrsync::Result;
using hrsync::bench::FixtureOptions;
using hrsync::bench::ProcessUsage;
using Clock = std::chrono::steady_clock;

std::string no_env(const char*) { return {}; }

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One planning run's figures.
struct Figures {
  double open_s = 0;    // load_config + make_targets + SnapshotStore::open
  double plan_s = 0;    // make_plan
  double render_s = 0;  // render_plan_text
  double cpu_s = 0;     // CPU of every thread, open and make_plan
  long max_rss_kib = 0; // the process's peak so far
};

struct TargetRow {
  std::string id;
  hrsync::TargetCounts counts;
  std::size_t work = 0;
};

// Builds the fixture in a child process; false when it failed.
bool ensure_fixture(const FixtureOptions& options) {
  if (hrsync::bench::fixture_ready(options)) return true;
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) {
    const auto start = Clock::now();
    auto built = hrsync::bench::build_fixture(options);
    if (!built) std::fprintf(stderr, "bench_plan: %s\n", built.error().str().c_str());
    std::fprintf(stderr, "fixture built in %.1f s\n", seconds_since(start));
    std::fflush(stderr);
    ::_exit(built ? 0 : 1);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Builds the first run's export and job in a child process; false when it failed.
bool ensure_first_run(const FixtureOptions& options) {
  if (hrsync::bench::first_run_ready(options)) return true;
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) {
    auto built = hrsync::bench::build_first_run(options);
    if (!built) std::fprintf(stderr, "bench_plan: %s\n", built.error().str().c_str());
    ::_exit(built ? 0 : 1);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// One plan of `config_path`: of the changed exports against the snapshot, or a first run (no
// snapshot). Fills `rows` with the counts.
Result<Figures> plan_once(const std::string& config_path, bool first_run, std::vector<TargetRow>& rows) {
  Figures f;
  const ProcessUsage before = ProcessUsage::sample();
  const auto start = Clock::now();
  auto config = hrsync::load_config(config_path, no_env);
  if (!config) return std::unexpected(config.error());
  const hrsync::PlanOptions options;
  auto targets = hrsync::make_targets(*config, options);
  if (!targets) return std::unexpected(targets.error());
  std::optional<hrsync::SnapshotStore> store;
  if (first_run && std::filesystem::exists(config->snapshot)) {
    return hrsync::fail(hrsync::Error::Kind::kUsage, config->snapshot, "a first run needs no snapshot: delete it");
  }
  if (!first_run) {
    auto opened = hrsync::SnapshotStore::open(config->snapshot);
    if (!opened) return std::unexpected(opened.error());
    store.emplace(std::move(*opened));
  }
  f.open_s = seconds_since(start);

  const auto plan_start = Clock::now();
  auto sources = hrsync::open_sources(*config, *targets, no_env);
  if (!sources) return std::unexpected(sources.error());
  auto plan = hrsync::make_plan(*config, *targets, std::move(*sources), store ? &*store : nullptr, options);
  if (!plan) return std::unexpected(plan.error());
  f.plan_s = seconds_since(plan_start);
  const ProcessUsage after = ProcessUsage::sample();
  f.cpu_s = after.cpu_s() - before.cpu_s();

  const auto render_start = Clock::now();
  const std::string text = hrsync::render_plan_text(*plan, hrsync::PlanRenderOptions{});
  f.render_s = seconds_since(render_start);
  if (text.empty()) return hrsync::fail(hrsync::Error::Kind::kInternal, "render_plan_text", "empty plan text");

  rows.clear();
  for (const auto& t : plan->targets) rows.push_back({t.id, t.counts, t.calls()});
  f.max_rss_kib = ProcessUsage::sample().max_rss_kib;
  return f;
}

// What every target must show; prints each broken expectation and returns how many there were.
int check_counts(const std::vector<TargetRow>& rows, const FixtureOptions& o) {
  const std::uint64_t people = hrsync::bench::changed_employees(o);
  const std::uint64_t groups = hrsync::bench::changed_groups(o);
  int wrong = 0;
  for (const auto& r : rows) {
    const bool is_group = r.id == "contact_group";
    const std::uint64_t total = is_group ? o.groups : o.employees;
    const std::uint64_t changed = is_group ? groups : people;
    const auto& c = r.counts;
    const bool ok = c.known == total && c.changed == changed && c.unchanged == total - changed && c.created == 0 &&
                    c.missing == 0 && c.invalid == 0 && r.work == changed;
    if (ok) continue;
    ++wrong;
    std::printf("WRONG %s: expected known %llu, changed %llu, unchanged %llu, nothing new, missing or invalid\n",
                r.id.c_str(), static_cast<unsigned long long>(total), static_cast<unsigned long long>(changed),
                static_cast<unsigned long long>(total - changed));
  }
  if (rows.size() != 5) {
    ++wrong;
    std::printf("WRONG: %zu targets planned, expected 5\n", rows.size());
  }
  return wrong;
}

// A first run: every record of every target planned new or invalid, every new one a call.
int check_first_run(const std::vector<TargetRow>& rows, const FixtureOptions& o) {
  int wrong = 0;
  for (const auto& r : rows) {
    const auto& c = r.counts;
    // A row planned with a field left out is listed invalid too: the sum may pass N.
    const std::uint64_t planned = c.created + c.unchanged;
    const bool ok = c.known == 0 && planned <= o.employees && planned + c.invalid >= o.employees && c.created > 0 &&
                    c.changed == 0 && c.missing == 0 && r.work == c.created;
    if (ok) continue;
    ++wrong;
    std::printf("WRONG %s: expected each of %llu records new, invalid or setting nothing; nothing known, changed or "
                "missing; one call per new entity\n",
                r.id.c_str(), static_cast<unsigned long long>(o.employees));
  }
  if (rows.size() != 4) {
    ++wrong;
    std::printf("WRONG: %zu targets planned, expected 4\n", rows.size());
  }
  return wrong;
}

std::string first_line_with(const char* file, std::string_view prefix) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) return line;
  }
  return {};
}

// "6.80 7.35 7.85": the load averages over 1, 5 and 15 minutes.
std::string load_average() {
  double load[3] = {0, 0, 0};
  std::sscanf(first_line_with("/proc/loadavg", "").c_str(), "%lf %lf %lf", &load[0], &load[1], &load[2]);
  return fmt::format("{:.2f} {:.2f} {:.2f}", load[0], load[1], load[2]);
}

void print_machine() {
  std::string model = first_line_with("/proc/cpuinfo", "model name");
  if (auto colon = model.find(':'); colon != std::string::npos) model = model.substr(colon + 2);
  long mem_kib = 0;
  std::sscanf(first_line_with("/proc/meminfo", "MemTotal:").c_str(), "MemTotal: %ld", &mem_kib);
  std::printf("machine: %s, %ld cores, %.1f GiB RAM; load average %s\n", model.c_str(),
              ::sysconf(_SC_NPROCESSORS_ONLN), static_cast<double>(mem_kib) / (1024.0 * 1024.0),
              load_average().c_str());
}

void print_counts(const std::vector<TargetRow>& rows) {
  std::printf("\n%-16s %9s %8s %9s %9s %8s %8s %7s %8s\n", "target", "known", "new", "changed", "unchanged", "missing",
              "invalid", "work", "changed%");
  for (const auto& r : rows) {
    const auto& c = r.counts;
    const double share = c.known == 0 ? 0.0 : 100.0 * static_cast<double>(c.changed) / static_cast<double>(c.known);
    std::printf("%-16s %9llu %8llu %9llu %9llu %8llu %8llu %7zu %7.2f%%\n", r.id.c_str(),
                static_cast<unsigned long long>(c.known), static_cast<unsigned long long>(c.created),
                static_cast<unsigned long long>(c.changed), static_cast<unsigned long long>(c.unchanged),
                static_cast<unsigned long long>(c.missing), static_cast<unsigned long long>(c.invalid), r.work, share);
  }
}

}  // namespace

int main(int argc, char** argv) {
  FixtureOptions options;
  int repetitions = 3;
  bool first_run = false;
  CLI::App app{"bench_plan: the full plan of N employees across all five targets, 1 % changed"};
  app.add_flag("--first-run", first_run,
               "time a first run instead: N employees through the four employee targets, no snapshot");
  app.add_option("--employees", options.employees, "employees in each export")->check(CLI::Range(1, 100'000'000));
  app.add_option("--groups", options.groups, "groups in each export")->check(CLI::Range(1, 1'000'000));
  app.add_option("--changed-share", options.changed_share, "share changed in the second export")
      ->check(CLI::Range(0.0, 0.25));
  app.add_option("--cache", options.folder, "fixture folder (default: $TMPDIR/hrsync-bench-plan-N)");
  app.add_option("--repetitions", repetitions, "plans to time")->check(CLI::Range(1, 20));
  CLI11_PARSE(app, argc, argv);
  if (options.folder.empty()) {
    options.folder =
        (std::filesystem::temp_directory_path() / fmt::format("hrsync-bench-plan-{}", options.employees)).string();
  }

  if (!(first_run ? ensure_first_run(options) : ensure_fixture(options))) {
    std::fprintf(stderr, "bench_plan: could not build the fixture in %s\n", options.folder.c_str());
    return 2;
  }
  const auto paths = hrsync::bench::fixture_paths(options);
  print_machine();
  if (first_run) {
    std::printf("first run: %s (%llu employees x 4 targets, no snapshot)\n", paths.first_run_config.c_str(),
                static_cast<unsigned long long>(options.employees));
  } else {
    std::printf("fixture: %s (%llu employees, %llu groups, %.1f %% changed)\n", options.folder.c_str(),
                static_cast<unsigned long long>(options.employees), static_cast<unsigned long long>(options.groups),
                options.changed_share * 100.0);
  }
  std::printf("peak RSS before planning: %.1f MiB\n\n", static_cast<double>(ProcessUsage::sample().max_rss_kib) / 1024);
  std::printf("%-4s %9s %9s %9s %9s %10s %12s\n", "run", "open s", "plan s", "wall s", "CPU s", "render s",
              "peak RSS MiB");

  std::vector<TargetRow> rows;
  std::vector<double> walls;
  for (int r = 1; r <= repetitions; ++r) {
    auto f = plan_once(first_run ? paths.first_run_config : paths.changed_config, first_run, rows);
    if (!f) {
      std::fprintf(stderr, "bench_plan: %s\n", f.error().str().c_str());
      return 2;
    }
    walls.push_back(f->open_s + f->plan_s);
    std::printf("%-4d %9.3f %9.3f %9.3f %9.3f %10.3f %12.1f\n", r, f->open_s, f->plan_s, f->open_s + f->plan_s,
                f->cpu_s, f->render_s, static_cast<double>(f->max_rss_kib) / 1024);
    std::fflush(stdout);
  }
  std::sort(walls.begin(), walls.end());
  std::printf("median wall %.3f s over %d runs; peak RSS %.1f MiB; load average now %s\n", walls[walls.size() / 2],
              repetitions, static_cast<double>(ProcessUsage::sample().max_rss_kib) / 1024, load_average().c_str());
  print_counts(rows);
  const int wrong = first_run ? check_first_run(rows, options) : check_counts(rows, options);
  return wrong == 0 ? 0 : 1;
}
