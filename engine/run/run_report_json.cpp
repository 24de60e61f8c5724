// The run report as JSON: render_run_json() writes it (the report file, the run log's summary) and
// read_run_report() reads it back, side by side so that the two keep the same member names.
#include <boost/json.hpp>

#include <algorithm>

#include <fmt/format.h>

#include "diff/json_writer.h"
#include "engine/plan/json_fields.h"
#include "engine/run/run_report.h"

namespace hrsync {
namespace {

namespace json = boost::json;

using json_fields::count;
using json_fields::text;

// One target's totals (the "targets" array).
void write_target(JsonWriter& w, const TargetTotals& t) {
  w.begin_object().key("absent").integer(static_cast<std::int64_t>(t.absent));
  w.key("applied").integer(static_cast<std::int64_t>(t.applied));
  w.key("by_hand").begin_array();
  for (const auto& b : t.by_hand) {
    w.begin_object().key("field").string(b.field).key("key").string(b.key).key("reason").string(b.reason);
    w.key("where").string(b.where).end_object();
  }
  w.end_array();
  if (t.concurrency) {
    w.key("concurrency").begin_object().key("auto").boolean(t.concurrency->automatic);
    w.key("cap").integer(t.concurrency->cap).key("peak").integer(t.concurrency->peak).end_object();
  }
  w.key("failed").integer(static_cast<std::int64_t>(t.failed)).key("id").string(t.id);
  w.key("lowered_limits").begin_array();
  for (const auto& l : t.lowered_limits) {
    w.begin_object().key("announced").string(l.announced).key("configured").string(l.configured);
    w.key("lane").string(l.lane).end_object();
  }
  w.end_array();
  w.key("not_in_target").begin_array();
  for (const auto& e : t.not_held) {
    w.begin_object().key("code").integer(e.code).key("key").string(e.key).key("where").string(e.where).end_object();
  }
  w.end_array();
  w.key("not_sent").integer(static_cast<std::int64_t>(t.not_sent()));
  w.key("notes").begin_array();
  for (const auto& note : t.notes) w.string(note);
  w.end_array();
  w.key("planned").integer(static_cast<std::int64_t>(t.planned)).key("quarantined").string(t.quarantined);
  if (t.read) {
    w.key("read").begin_object().key("absent").integer(static_cast<std::int64_t>(t.read->absent));
    w.key("drifted").integer(static_cast<std::int64_t>(t.read->drifted));
    w.key("requests").integer(static_cast<std::int64_t>(t.read->requests));
    w.key("throttled").integer(static_cast<std::int64_t>(t.read->throttled)).end_object();
  }
  w.key("requests").integer(static_cast<std::int64_t>(t.requests));
  w.key("retries").integer(static_cast<std::int64_t>(t.retries)).key("seconds").raw(fmt::format("{:.3f}", t.seconds));
  w.key("skipped").integer(static_cast<std::int64_t>(t.skipped)).key("throttled").integer(static_cast<std::int64_t>(t.throttled));
  w.end_object();
}

// What a target's summary lists for a person to change (the writer's "by_hand").
std::vector<ByHandRow> by_hand_from(const json::object& target) {
  std::vector<ByHandRow> rows;
  const auto* list = target.if_contains("by_hand");
  if (!list || !list->is_array()) return rows;
  for (const auto& v : list->as_array()) {
    if (!v.is_object()) continue;
    const auto& o = v.as_object();
    rows.push_back({text(o, "key"), text(o, "where"), text(o, "field"), text(o, "reason")});
  }
  return rows;
}

// The entities an update found the target lacks (the writer's "not_in_target").
std::vector<NotHeldEntity> not_held_from(const json::object& target) {
  std::vector<NotHeldEntity> rows;
  const auto* list = target.if_contains("not_in_target");
  if (!list || !list->is_array()) return rows;
  for (const auto& v : list->as_array()) {
    if (!v.is_object()) continue;
    const auto& o = v.as_object();
    const auto* code = o.if_contains("code");
    rows.push_back({text(o, "key"), text(o, "where"), code != nullptr && code->is_int64() ? code->as_int64() : 0});
  }
  return rows;
}

// One target's totals as the writer wrote them (write_target).
TargetTotals totals_from(const json::object& o) {
  TargetTotals t;
  t.id = text(o, "id");
  t.planned = count(o, "planned");
  t.applied = count(o, "applied");
  t.failed = count(o, "failed");
  t.skipped = count(o, "skipped");
  t.absent = count(o, "absent");
  t.retries = count(o, "retries");
  t.throttled = count(o, "throttled");
  t.quarantined = text(o, "quarantined");
  t.requests = count(o, "requests");
  if (const auto* s = o.if_contains("seconds"); s && s->is_number()) t.seconds = s->to_number<double>();
  if (const auto* c = o.if_contains("concurrency"); c && c->is_object()) {
    const auto& co = c->as_object();
    const auto* automatic = co.if_contains("auto");
    t.concurrency = TargetTotals::Concurrency{automatic != nullptr && automatic->is_bool() && automatic->as_bool(),
                                              static_cast<std::uint32_t>(count(co, "cap")),
                                              static_cast<std::uint32_t>(count(co, "peak"))};
  }
  t.by_hand = by_hand_from(o);
  t.not_held = not_held_from(o);
  if (const auto* read = o.if_contains("read"); read && read->is_object()) {
    const auto& r = read->as_object();
    t.read = TargetTotals::Read{count(r, "requests"), count(r, "throttled"), count(r, "drifted"), count(r, "absent")};
  }
  if (const auto* lowered = o.if_contains("lowered_limits"); lowered && lowered->is_array()) {
    for (const auto& l : lowered->as_array()) {
      if (!l.is_object()) continue;
      const auto& lo = l.as_object();
      t.lowered_limits.push_back({text(lo, "lane"), text(lo, "configured"), text(lo, "announced")});
    }
  }
  if (const auto* notes = o.if_contains("notes"); notes && notes->is_array()) {
    for (const auto& n : notes->as_array()) {
      if (n.is_string()) t.notes.emplace_back(n.as_string());
    }
  }
  return t;
}

// What a finished run stored as its summary: the per-target totals, the store's error and the
// outcomes it could not record, how an unfinished run ended (its stop signal, its error).
void read_summary(std::string_view summary, RunReport& report) {
  boost::system::error_code ec;
  auto doc = json::parse(summary, ec);
  if (ec || !doc.is_object()) return;
  const auto& o = doc.as_object();
  if (const auto* targets = o.if_contains("targets"); targets && targets->is_array()) {
    for (const auto& v : targets->as_array()) {
      if (v.is_object()) report.targets.push_back(totals_from(v.as_object()));
    }
  }
  report.store_error = text(o, "store_error");
  if (const auto* unrecorded = o.if_contains("unrecorded"); unrecorded && unrecorded->is_array()) {
    for (const auto& v : unrecorded->as_array()) {
      if (!v.is_object()) continue;
      const auto& u = v.as_object();
      OutcomeRow row;
      row.target = text(u, "target");
      row.key = text(u, "key");
      row.status = text(u, "status");
      row.attempts = static_cast<int>(count(u, "attempts"));
      report.unrecorded.push_back(std::move(row));
    }
  }
  if (const auto* s = o.if_contains("signal"); s && s->is_int64()) report.signal = static_cast<int>(s->as_int64());
  report.error = text(o, "error");
}

// Per-target counts of a running run, from the progress its last commit wrote.
std::vector<TargetTotals> totals_from_progress(const RunProgress& progress) {
  std::vector<TargetTotals> out;
  for (const TargetProgressRow& p : progress.targets) {
    TargetTotals& t = out.emplace_back();
    t.id = p.target;
    t.planned = p.planned;
    t.applied = p.applied;
    t.failed = p.failed;
    t.skipped = p.skipped;
    t.absent = p.absent;
    t.retries = p.retries;
    t.throttled = p.throttled;
  }
  return out;
}

}  // namespace

std::string render_run_json(const RunReport& r, const std::vector<const TargetConnector*>& connectors) {
  std::string out;
  JsonWriter w(out);
  const std::vector<ProblemGroup> groups = group_problems(r);
  w.begin_object();
  w.key("command").string(r.command);
  w.key("config").string(r.config_path);
  if (!r.error.empty()) w.key("error").string(r.error);
  w.key("exit_code");
  if (r.status == "running") {
    w.null();  // it has none yet
  } else {
    w.integer(r.exit_code);
  }
  w.key("failures").begin_array();
  for (const auto& g : groups) {
    w.begin_object().key("code").integer(g.code).key("count").integer(static_cast<std::int64_t>(g.count));
    w.key("keys").begin_array();
    for (const auto& e : g.examples) w.string(e.key);
    w.end_array();
    w.key("meaning").string(code_meaning(connectors, g.target, g.code));
    w.key("message").string(g.message).key("status").string(g.status).key("target").string(g.target).end_object();
  }
  w.end_array();
  w.key("finished_at").integer(r.finished_at);
  if (r.signal != 0) w.key("interrupted_by").string(signal_name(r.signal));
  // The examples of each failure group; every outcome is in the store.
  w.key("outcomes").begin_array();
  for (const auto& g : groups) {
    for (const auto& p : g.examples) {
      w.begin_object().key("action").string(p.action).key("attempts").integer(p.attempts).key("code").integer(p.code);
      w.key("key").string(p.key).key("log_id").string(p.log_id).key("message").string(p.message);
      w.key("status").string(p.status).key("target").string(p.target).end_object();
    }
  }
  w.end_array();
  w.key("outcomes_not_listed").integer(static_cast<std::int64_t>(r.problems.count() - r.problems.listed()));
  w.key("refused").begin_array();
  for (const auto& g : r.refused.groups()) {
    for (const auto& p : g.examples) {
      w.begin_object().key("code").integer(p.code).key("key").string(p.key).key("message").string(p.message);
      w.key("target").string(p.target).end_object();
    }
  }
  w.end_array();
  w.key("refused_count").integer(static_cast<std::int64_t>(r.refused.count()));
  w.key("run_id").integer(r.run_id);
  if (r.signal != 0) w.key("signal").integer(r.signal);
  w.key("started_at").integer(r.started_at);
  w.key("status").string(r.status);
  w.key("store_error").string(r.store_error);
  w.key("targets").begin_array();
  for (const auto& t : r.targets) write_target(w, t);
  w.end_array();
  w.key("unrecorded").begin_array();
  for (const auto& u : r.unrecorded) {
    w.begin_object().key("attempts").integer(u.attempts).key("key").string(u.key);
    w.key("status").string(u.status).key("target").string(u.target).end_object();
  }
  w.end_array();
  w.end_object();
  out.push_back('\n');
  return out;
}


RunReport read_run_report(const RunRow& run, const RunProgress& progress, OutcomeTally outcomes) {
  const bool running = run.status == "running";
  RunReport report;
  report.run_id = run.id;
  report.command = run.command;
  report.config_path = run.config_path;
  report.started_at = run.started_at;
  report.finished_at = run.finished_at.value_or(running ? std::max(progress.updated_at, run.started_at) : run.started_at);
  report.status = run.status;
  report.exit_code = run.exit_code.value_or(-1);
  read_summary(run.summary, report);
  if (report.targets.empty()) report.targets = totals_from_progress(progress);
  if (report.targets.empty()) report.targets = outcomes.totals();
  report.problems = outcomes.take_problems();
  report.refused = outcomes.take_refused();
  return report;
}

}  // namespace hrsync
