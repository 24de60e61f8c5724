#include "engine/cli/tune_command.h"

#include <algorithm>
#include <fstream>
#include <ostream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/cli/sync.h"
#include "engine/cli/tune_chart.h"
#include "engine/config/config.h"
#include "engine/plan/job.h"
#include "engine/run/exit_code.h"
#include "engine/run/run_lock.h"
#include "engine/run/tune.h"
#include "engine/run/tune_job.h"

namespace hrsync {
namespace {

namespace json = boost::json;

std::string ms(double s) { return fmt::format("{:.0f} ms", s * 1000); }

std::string tiers_text(const std::vector<RateTier>& tiers) {
  std::string out;
  for (const RateTier& t : tiers) {
    if (!out.empty()) out += ", ";
    out += t.window_seconds == 1 ? fmt::format("{}/s", t.limit)
           : t.window_seconds == 60 ? fmt::format("{}/min", t.limit)
                                    : fmt::format("{}/{}s", t.limit, t.window_seconds);
  }
  return out;
}

void print_step_line(const TargetTuning& t, std::ostream& out) {
  if (t.steps.empty()) return;
  out << "  probe:";
  for (const ProbeStep& s : t.steps) {
    out << fmt::format(" {:.1f}/s -> {:.1f}/s (p50 {}{}){}", s.offered, s.achieved, ms(s.p50_s),
                       s.throttled > 0 ? fmt::format(", {} throttled", s.throttled) : "", &s == &t.steps.back() ? "" : ";");
  }
  out << "\n";
  switch (t.found_by) {
    case FoundBy::kAnnounced: out << fmt::format("  found: throttled; the answer announced a limit of {}\n", *t.announced); break;
    case FoundBy::kThrottled: out << fmt::format("  found: throttled (no limit announced) above {:.1f}/s\n", t.found_rate); break;
    case FoundBy::kKnee: out << fmt::format("  found: the knee; more offered rate brought latency, not throughput: {:.1f}/s\n", t.found_rate); break;
    case FoundBy::kBudget: out << fmt::format("  found: at least {:.1f}/s (the writes ran out)\n", t.found_rate); break;
    default: break;
  }
}

void print_text(const TuneReport& r, std::ostream& out) {
  out << fmt::format("hrsync tune: {} target(s); {} write(s){}, {} read(s), {} token request(s)\n", r.targets.size(), r.writes,
                     r.write_probe ? fmt::format(" of at most {} (--write-probe)", r.max_writes) : " (no --write-probe)", r.reads,
                     r.token_calls);
  if (r.token.samples > 0) {
    out << fmt::format("Feishu token endpoint: p50 {}, p99 {}; connection set-up about {}\n", ms(r.token.p50_s), ms(r.token.p99_s),
                       ms(r.token.first_extra_s));
  }
  double today = 0, recommended = 0;
  for (const TargetTuning& t : r.targets) {
    out << fmt::format("\n{}: {} rate {}; today concurrency {}\n", t.id, t.documented ? "documented" : "undocumented, configured",
                       tiers_text(t.rate),
                       t.concurrency_auto ? fmt::format("auto ({} for a {} round trip)", t.concurrency, ms(t.round_trip_s))
                                          : fmt::to_string(t.concurrency));
    if (t.read_trips.samples > 0) {
      out << fmt::format("  reads: p50 {}, p99 {} ({} calls); first call +{}\n", ms(t.read_trips.p50_s), ms(t.read_trips.p99_s),
                         t.read_trips.samples, ms(t.read_trips.first_extra_s));
    }
    print_step_line(t, out);
    out << "  bound today by " << t.bound << "\n";
    out << "  recommended:";
    if (t.recommended_rate) out << fmt::format(" rate {}/s,", *t.recommended_rate);
    out << fmt::format(" concurrency {} (for a {} round trip)\n", t.recommended_concurrency, ms(t.round_trip_s));
    out << fmt::format("  a full sync of its {} entities: at least {:.1f} s today, {:.1f} s recommended\n", t.entities, t.least_s_today,
                       t.least_s_recommended);
    for (const std::string& n : t.notes) out << "  note: " << n << "\n";
    today = std::max(today, t.least_s_today);
    recommended = std::max(recommended, t.least_s_recommended);
  }
  out << fmt::format("\nA full sync (targets run at once): at least {:.1f} s today, {:.1f} s with the lines below.\n", today, recommended);
  out << "\n# Recommended by hrsync tune: merge each table's lines into the job's [targets.ID] table.\n";
  for (const TargetTuning& t : r.targets) {
    out << fmt::format("[targets.{}]\n", t.id);
    if (t.recommended_rate) out << fmt::format("rate = \"{}/s\"\n", *t.recommended_rate);
    out << fmt::format("concurrency = {}\n", t.recommended_concurrency);
  }
}

json::object round_trips_json(const RoundTrips& r) {
  return json::object{{"samples", r.samples}, {"p50_ms", r.p50_s * 1000}, {"p99_ms", r.p99_s * 1000},
                      {"connect_ms", r.first_extra_s * 1000}};
}

void print_json(const TuneReport& r, std::ostream& out) {
  json::array targets;
  for (const TargetTuning& t : r.targets) {
    json::array steps;
    for (const ProbeStep& s : t.steps) {
      steps.push_back(json::object{{"offered", s.offered}, {"achieved", s.achieved}, {"p50_ms", s.p50_s * 1000},
                                   {"p99_ms", s.p99_s * 1000}, {"sent", s.sent}, {"ok", s.ok}, {"throttled", s.throttled},
                                   {"failed", s.failed}});
    }
    json::object measured{{"reads", round_trips_json(t.read_trips)}, {"steps", std::move(steps)},
                          {"found_by", found_by_name(t.found_by)}, {"round_trip_ms", t.round_trip_s * 1000}};
    if (t.found_by != FoundBy::kNone) measured["found_rate"] = t.found_rate;
    if (t.announced) measured["announced_limit"] = *t.announced;
    json::object recommended{{"concurrency", t.recommended_concurrency}};
    recommended["rate"] = t.recommended_rate ? json::value(fmt::format("{}/s", *t.recommended_rate)) : json::value(nullptr);
    if (t.recommended_rate) recommended["rate_per_s"] = *t.recommended_rate;
    json::array notes;
    for (const auto& n : t.notes) notes.emplace_back(n);
    targets.push_back(json::object{{"id", t.id}, {"documented", t.documented}, {"rate", tiers_text(t.rate)},
                                   {"concurrency", t.concurrency}, {"concurrency_auto", t.concurrency_auto},
                                   {"measured", std::move(measured)},
                                   {"recommended", std::move(recommended)}, {"bound", t.bound}, {"entities", t.entities},
                                   {"least_seconds_today", t.least_s_today}, {"least_seconds_recommended", t.least_s_recommended},
                                   {"reads", t.reads}, {"writes", t.writes}, {"notes", std::move(notes)}});
  }
  json::object doc{{"write_probe", r.write_probe}, {"max_writes", r.max_writes},
                   {"calls", json::object{{"writes", r.writes}, {"reads", r.reads}, {"token", r.token_calls}}},
                   {"token", round_trips_json(r.token)}, {"targets", std::move(targets)}};
  out << json::serialize(doc) << "\n";
}

}  // namespace

int run_tune_command(const TuneCommand& cmd, std::ostream& out, std::ostream& err) {
  auto config = load_config(cmd.config);
  if (!config) {
    err << "hrsync tune: " << config.error().str() << "\n";
    return exit_code_for(config.error());
  }
  for (const std::string& warning : config->warnings) err << "hrsync tune: warning: " << warning << "\n";
  // The probe's calls share the targets' limits: never beside a sync of the same job, which would
  // be throttled and measure nothing true. Taken before the snapshot is opened (run_lock.h); a
  // missing snapshot stays missing, since the tune records nothing.
  int code = kExitOk;
  std::optional<RunLock> lock = lock_job(*config, "hrsync tune", err, code, /*create_snapshot=*/false);
  if (!lock) return code;
  PlanOptions plan_options;
  plan_options.full = true;
  plan_options.only = cmd.only;
  auto job = prepare_job(std::move(*config), plan_options, /*create_store=*/false);
  if (!job) {
    err << "hrsync tune: " << job.error().str() << "\n";
    return exit_code_for(job.error());
  }
  TuneOptions options;
  options.write_probe = cmd.write_probe;
  options.max_writes = cmd.max_calls;
  auto report = tune_job(*job, options);
  if (!report) {
    err << "hrsync tune: " << report.error().str() << "\n";
    return report.error().kind == Error::Kind::kInternal ? kExitSomeFailed : kExitUsage;
  }
  if (!cmd.svg.empty()) {
    std::ofstream file(cmd.svg, std::ios::binary | std::ios::trunc);
    file << render_tune_svg(*report);
    if (!file.flush()) {
      err << "hrsync tune: cannot write " << cmd.svg << "\n";
      return kExitUsage;
    }
  }
  if (cmd.json) {
    print_json(*report, out);
  } else {
    print_text(*report, out);
  }
  const bool all = std::all_of(report->targets.begin(), report->targets.end(), [](const TargetTuning& t) { return t.read_trips.samples > 0; });
  return all ? kExitOk : kExitSomeFailed;
}

}  // namespace hrsync
