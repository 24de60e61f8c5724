// bench_e2e: end-to-end sync throughput — the engine's executor, HTTP client, token cache, rate
// limiter and snapshot commits against the emulator in the same process, over loopback.
//
// It generates N employees (samples/employee_generator.h) into a CSV export, starts an emulator
// whose attendance users are those employees, writes a job with the attendance_face target only,
// plans it (a first run: every employee is new) and applies the plan the way `hrsync sync` does
// (HttpTransport, SteadyClock, StoreSink into a real snapshot). Two scenarios:
//
//   paced   attendance_face at its documented 50/s, the emulator counting sliding windows and
//           answering after 5-20 ms: the rate achieved must reach 97 % of 50/s with nothing
//           throttled and no 1 s window above 50;
//   lifted  limits lifted on both sides (engine rate override, emulator rate_limits = false) and
//           no added latency: how many requests per second the whole path sustains;
//   jittered as paced, but the emulator counts each request after a random inbound delay of
//           5-30 ms (as a gateway counts at arrival, not at sending): the rate achieved must reach
//           95 % of 50/s with at most one throttled answer per 1,000 calls (`--token-lifetime 6`:
//           tokens fetched again every 3 s).
//
// The rate is measured between the first and the last answer (the steady state); the wall time of
// the whole apply (transport set-up, final commits) is shown beside it. Planning is not timed.
//
//   bench_e2e [--scenario paced|lifted|jittered|both] [--employees N] [--concurrency C|auto]
//             [--latency-ms MIN MAX] [--inbound-jitter-ms MIN MAX] [--server-threads T] [--min-share S]
//             [--token-lifetime S]
//
// `--concurrency auto` lets the executor size the requests in flight (concurrency_cap.h) and
// prints the cap it ended with and the largest it reached; the HTTP pool then holds up to that
// ceiling (64). `--latency-ms 200 200 --concurrency auto --min-share 0.95` is issue 20's slow link.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "emulator/emulator.h"
#include "engine/run/concurrency_cap.h"
#include "engine/run/executor.h"
#include "engine/net/http_transport.h"
#include "engine/plan/job.h"
#include "engine/run/store_sink.h"
#include "samples/employee_generator.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace emu = hrsync::emulator;
using SteadyTime = std::chrono::steady_clock;

constexpr std::string_view kSecret = "bench-secret";

struct Scenario {
  std::string name;
  std::uint64_t employees = 0;
  std::optional<unsigned> concurrency = 8;  // unset: "auto"
  double latency_min_ms = 0;
  double latency_max_ms = 0;
  bool limits = true;             // documented limits on both sides; else lifted on both
  unsigned server_threads = 1;
  double jitter_min_ms = 0;       // the emulator's inbound delay before it counts a request
  double jitter_max_ms = 0;
  double token_lifetime_s = 7200;  // the emulator's token lifetime: short ones refresh during the run
  double min_share = 0.97;         // paced and jittered: the share of 50/s the rate must reach
};

// CPU seconds (user + system) of the process (`who` = RUSAGE_SELF) or of the calling thread
// (RUSAGE_THREAD).
double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// An OutcomeSink that times the first and the last outcome and passes everything on.
class TimingSink final : public hrsync::OutcomeSink {
 public:
  explicit TimingSink(hrsync::OutcomeSink& next) : next_(next) {}

  hrsync::Result<void> record(const hrsync::Outcome& outcome) override {
    const auto now = SteadyTime::now();
    if (count_++ == 0) first_ = now;
    last_ = now;
    applied_ += outcome.status == hrsync::OutcomeStatus::kApplied ? 1 : 0;
    return next_.record(outcome);
  }
  hrsync::Result<void> target_finished(std::string_view target) override { return next_.target_finished(target); }

  std::uint64_t count() const { return count_; }
  std::uint64_t applied() const { return applied_; }
  double span_s() const { return std::chrono::duration<double>(last_ - first_).count(); }

 private:
  hrsync::OutcomeSink& next_;
  std::uint64_t count_ = 0;
  std::uint64_t applied_ = 0;
  SteadyTime::time_point first_{};
  SteadyTime::time_point last_{};
};

// The export and the emulator's attendance users: employees 0..n-1 of seed 1.
bool write_export(const std::string& path, std::uint64_t n, emu::Fixture& fixture) {
  hrsync::samples::GeneratorOptions options;
  options.count = n;
  options.seed = 1;
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) return false;
  const bool ok = hrsync::samples::write_employees_csv(options, out);
  std::fclose(out);
  const hrsync::samples::EmployeeGenerator generator(options);
  hrsync::samples::EmployeeValues row;
  fixture.attendance_users.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    generator.values(i, row);
    fixture.attendance_users.push_back({row[0], row[1]});  // employee_no, user_id
  }
  return ok;
}

std::string job_toml(const Scenario& s, const fs::path& dir, const std::string& base_url) {
  return fmt::format(
      "[job]\nsnapshot = \"{0}/hrsync.db\"\nreport_dir = \"{0}/reports\"\ncommit_batch = 500\n\n"
      "[feishu]\nbase_url = \"{1}\"\napp_id = \"cli_demo\"\napp_secret_file = \"{0}/secret\"\n\n"
      "[sources.employees]\nkind = \"csv\"\npath = \"{0}/employees.csv\"\n\n"
      "[targets.attendance_face]\nsource = \"employees\"\nemployee_type = \"employee_no\"\nconcurrency = {2}\n{3}",
      dir.string(), base_url, s.concurrency ? std::to_string(*s.concurrency) : "\"auto\"", s.limits ? "" : "rate = [\"1000000/s\"]\nallow_above_documented = true\n");
}

// The attendance tier of the emulator's stats: {"max_in_window", "throttled", ...}, or null.
const json::object* attendance_tier(const json::object& stats) {
  for (const json::value& tier : stats.at("limits").as_array()) {
    if (tier.at("limit").as_string() == "attendance_face") return &tier.as_object();
  }
  return nullptr;
}

std::uint64_t number(const json::value* v) { return v != nullptr ? v->to_number<std::uint64_t>() : 0; }

// The emulator of scenario `s`, serving the export it writes in `dir`; null (said why) on error.
std::unique_ptr<emu::Emulator> start_emulator(const Scenario& s, const fs::path& dir) {
  emu::EmulatorOptions eo;
  if (!write_export((dir / "employees.csv").string(), s.employees, eo.fixture)) {
    std::fprintf(stderr, "bench_e2e: cannot write %s\n", (dir / "employees.csv").c_str());
    return nullptr;
  }
  eo.app_secret = std::string(kSecret);
  eo.rate_limits = s.limits;
  eo.latency_min_ms = s.latency_min_ms;
  eo.latency_max_ms = s.latency_max_ms;
  eo.threads = s.server_threads;
  eo.inbound_jitter_min_ms = s.jitter_min_ms;
  eo.inbound_jitter_max_ms = s.jitter_max_ms;
  eo.token_lifetime_s = s.token_lifetime_s;
  auto emulator = std::make_unique<emu::Emulator>(std::move(eo));
  if (auto started = emulator->start(); !started) {
    std::fprintf(stderr, "bench_e2e: %s\n", started.error().str().c_str());
    return nullptr;
  }
  return emulator;
}

// What one apply of a plan did and cost.
struct Applied {
  std::optional<hrsync::RunSummary> summary;
  std::optional<hrsync::Error> commit_error;  // the last commit of the outcomes failed
  std::uint64_t answers = 0;                  // outcomes recorded
  std::uint64_t applied = 0;
  double span_s = 0;  // first to last outcome
  double wall_s = 0;
  double cpu_engine_s = 0;
  double cpu_process_s = 0;
};

// What execute_sync does around the executor, minus the plan text and the report; nullopt (said
// why) when it could not start.
std::optional<Applied> apply(const Scenario& s, hrsync::Job& job) {
  Applied a;
  const auto started = SteadyTime::now();
  const double cpu_process_before = cpu_seconds(RUSAGE_SELF);
  const double cpu_engine_before = cpu_seconds(RUSAGE_THREAD);
  boost::asio::io_context io;
  hrsync::SteadyClock clock;
  hrsync::HttpTransportOptions transport_options;
  transport_options.max_connections = s.concurrency.value_or(hrsync::AutoConcurrencyOptions{}.ceiling);
  auto transport = hrsync::HttpTransport::create(io.get_executor(), job.config.feishu, job.config.sophon,
                                                 job.config.http, clock, transport_options);
  if (!transport) {
    std::fprintf(stderr, "bench_e2e: %s\n", transport.error().str().c_str());
    return std::nullopt;
  }
  auto run_id = job.store->begin_run("sync", job.config.path, static_cast<std::int64_t>(std::time(nullptr)));
  if (!run_id) return std::nullopt;
  // As `hrsync sync` does: the executor publishes its counters on a board, and each commit writes
  // the run's progress from it in the same transaction.
  hrsync::ProgressBoard board;
  hrsync::StoreSink store_sink(*job.store, *run_id,
                               hrsync::StoreSinkOptions{.batch = job.config.commit_batch, .board = &board}, clock,
                               [] { return static_cast<std::int64_t>(std::time(nullptr)); });
  TimingSink sink(store_sink);
  hrsync::Executor executor(job.config, **transport, clock, sink, {}, &board);
  boost::asio::co_spawn(io, executor.run(job.plan), [&](std::exception_ptr e, hrsync::RunSummary r) {
    if (!e) a.summary = std::move(r);
  });
  io.run();
  if (auto flushed = store_sink.flush(); !flushed) a.commit_error = flushed.error();
  a.wall_s = std::chrono::duration<double>(SteadyTime::now() - started).count();
  a.cpu_engine_s = cpu_seconds(RUSAGE_THREAD) - cpu_engine_before;
  a.cpu_process_s = cpu_seconds(RUSAGE_SELF) - cpu_process_before;
  a.answers = sink.count();
  a.applied = sink.applied();
  a.span_s = sink.span_s();
  return a;
}

// Prints what the apply `a` of scenario `s` measured, beside the emulator's `stats`.
void print_figures(const Scenario& s, const Applied& a, const json::object& stats, double plan_s,
                   std::uint64_t planned) {
  const json::object& endpoint = stats.at("endpoints").at("attendance_face").as_object();
  const std::uint64_t requests = number(endpoint.if_contains("requests"));
  const std::uint64_t throttled = number(endpoint.if_contains("throttled"));
  const double rate = a.answers > 1 ? static_cast<double>(a.answers - 1) / a.span_s : 0;
  std::printf("scenario %s: %llu employees, attendance_face, concurrency %s, latency %g..%g ms, inbound jitter %g..%g ms, %s, emulator threads %u\n",
              s.name.c_str(), static_cast<unsigned long long>(s.employees),
              s.concurrency ? std::to_string(*s.concurrency).c_str() : "auto", s.latency_min_ms,
              s.latency_max_ms, s.jitter_min_ms, s.jitter_max_ms, s.limits ? "documented limit 50/s on both sides" : "limits lifted on both sides",
              s.server_threads);
  if (s.token_lifetime_s < 7200) std::printf("  tokens live %g s at the emulator\n", s.token_lifetime_s);
  std::printf("  plan (not timed below)   %.2f s\n", plan_s);
  std::printf("  applied                  %llu of %llu (%s)\n", static_cast<unsigned long long>(a.applied),
              static_cast<unsigned long long>(planned), a.summary ? "run completed" : "run FAILED");
  std::printf("  requests at the emulator %llu, throttled %llu (%.2f per 1,000 calls)\n",
              static_cast<unsigned long long>(requests), static_cast<unsigned long long>(throttled),
              requests > 0 ? 1000.0 * static_cast<double>(throttled) / static_cast<double>(requests) : 0.0);
  if (a.summary && !a.summary->targets.empty()) {
    const hrsync::TargetProgress& c = a.summary->targets.front().counts;
    std::printf("  concurrency in use       %s%u at the end, at most %u\n", c.concurrency_auto ? "auto: " : "", c.concurrency,
                c.concurrency_peak);
  }
  std::printf("  first to last answer     %.3f s -> %.1f req/s\n", a.span_s, rate);
  std::printf("  whole apply (wall)       %.3f s -> %.1f req/s\n", a.wall_s, static_cast<double>(a.answers) / a.wall_s);
  const double per_request_us = 1e6 / static_cast<double>(std::max<std::uint64_t>(requests, 1));
  std::printf("  CPU, engine thread       %.3f s = %.1f us per request\n", a.cpu_engine_s, a.cpu_engine_s * per_request_us);
  std::printf("  CPU, emulator and rest   %.3f s = %.1f us per request\n", a.cpu_process_s - a.cpu_engine_s,
              (a.cpu_process_s - a.cpu_engine_s) * per_request_us);
  if (s.limits) {
    const json::object* tier = attendance_tier(stats);
    std::printf("  of the 50/s limit        %.2f %%\n", rate / 50.0 * 100.0);
    std::printf("  most arrivals in any 1 s window: %llu (allowed 50)\n",
                static_cast<unsigned long long>(tier != nullptr ? number(tier->if_contains("max_in_window")) : 0));
  }
  std::fflush(stdout);
}

// Whether the apply `a` of scenario `s` met its bar. Paced: nothing throttled. Jittered: at most
// one throttled answer per 1,000 calls. Either way, every employee applied at the share asked.
bool passed(const Scenario& s, const Applied& a, const json::object& stats) {
  const json::object& endpoint = stats.at("endpoints").at("attendance_face").as_object();
  const std::uint64_t requests = number(endpoint.if_contains("requests"));
  const std::uint64_t throttled = number(endpoint.if_contains("throttled"));
  const double rate = a.answers > 1 ? static_cast<double>(a.answers - 1) / a.span_s : 0;
  const bool pacing_ok = s.jitter_max_ms > 0 ? throttled * 1000 <= std::max<std::uint64_t>(requests, 1) : throttled == 0;
  return !a.commit_error && a.summary && a.applied == s.employees &&
         (!s.limits || (pacing_ok && rate >= s.min_share * 50));
}

int run(const Scenario& s) {
  char tmpl[] = "/tmp/hrsync-bench-e2e.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 2;
  const fs::path dir = tmpl;
  const auto cleanup = [&] {
    std::error_code ec;
    fs::remove_all(dir, ec);
  };
  std::ofstream(dir / "secret") << kSecret;
  const auto emulator = start_emulator(s, dir);
  if (!emulator) {
    cleanup();
    return 2;
  }
  std::ofstream(dir / "job.toml") << job_toml(s, dir, emulator->base_url());

  const auto plan_start = SteadyTime::now();
  auto job = hrsync::prepare_job((dir / "job.toml").string(), hrsync::PlanOptions{}, /*create_store=*/true);
  if (!job) {
    std::fprintf(stderr, "bench_e2e: %s\n", job.error().str().c_str());
    cleanup();
    return 2;
  }
  const double plan_s = std::chrono::duration<double>(SteadyTime::now() - plan_start).count();
  const std::optional<Applied> applied = apply(s, *job);
  if (!applied) {
    cleanup();
    return 2;
  }

  const json::object stats = json::parse(emulator->stats_json()).as_object();
  print_figures(s, *applied, stats, plan_s, job->plan.targets.at(0).calls());
  emulator->stop();
  cleanup();
  if (applied->commit_error) std::fprintf(stderr, "bench_e2e: %s\n", applied->commit_error->str().c_str());
  return passed(s, *applied, stats) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_e2e: end-to-end sync throughput against the in-process emulator"};
  std::string scenario = "both";
  std::optional<std::uint64_t> employees;
  std::optional<std::string> concurrency_text;
  std::vector<double> latency;
  unsigned server_threads = 1;
  std::vector<double> jitter;
  double token_lifetime_s = 7200;
  std::optional<double> min_share;
  app.add_option("--scenario", scenario, "paced | lifted | jittered | both")
      ->check(CLI::IsMember({"paced", "lifted", "jittered", "both"}));
  app.add_option("--inbound-jitter-ms", jitter, "the emulator's inbound delay MIN MAX (jittered: 5 30)")->expected(2);
  app.add_option("--employees", employees, "employees to sync (paced: 2000, lifted: 200000)");
  app.add_option("--concurrency", concurrency_text, "requests in flight, or auto (paced: 8, lifted: 128)")
      ->check([](const std::string& v) {
        return v == "auto" || (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos && std::stoul(v) >= 1)
                   ? std::string()
                   : std::string("auto or a whole number of at least 1");
      });
  app.add_option("--latency-ms", latency, "added emulator latency MIN MAX (paced: 5 20, lifted: 0 0)")->expected(2);
  app.add_option("--server-threads", server_threads, "emulator threads");
  app.add_option("--token-lifetime", token_lifetime_s, "seconds a token lives at the emulator (7200; 6 refreshes every 3 s)");
  app.add_option("--min-share", min_share,
                 "share of 50/s a paced or jittered run must reach to exit 0 (paced: 0.97; jittered: 0.95, the "
                 "arrival jitter's bar, with at most one throttled call per 1,000)")
      ->check(CLI::Range(0.0, 1.0));
  CLI11_PARSE(app, argc, argv);
  // The scenario's default, the job's number, or unset for "auto".
  auto concurrency = [&](unsigned fallback) -> std::optional<unsigned> {
    if (!concurrency_text) return fallback;
    if (*concurrency_text == "auto") return std::nullopt;
    return static_cast<unsigned>(std::stoul(*concurrency_text));
  };

  int code = 0;
  if (scenario == "jittered") {
    Scenario s{"jittered", employees.value_or(2000), concurrency(8), 5, 20, true, server_threads, 5, 30};
    if (latency.size() == 2) std::tie(s.latency_min_ms, s.latency_max_ms) = std::tie(latency[0], latency[1]);
    if (jitter.size() == 2) std::tie(s.jitter_min_ms, s.jitter_max_ms) = std::tie(jitter[0], jitter[1]);
    s.token_lifetime_s = token_lifetime_s;
    s.min_share = min_share.value_or(0.95);
    return run(s);
  }
  if (scenario != "lifted") {
    Scenario s{"paced", employees.value_or(2000), concurrency(8), 5, 20, true, server_threads};
    s.min_share = min_share.value_or(0.97);
    if (latency.size() == 2) std::tie(s.latency_min_ms, s.latency_max_ms) = std::tie(latency[0], latency[1]);
    code = std::max(code, run(s));
  }
  if (scenario != "paced") {
    Scenario s{"lifted", employees.value_or(200000), concurrency(128), 0, 0, false, server_threads};
    if (latency.size() == 2) std::tie(s.latency_min_ms, s.latency_max_ms) = std::tie(latency[0], latency[1]);
    code = std::max(code, run(s));
  }
  return code;
}
