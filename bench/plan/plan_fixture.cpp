#include "bench/plan/plan_fixture.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <vector>

#include "engine/config/config.h"
#include "engine/plan/planner.h"
#include "samples/employee_generator.h"
#include "store/snapshot_store.h"

namespace hrsync::bench {
namespace {

namespace fs = std::filesystem;
using samples::EmployeeGenerator;
using samples::EmployeeValues;
using samples::GeneratorOptions;

constexpr int kFixtureVersion = 1;            // bump when the data set changes meaning
constexpr std::size_t kCommitBatch = 100'000;  // snapshot rows per transaction
constexpr std::size_t kFlushBytes = 1u << 20;  // CSV bytes buffered before a write

// Columns of samples::kEmployeeColumns the fixture changes beyond the generator's own change.
constexpr std::size_t kCardNo = 19;
constexpr std::size_t kFaceKeyUpdateTime = 21;
constexpr std::size_t kPersonType = 23;

std::string marker_path(const FixtureOptions& o) { return (fs::path(o.folder) / "fixture.ready").string(); }

std::string marker_text(const FixtureOptions& o) {
  return fmt::format("version={} employees={} groups={} changed_share={} seed={} change_seed={}\n", kFixtureVersion,
                     o.employees, o.groups, o.changed_share, o.seed, o.change_seed);
}

GeneratorOptions generator_options(const FixtureOptions& o, bool changed) {
  GeneratorOptions g;
  g.count = o.employees;
  g.seed = o.seed;
  g.changed_share = changed ? o.changed_share : 0.0;
  g.change_seed = o.change_seed;
  return g;
}

// Group `i` is one of the changed ones: exactly round(groups * share) of them, spread evenly.
bool group_changed(std::uint64_t i, double share) {
  return std::floor(static_cast<double>(i + 1) * share) > std::floor(static_cast<double>(i) * share);
}

// The values a changed employee gets for the targets the generator's change does not reach.
void change_other_targets(EmployeeValues& v) {
  // 100000000 + i becomes 1100000000 + i: still unique, still an int32.
  v[kCardNo] = std::to_string(std::stoll(v[kCardNo]) + 1'000'000'000);
  const long long update = std::stoll(v[kFaceKeyUpdateTime]);
  v[kFaceKeyUpdateTime] = std::to_string(update + 86'400);
  const char type = v[kPersonType].empty() ? '1' : v[kPersonType][0];
  v[kPersonType].assign(1, static_cast<char>('1' + (type - '1' + 1) % 5));
}

void append_csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(v);
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// Buffers CSV text and writes it to a file in large blocks.
class CsvFile {
 public:
  explicit CsvFile(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "wb")) {}
  ~CsvFile() {
    if (file_ != nullptr) std::fclose(file_);
  }
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;

  std::string& buffer() { return buf_; }

  // Writes the buffer when it is large (or `force`); false on a write error.
  bool flush(bool force = false) {
    if (file_ == nullptr) return false;
    if (!force && buf_.size() < kFlushBytes) return true;
    const bool ok = std::fwrite(buf_.data(), 1, buf_.size(), file_) == buf_.size();
    buf_.clear();
    return ok && (!force || std::fflush(file_) == 0);
  }

  Result<void> finish() {
    if (!flush(true)) return fail(Error::Kind::kIo, path_, "cannot write the benchmark export");
    return {};
  }

 private:
  std::string path_;
  std::FILE* file_;
  std::string buf_;
};

Result<void> write_employees(const std::string& path, const FixtureOptions& o, bool changed) {
  const EmployeeGenerator gen(generator_options(o, changed));
  CsvFile file(path);
  EmployeeValues v;
  EmployeeGenerator::append_header(file.buffer());
  for (std::uint64_t i = 0; i < o.employees; ++i) {
    gen.values(i, v);
    if (changed && gen.changed(i)) change_other_targets(v);
    std::string& out = file.buffer();
    for (std::size_t c = 0; c < v.size(); ++c) {
      if (c != 0) out += ',';
      append_csv_field(out, v[c]);
    }
    out += '\n';
    if (!file.flush()) return fail(Error::Kind::kIo, path, "cannot write the benchmark export");
  }
  return file.finish();
}

Result<void> write_groups(const std::string& path, const FixtureOptions& o, bool changed) {
  CsvFile file(path);
  std::string& out = file.buffer();
  out += "group_id,name,description\n";
  for (std::uint64_t i = 0; i < o.groups; ++i) {
    const bool differs = changed && group_changed(i, o.changed_share);
    fmt::format_to(std::back_inserter(out), "g-{:06},Group {},\"Members of group {}, office {}{}\"\n", i + 1, i + 1,
                   i + 1, i % 12 + 1, differs ? " (reorganised)" : "");
  }
  return file.finish();
}

Result<void> write_config(const std::string& path, std::string_view employees_csv, std::string_view groups_csv) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << fmt::format(R"(# The full-plan benchmark's job (bench/plan): all five targets.
[job]
snapshot = "snapshot.db"
max_change_ratio = 0.30
max_missing_ratio = 0.05

[feishu]
base_url = "http://127.0.0.1:9"
app_id = "cli_bench"
app_secret_env = "HRSYNC_BENCH_APP_SECRET"

[sophon]
base_url = "http://127.0.0.1:9"

[sources.employees]
kind = "csv"
path = "{}"

[sources.groups]
kind = "csv"
path = "{}"

[targets.contact_user]
source = "employees"
mode = "put"
on_missing = "freeze"

[targets.contact_group]
source = "groups"

[targets.attendance_face]
source = "employees"
employee_type = "employee_no"

[targets.acs_card]
source = "employees"

[targets.sophon_person]
source = "employees"
)",
                     employees_csv, groups_csv);
  out.close();
  if (!out) return fail(Error::Kind::kIo, path, "cannot write the benchmark job config");
  return {};
}

// The first run's job: the base employee export through the four employee targets, their
// options left to their defaults, and a snapshot that is never created (plan does not create it).
Result<void> write_first_run_config(const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << R"(# The first-run benchmark's job (bench/plan --first-run): four employee targets, no snapshot.
[job]
snapshot = "first-run.db"

[feishu]
base_url = "http://127.0.0.1:9"
app_id = "cli_bench"
app_secret_env = "HRSYNC_BENCH_APP_SECRET"

[sophon]
base_url = "http://127.0.0.1:9"

[sources.employees]
kind = "csv"
path = "employees_base.csv"
)";
  for (const char* target : {"contact_user", "attendance_face", "acs_card", "sophon_person"}) {
    out << "\n[targets." << target << "]\nsource = \"employees\"\n";
  }
  out.close();
  if (!out) return fail(Error::Kind::kIo, path, "cannot write the first-run job config");
  return {};
}

std::string first_run_marker_path(const FixtureOptions& o) { return (fs::path(o.folder) / "first-run.ready").string(); }

std::string first_run_marker_text(const FixtureOptions& o) {
  return fmt::format("version={} employees={} seed={}\n", kFixtureVersion, o.employees, o.seed);
}

std::string no_env(const char*) { return {}; }

// Commits every planned document of `target`, as a fully successful sync would.
Result<void> commit_plan(SnapshotStore& store, TargetPlan& target, std::int64_t run_id, std::int64_t now) {
  std::vector<SnapshotStore::AppliedRow> rows;
  rows.reserve(std::min(kCommitBatch, target.work.size()));
  for (std::size_t i = 0; i < target.work.size(); ++i) {
    Document& d = target.work[i].desired;
    rows.push_back({std::move(d.key), d.hash, std::move(d.body)});
    if (rows.size() < kCommitBatch && i + 1 < target.work.size()) continue;
    if (auto r = store.commit(target.id, rows, run_id, now); !r) return r;
    rows.clear();
  }
  // The new entities past the first few come from the plan's spool.
  for (Work w; target.stream && target.stream->next(w);) {
    rows.push_back({std::move(w.desired.key), w.desired.hash, std::move(w.desired.body)});
    if (rows.size() < kCommitBatch) continue;
    if (auto r = store.commit(target.id, rows, run_id, now); !r) return r;
    rows.clear();
  }
  if (target.stream && !target.stream->status()) return std::unexpected(target.stream->status().error());
  if (auto r = store.commit(target.id, rows, run_id, now); !r) return r;
  return {};
}

// Plans the base exports one target at a time and commits every document to the snapshot.
Result<void> build_snapshot(const FixturePaths& paths) {
  auto config = load_config(paths.base_config, no_env);
  if (!config) return std::unexpected(config.error());
  auto store = SnapshotStore::open(paths.snapshot);
  if (!store) return std::unexpected(store.error());
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto run = store->begin_run("sync", paths.base_config, now);
  if (!run) return std::unexpected(run.error());
  for (const auto& tc : config->targets) {
    PlanOptions only;
    only.only = {tc.id};
    auto targets = make_targets(*config, only);
    if (!targets) return std::unexpected(targets.error());
    auto sources = open_sources(*config, *targets, no_env);
    if (!sources) return std::unexpected(sources.error());
    auto plan = make_plan(*config, *targets, std::move(*sources), &*store, only);
    if (!plan) return std::unexpected(plan.error());
    for (auto& t : plan->targets) {
      std::fprintf(stderr, "  snapshot of %s: %zu documents\n", t.id.c_str(), t.work.size());
      if (auto r = commit_plan(*store, t, *run, now); !r) return r;
    }
  }
  return store->finish_run(*run, "succeeded", 0, "{}", now);
}

// True iff the marker file at `path` holds exactly `expected` (what was built, for which options).
bool marker_says(const std::string& path, const std::string& expected) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return in && text.str() == expected;
}

// Writes `text` to the marker file at `path`, the last step of building what it marks.
Result<void> write_marker(const std::string& path, const std::string& text) {
  std::ofstream marker(path, std::ios::binary | std::ios::trunc);
  marker << text;
  marker.close();
  if (!marker) return fail(Error::Kind::kIo, path, "cannot write the fixture marker");
  return {};
}

}  // namespace

FixturePaths fixture_paths(const FixtureOptions& options) {
  const fs::path dir(options.folder);
  return {(dir / "base.toml").string(), (dir / "changed.toml").string(), (dir / "snapshot.db").string(),
          (dir / "first-run.toml").string()};
}

bool fixture_ready(const FixtureOptions& options) { return marker_says(marker_path(options), marker_text(options)); }

Result<void> build_fixture(const FixtureOptions& options) {
  if (fixture_ready(options)) return {};
  std::error_code ec;
  fs::create_directories(options.folder, ec);
  if (ec) return fail(Error::Kind::kIo, options.folder, "cannot create the fixture folder: " + ec.message());
  fs::remove(marker_path(options), ec);
  const FixturePaths paths = fixture_paths(options);
  fs::remove(paths.snapshot, ec);
  fs::remove(paths.snapshot + "-wal", ec);
  fs::remove(paths.snapshot + "-shm", ec);

  const fs::path dir(options.folder);
  std::fprintf(stderr, "building the fixture in %s\n", options.folder.c_str());
  if (auto r = write_employees((dir / "employees_base.csv").string(), options, false); !r) return r;
  if (auto r = write_employees((dir / "employees_changed.csv").string(), options, true); !r) return r;
  if (auto r = write_groups((dir / "groups_base.csv").string(), options, false); !r) return r;
  if (auto r = write_groups((dir / "groups_changed.csv").string(), options, true); !r) return r;
  if (auto r = write_config(paths.base_config, "employees_base.csv", "groups_base.csv"); !r) return r;
  if (auto r = write_config(paths.changed_config, "employees_changed.csv", "groups_changed.csv"); !r) return r;
  if (auto r = build_snapshot(paths); !r) return r;

  return write_marker(marker_path(options), marker_text(options));
}

bool first_run_ready(const FixtureOptions& options) {
  return marker_says(first_run_marker_path(options), first_run_marker_text(options));
}

Result<void> build_first_run(const FixtureOptions& options) {
  if (first_run_ready(options)) return {};
  std::error_code ec;
  fs::create_directories(options.folder, ec);
  if (ec) return fail(Error::Kind::kIo, options.folder, "cannot create the fixture folder: " + ec.message());
  const fs::path dir(options.folder);
  std::fprintf(stderr, "building the first run's export in %s\n", options.folder.c_str());
  if (!fixture_ready(options)) {  // else the full fixture wrote the same export
    if (auto r = write_employees((dir / "employees_base.csv").string(), options, false); !r) return r;
  }
  if (auto r = write_first_run_config(fixture_paths(options).first_run_config); !r) return r;
  return write_marker(first_run_marker_path(options), first_run_marker_text(options));
}

std::uint64_t changed_employees(const FixtureOptions& options) {
  const EmployeeGenerator gen(generator_options(options, true));
  std::uint64_t n = 0;
  for (std::uint64_t i = 0; i < options.employees; ++i) n += gen.changed(i) ? 1 : 0;
  return n;
}

std::uint64_t changed_groups(const FixtureOptions& options) {
  std::uint64_t n = 0;
  for (std::uint64_t i = 0; i < options.groups; ++i) n += group_changed(i, options.changed_share) ? 1 : 0;
  return n;
}

}  // namespace hrsync::bench
