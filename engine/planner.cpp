#include "engine/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <unordered_map>

#include "connectors/sources/csv_source.h"
#include "connectors/sources/postgres_source.h"
#include "connectors/sources/sqlite_source.h"
#include "diff/differ.h"
#include "diff/snapshot_index.h"
#include "store/snapshot_store.h"

namespace hrsync {
namespace {

// Per target state while the sources are read.
struct TargetState {
  const TargetConnector* connector = nullptr;
  const TargetConfig* config = nullptr;
  TargetPlan plan;
  Differ differ;
};

// The number that ends an origin: the line of "hr.csv:17", the row of "sqlite hr.db row 17".
std::uint32_t line_of(std::string_view origin) {
  std::size_t start = origin.size();
  while (start > 0 && origin[start - 1] >= '0' && origin[start - 1] <= '9') --start;
  std::uint32_t line = 0;
  std::from_chars(origin.data() + start, origin.data() + origin.size(), line);
  return line;
}

// "line" for a file's origins, "row" for a query's.
std::string_view line_word(std::string_view origin) { return origin.find(" row ") != std::string_view::npos ? "row" : "line"; }

const TargetConfig* find_target_config(const JobConfig& config, std::string_view id) {
  for (const auto& tc : config.targets) {
    if (tc.id == id) return &tc;
  }
  return nullptr;
}

Result<SnapshotIndex> load_index(SnapshotStore* store, std::string_view target, std::uint64_t& known) {
  SnapshotIndex index;
  if (store == nullptr) return index;
  auto r = store->for_each_hash(target, [&](std::string_view key, std::uint64_t hash) { index.add(key, hash); });
  if (!r) return std::unexpected(r.error());
  known = index.size();
  return index;
}

Result<std::optional<Document>> last_document(SnapshotStore* store, std::string_view target, const std::string& key) {
  if (store == nullptr) return std::optional<Document>();
  auto body = store->document(target, key);
  if (!body) return std::unexpected(body.error());
  if (!*body) return std::optional<Document>();
  Document d{key, std::move(**body)};
  d.seal();
  return std::optional<Document>(std::move(d));
}

// Reads one source through every target that reads it.
Result<SourceSummary> read_source(const SourceConfig& sc, std::vector<TargetState*>& readers, SnapshotStore* store,
                                  bool full, EnvLookup env) {
  SourceOptions so;
  so.entity = sc.entity;
  so.renames = sc.renames;
  for (const auto* t : readers) {
    for (Field f : t->connector->required_columns()) {
      if (std::find(so.required.begin(), so.required.end(), f) == so.required.end()) so.required.push_back(f);
    }
  }
  auto source = open_source(sc, so, env);
  if (!source) return std::unexpected(source.error());

  SourceSummary summary;
  summary.name = sc.name;
  summary.describe = (*source)->describe();
  const Field key_column = key_field(sc.entity);
  std::unordered_map<std::string, std::uint32_t> first_line;
  std::vector<Rejection> duplicates;
  Record record;
  while ((*source)->next(record)) {
    auto [it, inserted] = first_line.try_emplace(std::string(record.get(key_column)), line_of(record.origin));
    if (!inserted) {
      duplicates.push_back({record.origin, it->first,
                            fmt::format("duplicate {} {} (first at {} {}); this row is ignored",
                                        field_name(key_column), it->first, line_word(record.origin), it->second)});
      continue;
    }
    ++summary.records;
    for (auto* t : readers) {
      auto doc = t->connector->project(record);
      if (!doc) {
        t->plan.invalid.push_back({record.origin, std::string(record.get(key_column)), std::move(doc.error())});
        t->differ.invalid(record.get(t->connector->key_column()));
        continue;
      }
      const auto kind = t->differ.offer(*doc);
      if (kind == Change::kUnchanged && !full) continue;
      Work w;
      w.origin = record.origin;
      if (kind != Change::kNew) {
        auto last = last_document(store, t->plan.id, doc->key);
        if (!last) return std::unexpected(last.error());
        w.last_applied = std::move(*last);
      }
      w.desired = std::move(*doc);
      t->plan.work.push_back(std::move(w));
    }
  }
  if (auto st = (*source)->status(); !st) return std::unexpected(st.error());
  summary.rejected = (*source)->rejections();
  summary.rejected.insert(summary.rejected.end(), std::make_move_iterator(duplicates.begin()),
                          std::make_move_iterator(duplicates.end()));
  std::stable_sort(summary.rejected.begin(), summary.rejected.end(),
                   [](const Rejection& a, const Rejection& b) { return line_of(a.where) < line_of(b.where); });
  return summary;
}

// Missing entities: listed, and frozen when the target's policy says so.
Result<void> finish_target(TargetState& t, SnapshotStore* store) {
  auto& p = t.plan;
  t.differ.for_each_missing([&](std::string_view key) { p.missing_keys.emplace_back(key); });
  std::sort(p.missing_keys.begin(), p.missing_keys.end());
  for (const auto& key : p.missing_keys) {
    auto last = last_document(store, p.id, key);
    if (!last) return std::unexpected(last.error());
    if (!*last) continue;
    auto frozen = t.connector->on_missing(**last);
    if (!frozen) {
      p.forget_keys.push_back(key);
      continue;
    }
    if (frozen->hash == (*last)->hash) {
      ++p.counts.settled;
      continue;
    }
    Work w;
    w.action = Work::Action::kFreeze;
    w.desired = std::move(*frozen);
    w.last_applied = std::move(*last);
    p.work.push_back(std::move(w));
  }
  const auto& c = t.differ.counts();
  p.counts.created = c.created;
  p.counts.changed = c.changed;
  p.counts.unchanged = c.unchanged;
  p.counts.invalid = p.invalid.size();
  p.counts.missing = p.missing_keys.size();
  p.counts.frozen = static_cast<std::uint64_t>(
      std::count_if(p.work.begin(), p.work.end(), [](const Work& w) { return w.action == Work::Action::kFreeze; }));
  return {};
}

std::string endpoint_of(const TargetConnector& c, const Work& w) {
  auto req = c.build_request(w.desired, w.last_applied ? &*w.last_applied : nullptr);
  if (!req) return {};
  auto path = req->target.substr(0, req->target.find('?'));
  return req->method + " " + path;
}

// Calls per rate lane and the least time the limits allow them.
void estimate_lanes(TargetState& t) {
  auto& p = t.plan;
  const TargetConnector& c = *t.connector;
  std::uint64_t lane_calls = 0;
  std::string endpoint;
  const bool lanes_matter = !c.default_rate("dept_or_frozen").empty();
  for (const auto& w : p.work) {
    if (!lanes_matter) break;
    auto req = c.build_request(w.desired, w.last_applied ? &*w.last_applied : nullptr);
    if (req && req->lane == "dept_or_frozen") ++lane_calls;
  }
  if (!p.work.empty()) endpoint = endpoint_of(c, p.work.front());
  LaneEstimate main;
  main.endpoint = endpoint;
  main.calls = p.work.size();
  main.tiers = t.config->rate.empty() ? c.default_rate("") : t.config->rate;
  main.min_seconds = min_seconds(main.calls, main.tiers);
  p.lanes.push_back(std::move(main));
  if (lane_calls > 0) {
    LaneEstimate lane;
    lane.endpoint = endpoint;
    lane.lane = "dept_or_frozen";
    lane.calls = lane_calls;
    lane.tiers = t.config->lane_rate.empty() ? c.default_rate("dept_or_frozen") : t.config->lane_rate;
    lane.min_seconds = min_seconds(lane.calls, lane.tiers);
    p.lanes.push_back(std::move(lane));
  }
}

std::string percent(double share) { return fmt::format("{:.1f} %", share * 100.0); }

void apply_gates(Plan& plan, const JobConfig& config) {
  for (const auto& s : plan.sources) {
    if (s.records > 0) continue;
    plan.gates.push_back({"empty_source", s.name,
                          fmt::format("source \"{}\" ({}) gave no usable record ({} rejected); an empty export "
                                      "would look like everyone left",
                                      s.name, s.describe, s.rejected.size())});
  }
  for (const auto& t : plan.targets) {
    const auto& c = t.counts;
    if (c.known == 0) continue;  // a first run creates everything: nothing to compare with
    const double changes = static_cast<double>(c.created + c.changed);
    const double change_share = changes / static_cast<double>(c.known);
    if (!plan.full && change_share > config.max_change_ratio) {
      plan.gates.push_back({"max_change_ratio", t.id,
                            fmt::format("{}: {} of {} known entities would change or be added ({}), above "
                                        "max_change_ratio {}",
                                        t.id, c.created + c.changed, c.known, percent(change_share),
                                        percent(config.max_change_ratio))});
    }
    const std::uint64_t gone = c.missing - c.settled;  // frozen by an earlier run: not news
    const double missing_share = static_cast<double>(gone) / static_cast<double>(c.known);
    if (missing_share > config.max_missing_ratio) {
      plan.gates.push_back({"max_missing_ratio", t.id,
                            fmt::format("{}: {} of {} known entities are gone from the source ({}), above "
                                        "max_missing_ratio {}",
                                        t.id, gone, c.known, percent(missing_share),
                                        percent(config.max_missing_ratio))});
    }
  }
}

}  // namespace

double min_seconds(std::uint64_t calls, const std::vector<RateTier>& tiers) {
  double interval = 0;
  for (const auto& tier : tiers) {
    if (tier.limit == 0) continue;
    interval = std::max(interval, static_cast<double>(tier.window_seconds) / tier.limit);
  }
  return static_cast<double>(calls) * interval;
}

Result<std::vector<std::unique_ptr<TargetConnector>>> make_targets(const JobConfig& config, const PlanOptions& options) {
  for (const auto& name : options.only) {
    if (!find_target_config(config, name)) {
      return fail(Error::Kind::kUsage, "--only", fmt::format("\"{}\" is not a target of {}", name, config.path));
    }
  }
  std::vector<std::unique_ptr<TargetConnector>> out;
  for (const auto& tc : config.targets) {
    const bool named = std::find(options.only.begin(), options.only.end(), tc.id) != options.only.end();
    if (options.only.empty() ? !tc.enabled : !named) continue;
    auto connector = make_target(tc.id, tc.options);
    if (!connector) return fail(Error::Kind::kConfig, tc.where, connector.error().str());
    out.push_back(std::move(*connector));
  }
  if (out.empty()) return fail(Error::Kind::kUsage, config.path, "no target to run: every target is disabled");
  return out;
}

Result<std::unique_ptr<RecordSource>> open_source(const SourceConfig& config, const SourceOptions& source_options,
                                                  EnvLookup env) {
  if (config.kind == "csv") return open_csv_source(config.path, source_options);
  if (config.kind == "sqlite") return open_sqlite_source(config.path, config.query, source_options);
  const std::string dsn = env(config.dsn_env.c_str());
  if (dsn.empty()) {
    return fail(Error::Kind::kConfig, config.where,
                fmt::format("environment variable {} (sources.{}.dsn_env) is not set: it must hold the "
                            "PostgreSQL connection string",
                            config.dsn_env, config.name));
  }
  return open_postgres_source(dsn, config.query, source_options, config.dsn_env);
}

Result<Plan> make_plan(const JobConfig& config, const std::vector<std::unique_ptr<TargetConnector>>& targets,
                       SnapshotStore* store, const PlanOptions& options, EnvLookup env) {
  Plan plan;
  plan.full = options.full;
  std::vector<TargetState> states(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    auto& s = states[i];
    s.connector = targets[i].get();
    s.config = find_target_config(config, s.connector->id());
    s.plan.id = std::string(s.connector->id());
    s.plan.connector = s.connector;
    s.plan.source = s.config->source;
    auto index = load_index(store, s.plan.id, s.plan.counts.known);
    if (!index) return std::unexpected(index.error());
    s.differ = Differ(std::move(*index));
  }
  // Each source once, in config order, through every target reading it.
  for (const auto& [name, sc] : config.sources) {
    std::vector<TargetState*> readers;
    for (auto& s : states) {
      if (s.plan.source == name) readers.push_back(&s);
    }
    if (readers.empty()) continue;
    auto summary = read_source(sc, readers, store, options.full, env);
    if (!summary) return std::unexpected(summary.error());
    plan.sources.push_back(std::move(*summary));
  }
  for (auto& s : states) {
    if (auto r = finish_target(s, store); !r) return std::unexpected(r.error());
    estimate_lanes(s);
    plan.targets.push_back(std::move(s.plan));
  }
  apply_gates(plan, config);
  return plan;
}

}  // namespace hrsync
