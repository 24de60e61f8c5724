#include "engine/plan/plan_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "diff/field_changes.h"
#include "diff/json_writer.h"

namespace hrsync {
namespace {

struct Style {
  bool on;
  std::string bold(std::string_view s) const { return on ? fmt::format("\033[1m{}\033[0m", s) : std::string(s); }
  std::string red(std::string_view s) const { return on ? fmt::format("\033[31m{}\033[0m", s) : std::string(s); }
  std::string green(std::string_view s) const { return on ? fmt::format("\033[32m{}\033[0m", s) : std::string(s); }
  std::string dim(std::string_view s) const { return on ? fmt::format("\033[2m{}\033[0m", s) : std::string(s); }
};

double target_seconds(const TargetPlan& t) {
  double s = 0;
  for (const auto& l : t.lanes) s = std::max(s, l.min_seconds);
  return s;
}

std::uint64_t target_calls(const TargetPlan& t) { return t.lanes.empty() ? 0 : t.lanes.front().calls; }

// What a call does: "create" an entity the target lacks, "freeze" (or revoke) a leaver, "change"
// what hrsync sent before, or send a "first" update of an entity the target holds that hrsync has
// not sent yet.
std::string_view action_word(const Work& w) {
  if (w.action == Work::Action::kFreeze) return "freeze";
  if (w.action == Work::Action::kCreate) return "create";
  return w.last_applied ? "change" : "first";
}

void append_changes(std::string& out, const TargetPlan& t, const Work& w, const Style& st, Masking masking) {
  auto changes = field_changes(w.last_applied ? std::string_view(w.last_applied->body) : std::string_view(),
                               w.desired.body, masking);
  if (!changes) {
    out += fmt::format("      {}\n", st.dim(changes.error().message));
    return;
  }
  constexpr std::size_t kMaxFields = 6;  // a glance, not the whole document (--json has it all)
  std::size_t width = 0;
  for (const auto& c : *changes) width = std::max(width, c.path.size());
  std::size_t shown = 0;
  for (const auto& c : *changes) {
    if (shown++ == kMaxFields) {
      out += fmt::format("      {}\n", st.dim(fmt::format("… {} more fields", changes->size() - kMaxFields)));
      break;
    }
    switch (c.kind) {
      case FieldChange::Kind::kAdded:
        out += fmt::format("      {:<{}}  {}\n", c.path, width, st.green("+ " + c.after));
        break;
      case FieldChange::Kind::kRemoved:
        out += fmt::format("      {:<{}}  {}\n", c.path, width, st.red("- " + c.before));
        break;
      case FieldChange::Kind::kChanged:
        out += fmt::format("      {:<{}}  {} → {}\n", c.path, width, c.before, c.after);
        break;
    }
  }
  (void)t;
}

// What the columns of the targets table count.
constexpr std::string_view kColumnsNote =
    "  create: entities the target lacks, created (on_new = \"create\"); first: entities the target holds that "
    "hrsync sends for the first time; absent: entities the target lacks, waiting (on_new = \"skip\")\n";

void append_targets_table(std::string& out, const Plan& plan, const Style& st) {
  // The missing column says how many are frozen besides ("1 (1 freeze)"): as wide as its widest cell.
  std::vector<std::string> missing_cells;
  std::size_t missing_width = 8;
  for (const auto& t : plan.targets) {
    std::string missing = std::to_string(t.counts.missing);
    if (t.counts.frozen > 0) missing += fmt::format(" ({} freeze)", t.counts.frozen);
    missing_width = std::max(missing_width, missing.size());
    missing_cells.push_back(std::move(missing));
  }
  out += st.bold("Targets") + "\n";
  out += fmt::format("  {:<16} {:>7} {:>7} {:>8} {:>10} {:>7} {:>{}} {:>8} {:>8}  {:<11} {}\n", "", "create", "first",
                     "changed", "unchanged", "absent", "missing", missing_width, "invalid", "calls", "at least", "limits");
  std::uint64_t calls = 0;
  const TargetPlan* slowest = nullptr;
  for (std::size_t i = 0; i < plan.targets.size(); ++i) {
    const TargetPlan& t = plan.targets[i];
    const auto& c = t.counts;
    std::string limits;
    for (const auto& l : t.lanes) {
      if (!limits.empty()) limits += "; ";
      limits += l.lane.empty() ? describe_tiers(l.tiers) : fmt::format("{} {}: {}", l.calls, l.lane, describe_tiers(l.tiers));
    }
    out += fmt::format("  {:<16} {:>7} {:>7} {:>8} {:>10} {:>7} {:>{}} {:>8} {:>8}  {:<11} {}\n", t.id, t.creates,
                       c.created - t.creates, c.changed, c.unchanged, c.absent, missing_cells[i], missing_width, c.invalid,
                       target_calls(t), human_duration(target_seconds(t), Rounding::kDown), limits);
    calls += target_calls(t);
    if (!slowest || target_seconds(t) > target_seconds(*slowest)) slowest = &t;
  }
  for (const auto& t : plan.targets) {
    if (t.failed_last == 0) continue;
    out += fmt::format("  {}: {} of its changes failed at their last attempt; they are sent after the others.\n", t.id,
                       t.failed_last);
  }
  out += st.dim(kColumnsNote);
  if (calls == 0) {
    out += "  Nothing to send: every target already holds what the sources say.\n";
  } else if (slowest) {
    out += fmt::format("  {} calls in all; targets run side by side, so the run takes at least {} ({} at {}).\n",
                       calls, human_duration(target_seconds(*slowest), Rounding::kDown), slowest->id,
                       slowest->lanes.empty() ? "" : describe_tiers(slowest->lanes.front().tiers));
  }
}

void append_notes(std::string& out, const Plan& plan, const Style& st) {
  bool any = false;
  for (const auto& t : plan.targets) {
    for (const auto& note : t.notes) {
      if (!any) out += "\n" + st.bold("Notes") + "\n";
      any = true;
      out += fmt::format("  {:<16} {}\n", t.id, note);
    }
  }
}

void append_first_changes(std::string& out, const Plan& plan, const PlanRenderOptions& o, const Style& st) {
  std::uint64_t total = 0;
  for (const auto& t : plan.targets) total += t.calls();  // the first ones are held, the rest may be streamed
  if (total == 0) return;
  out += "\n" + st.bold(fmt::format("First changes ({} of {})", std::min(total, o.examples), total)) + "\n";
  std::size_t shown = 0;
  // Round-robin over targets so each shows its first changes.
  for (std::size_t i = 0; shown < o.examples; ++i) {
    bool any = false;
    for (const auto& t : plan.targets) {
      if (i >= t.work.size() || shown >= o.examples) continue;
      any = true;
      const Work& w = t.work[i];
      out += fmt::format("  {} {} {}{}\n", t.id, st.bold(w.desired.key), action_word(w),
                         w.origin.empty() ? "" : st.dim(fmt::format("  ({})", w.origin.str())));
      append_changes(out, t, w, st, o.masking);
      ++shown;
    }
    if (!any) break;
  }
}

void append_rejections(std::string& out, const Plan& plan, const PlanRenderOptions& o, const Style& st) {
  std::size_t total = 0;
  for (const auto& s : plan.sources) total += s.rejected.size();
  if (total > 0) {
    out += "\n" + st.bold(fmt::format("Rejected rows ({}): they reach no target", total)) + "\n";
    std::size_t shown = 0;
    for (const auto& s : plan.sources) {
      for (const auto& r : s.rejected) {
        if (shown++ == o.examples) break;
        out += fmt::format("  {}  {}  {}\n", r.origin.str(), r.key.empty() ? "-" : r.key, r.reason);
      }
    }
    if (total > o.examples) out += fmt::format("  … and {} more (hrsync plan --json lists them all)\n", total - o.examples);
  }
  std::size_t invalid = 0;
  for (const auto& t : plan.targets) invalid += t.invalid.size();
  if (invalid == 0) return;
  out += "\n" + st.bold(fmt::format("Invalid for a target ({}): skipped on that target only", invalid)) + "\n";
  std::size_t shown = 0;
  for (const auto& t : plan.targets) {
    for (const auto& v : t.invalid) {
      if (shown++ == o.examples) break;
      out += fmt::format("  {:<16} {}  {}  {}: {}\n", t.id, v.origin.str(), v.key, v.invalid.field, v.invalid.rule);
    }
  }
  if (invalid > o.examples) out += fmt::format("  … and {} more (hrsync plan --json lists them all)\n", invalid - o.examples);
}

void append_by_hand(std::string& out, const Plan& plan, const PlanRenderOptions& o, const Style& st) {
  std::size_t total = 0;
  for (const auto& t : plan.targets) total += t.by_hand.size();
  if (total == 0) return;
  out += "\n" + st.bold(fmt::format("Remove by hand ({}): values a target keeps that its API cannot clear", total)) + "\n";
  std::size_t shown = 0;
  for (const auto& t : plan.targets) {
    for (const auto& b : t.by_hand) {
      if (shown++ == o.examples) break;
      out += fmt::format("  {:<16} {}  {}  {}: {}\n", t.id, b.origin.empty() ? "(gone from the source)" : b.origin.str(),
                         b.key, b.what.field, b.what.rule);
    }
  }
  if (total > o.examples) out += fmt::format("  … and {} more (hrsync plan --json lists them all)\n", total - o.examples);
}

void append_reads(std::string& out, const Plan& plan, const PlanRenderOptions& o, const Style& st) {
  bool any = false;
  for (const auto& t : plan.targets) {
    if (!t.read) continue;
    if (!any) out += "\n" + st.bold("Read before the diff: what each target holds") + "\n";
    any = true;
    const ReadSummary& r = *t.read;
    if (r.not_read) {
      out += fmt::format("  {:<16} not read ({}): diffed against the snapshot\n", t.id, *r.not_read);
      continue;
    }
    if (r.failed) {
      out += fmt::format("  {:<16} {}: {}\n", t.id, st.red("the read failed, so nothing is sent to it on this run"), *r.failed);
      continue;
    }
    out += fmt::format("  {:<16} {} keys in {} calls (at least {}, took {}): {} found, {} absent, {} drifted{}\n", t.id,
                       r.keys, r.calls, human_duration(r.min_seconds, Rounding::kDown), human_duration(r.seconds), r.found,
                       r.keys - r.found, r.drifted, r.throttled > 0 ? fmt::format(", {} throttled", r.throttled) : "");
  }
  std::size_t drift = 0;
  for (const auto& t : plan.targets) drift += t.read ? t.read->drift.size() : 0;
  if (drift > 0) {
    out += "\n" + st.bold(fmt::format("Drift ({} fields): the target holds what hrsync did not apply", drift)) + "\n";
    std::size_t shown = 0;
    for (const auto& t : plan.targets) {
      for (const Drift& d : t.read ? t.read->drift : std::vector<Drift>{}) {
        if (shown++ == o.examples) break;
        out += fmt::format("  {} {} {}  target {}  HR {}  last applied {}\n", t.id, st.bold(d.key), d.field,
                           d.target.empty() ? "(none)" : d.target, d.source.empty() ? "(none)" : d.source,
                           d.last_applied.empty() ? "(none)" : d.last_applied);
      }
    }
    if (drift > o.examples) out += fmt::format("  … and {} more (hrsync plan --json lists them all)\n", drift - o.examples);
  }
  std::size_t absent = 0;
  for (const auto& t : plan.targets) absent += t.absent_keys.size();
  if (absent == 0) return;
  out += "\n" + st.bold(fmt::format("Not in the target ({}): the target lacks them, so nothing is sent to them", absent)) + "\n";
  for (const auto& t : plan.targets) {
    if (t.absent_keys.empty()) continue;
    std::string keys;
    for (std::size_t i = 0; i < t.absent_keys.size() && i < o.examples; ++i) {
      const bool placed = i < t.absent_where.size() && !t.absent_where[i].empty();
      keys += (i ? ", " : "") + t.absent_keys[i] + (placed ? " (" + t.absent_where[i] + ")" : "");
    }
    if (t.absent_keys.size() > o.examples) keys += fmt::format(" … and {} more", t.absent_keys.size() - o.examples);
    out += fmt::format("  {:<16} {}\n", t.id, keys);
  }
}

// The leavers back in the source whose access hrsync gives back (TargetPlan::returning_keys).
void append_returning(std::string& out, const Plan& plan, const PlanRenderOptions& o, const Style& st) {
  std::size_t total = 0;
  for (const auto& t : plan.targets) total += t.returning_keys.size();
  if (total == 0) return;
  out += "\n" + st.bold(fmt::format("Returning ({}): leavers back in the source; hrsync gives back what it took when "
                                     "they left (unfrozen; the box's type and groups)", total)) + "\n";
  for (const auto& t : plan.targets) {
    if (t.returning_keys.empty()) continue;
    std::string keys;
    for (std::size_t i = 0; i < t.returning_keys.size() && i < o.examples; ++i) keys += (i ? ", " : "") + t.returning_keys[i];
    if (t.returning_keys.size() > o.examples) keys += fmt::format(" … and {} more", t.returning_keys.size() - o.examples);
    out += fmt::format("  {:<16} {}\n", t.id, keys);
  }
}

void write_read(JsonWriter& w, const ReadSummary& r) {
  w.begin_object();
  w.key("absent").integer(static_cast<std::int64_t>(r.keys - r.found));
  w.key("calls").integer(static_cast<std::int64_t>(r.calls));
  w.key("drifted").integer(static_cast<std::int64_t>(r.drifted));
  if (r.failed) w.key("failed").string(*r.failed);
  w.key("found").integer(static_cast<std::int64_t>(r.found));
  w.key("keys").integer(static_cast<std::int64_t>(r.keys));
  w.key("min_seconds").raw(fmt::format("{:.3f}", r.min_seconds));
  if (r.not_read) w.key("not_read").string(*r.not_read);
  w.key("seconds").raw(fmt::format("{:.3f}", r.seconds));
  w.key("throttled").integer(static_cast<std::int64_t>(r.throttled));
  w.end_object();
}

void write_tiers(JsonWriter& w, const std::vector<RateTier>& tiers) {
  w.begin_array();
  for (const auto& t : tiers) w.begin_object().key("limit").integer(t.limit).key("window_seconds").integer(t.window_seconds).end_object();
  w.end_array();
}

// The first o.examples changes of a target, each with its field changes (masked as `o` says).
void write_examples(JsonWriter& w, const TargetPlan& t, const PlanRenderOptions& o) {
  w.begin_array();
  for (std::size_t i = 0; i < t.work.size() && i < o.examples; ++i) {
    const Work& wk = t.work[i];
    w.begin_object().key("action").string(action_word(wk));
    w.key("fields").begin_array();
    if (auto changes = field_changes(wk.last_applied ? std::string_view(wk.last_applied->body) : std::string_view(), wk.desired.body, o.masking)) {
      for (const auto& fc : *changes) w.begin_object().key("after").string(fc.after).key("before").string(fc.before).key("path").string(fc.path).end_object();
    }
    w.end_array();
    w.key("key").string(wk.desired.key).key("origin").string(wk.origin.str()).end_object();
  }
  w.end_array();
}

// One target of the plan, its members in name order.
void write_target(JsonWriter& w, const TargetPlan& t, const PlanRenderOptions& o) {
  const auto& c = t.counts;
  w.begin_object();
  w.key("absent").begin_array();
  for (const auto& k : t.absent_keys) w.string(k);
  w.end_array();
  w.key("absent_where").begin_array();  // the source line of each of "absent", in step
  for (std::size_t i = 0; i < t.absent_keys.size(); ++i) w.string(i < t.absent_where.size() ? t.absent_where[i] : "");
  w.end_array();
  w.key("by_hand").begin_array();
  for (const auto& b : t.by_hand) w.begin_object().key("field").string(b.what.field).key("key").string(b.key).key("origin").string(b.origin.str()).key("rule").string(b.what.rule).end_object();
  w.end_array();
  w.key("calls").integer(static_cast<std::int64_t>(target_calls(t)));
  w.key("changed").integer(static_cast<std::int64_t>(c.changed));
  w.key("changes");
  write_examples(w, t, o);
  w.key("created").integer(static_cast<std::int64_t>(c.created));
  w.key("drift").begin_array();
  for (const Drift& d : t.read ? t.read->drift : std::vector<Drift>{}) {
    w.begin_object().key("field").string(d.field).key("key").string(d.key).key("last_applied").string(d.last_applied);
    w.key("source").string(d.source).key("target").string(d.target).end_object();
  }
  w.end_array();
  w.key("failed_last").integer(static_cast<std::int64_t>(t.failed_last));
  w.key("frozen").integer(static_cast<std::int64_t>(c.frozen));
  w.key("id").string(t.id);
  w.key("invalid").begin_array();
  for (const auto& v : t.invalid) w.begin_object().key("field").string(v.invalid.field).key("key").string(v.key).key("origin").string(v.origin.str()).key("rule").string(v.invalid.rule).end_object();
  w.end_array();
  w.key("known").integer(static_cast<std::int64_t>(c.known));
  w.key("lanes").begin_array();
  for (const auto& l : t.lanes) {
    w.begin_object().key("calls").integer(static_cast<std::int64_t>(l.calls)).key("endpoint").string(l.endpoint).key("lane").string(l.lane);
    w.key("min_seconds").raw(fmt::format("{:.3f}", l.min_seconds)).key("tiers");
    write_tiers(w, l.tiers);
    w.end_object();
  }
  w.end_array();
  w.key("missing").integer(static_cast<std::int64_t>(c.missing));
  w.key("notes").begin_array();
  for (const auto& note : t.notes) w.string(note);
  w.end_array();
  if (t.read) {
    w.key("read");
    write_read(w, *t.read);
  }
  w.key("returning").begin_array();
  for (const auto& k : t.returning_keys) w.string(k);
  w.end_array();
  w.key("unchanged").integer(static_cast<std::int64_t>(c.unchanged));
  w.end_object();
}

}  // namespace

std::string human_duration(double seconds, Rounding rounding) {
  if (seconds <= 0) return "0 s";
  if (seconds < 10) return fmt::format("{:.1f} s", seconds);
  const auto s = static_cast<long long>(rounding == Rounding::kUp ? std::ceil(seconds) : std::floor(seconds));
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {:02} s", s / 60, s % 60);
  return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
}

std::string describe_tiers(const std::vector<RateTier>& tiers) {
  std::string out;
  for (const auto& t : tiers) {
    if (!out.empty()) out += ", ";
    if (t.window_seconds == 1) {
      out += fmt::format("{}/s", t.limit);
    } else if (t.window_seconds == 60) {
      out += fmt::format("{}/min", t.limit);
    } else if (t.window_seconds == 3600) {
      out += fmt::format("{}/h", t.limit);
    } else {
      out += fmt::format("{}/{}s", t.limit, t.window_seconds);
    }
  }
  return out;
}

std::string render_plan_text(const Plan& plan, const PlanRenderOptions& o) {
  const Style st{o.color};
  std::string out;
  out += st.bold("Sources") + "\n";
  for (const auto& s : plan.sources) {
    out += fmt::format("  {:<12} {:<40} {:>8} records {:>6} rejected\n", s.name, s.describe, s.records, s.rejected.size());
  }
  out += "\n";
  append_targets_table(out, plan, st);
  append_notes(out, plan, st);
  append_reads(out, plan, o, st);
  append_returning(out, plan, o, st);
  append_first_changes(out, plan, o, st);
  append_rejections(out, plan, o, st);
  append_by_hand(out, plan, o, st);
  out += "\n";
  if (plan.gates.empty()) {
    out += st.green("Safety gates passed.") + (plan.full ? " (--full: every valid entity is sent)" : "") + "\n";
  } else {
    out += st.red(st.bold("Stopped by a safety gate")) + " (nothing would be sent; --force overrides):\n";
    for (const auto& g : plan.gates) out += fmt::format("  [{}] {}\n", g.gate, g.message);
  }
  return out;
}

std::string render_plan_json(const Plan& plan, const PlanRenderOptions& o) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("full").boolean(plan.full);
  w.key("gates").begin_array();
  for (const auto& g : plan.gates) w.begin_object().key("gate").string(g.gate).key("message").string(g.message).key("target").string(g.target).end_object();
  w.end_array();
  w.key("sources").begin_array();
  for (const auto& s : plan.sources) {
    w.begin_object().key("describe").string(s.describe).key("name").string(s.name).key("records").integer(static_cast<std::int64_t>(s.records));
    w.key("rejected").begin_array();
    for (const auto& r : s.rejected) w.begin_object().key("key").string(r.key).key("reason").string(r.reason).key("where").string(r.origin.str()).end_object();
    w.end_array().end_object();
  }
  w.end_array();
  w.key("targets").begin_array();
  for (const auto& t : plan.targets) write_target(w, t, o);
  w.end_array();
  w.end_object();
  out.push_back('\n');
  return out;
}

}  // namespace hrsync
