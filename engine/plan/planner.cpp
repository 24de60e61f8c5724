#include "engine/plan/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <utility>

#include "connectors/sources/csv_source.h"
#include "connectors/sources/postgres_source.h"
#include "connectors/sources/sqlite_source.h"
#include "engine/plan/duplicate_keys.h"
#include "engine/plan/failed_last.h"
#include "engine/plan/gates.h"
#include "engine/plan/plan_pipeline.h"
#include "engine/plan/read_planning.h"
#include "engine/plan/target_planner.h"
#include "store/snapshot_store.h"

namespace hrsync {
namespace {

const TargetConfig* find_target_config(const JobConfig& config, std::string_view id) {
  for (const auto& tc : config.targets) {
    if (tc.id == id) return &tc;
  }
  return nullptr;
}

// The read of target `id` among the plan's reads, or null.
const TargetRead* read_of(const PlanOptions& options, std::string_view id) {
  if (options.reads == nullptr) return nullptr;
  for (const TargetRead& r : *options.reads) {
    if (r.target == id) return &r;
  }
  return nullptr;
}

// What on_missing did to the target's leavers, from the snapshot (none without one).
Result<void> load_leavers(TargetState& t, SnapshotStore* store) {
  if (store == nullptr) return {};
  auto rows = store->leavers(t.plan.id);
  if (!rows) return std::unexpected(rows.error());
  for (auto& row : *rows) {
    Document before{row.key, std::move(row.document)};
    before.seal();
    t.leavers.emplace(std::move(row.key), std::move(before));
  }
  return {};
}

// The index of a source's readers that its duplicate-key check shares: the first reader's keyed by
// the source's key, when it keeps claimants (make_plan made it so), else null.
SnapshotIndex* shared_keys(std::span<TargetState* const> readers) {
  for (TargetState* t : readers) {
    if (KeyOwners::checks_key(*t->connector)) continue;
    return t->differ.index().owners() == SnapshotIndex::Owners::kKept ? &t->differ.claims() : nullptr;
  }
  return nullptr;
}

// Reads one source through every target that reads it: duplicate keys refused first, then each
// record offered to every target.
Result<SourceSummary> read_source(PlanSource& source, std::vector<TargetState*>& readers, bool full) {
  SourceSummary summary;
  summary.name = source.name;
  summary.describe = source.records->describe();
  const Field key_column = key_field(source.entity);
  std::uint64_t expected_rows = 0;  // as many as the snapshot knows, most likely
  for (const auto* t : readers) expected_rows = std::max(expected_rows, t->differ.counts().known);
  DuplicateKeys duplicates(key_column, static_cast<std::size_t>(expected_rows), shared_keys(readers));
  BatchFeed feed;
  feed.consumers = readers.size();
  feed.keep = [&](std::span<Record> batch) { return duplicates.keep_first(batch); };
  feed.offer = [&](std::size_t c, std::span<const Record> records) {
    offer_batch(*readers[c], records, key_column, full);
  };
  auto read = read_in_batches(*source.records, feed);
  if (!read) return std::unexpected(read.error());
  summary.records = *read;
  for (auto* t : readers) collect_contested(*t, duplicates);
  summary.rejected = std::move(duplicates).merged_with(source.records->rejections());
  return summary;
}

// Calls per rate lane and the least time the limits allow them. Lanes and endpoint come from the
// connector, without building a request.
void estimate_lanes(TargetState& t) {
  auto& p = t.plan;
  const TargetConnector& c = *t.connector;
  const std::span<const Lane> lanes = c.update().lanes();
  std::vector<std::uint64_t> lane_calls(lanes.size(), 0);
  for (const auto& w : p.work) {
    if (lanes.empty()) break;
    if (w.action == Work::Action::kCreate) continue;  // a create goes through no lane
    const std::string_view name = c.update().lane_of(w.desired, w.last_applied ? &*w.last_applied : nullptr);
    for (std::size_t i = 0; i < lanes.size(); ++i) lane_calls[i] += lanes[i].name == name && !name.empty();
  }
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    if (auto it = t.spooled_lanes.find(lanes[i].name); it != t.spooled_lanes.end()) lane_calls[i] += it->second;
  }
  // A prior request (an upload) goes before every update, through the endpoint's limit and its
  // own lanes.
  const PriorOperation* prior = c.update().prior();
  const std::uint64_t prior_calls = prior != nullptr ? p.calls() : 0;
  LaneEstimate main;
  main.endpoint = c.update().endpoint();
  main.calls = p.calls();
  main.tiers = t.config->rate.empty() ? c.update().default_rate() : t.config->rate;
  main.min_seconds = min_seconds(main.calls + prior_calls, main.tiers);
  p.lanes.push_back(std::move(main));
  for (const Lane& l : prior != nullptr && prior_calls > 0 ? prior->lanes() : std::span<const Lane>{}) {
    LaneEstimate lane;
    lane.endpoint = prior->endpoint();
    lane.lane = l.name;
    lane.calls = prior_calls;
    if (t.config->lane_rate.empty()) {
      lane.tiers.assign(l.tiers.begin(), l.tiers.end());
    } else {
      lane.tiers = t.config->lane_rate;
    }
    lane.min_seconds = min_seconds(lane.calls, lane.tiers);
    p.lanes.push_back(std::move(lane));
  }
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    if (lane_calls[i] == 0) continue;
    LaneEstimate lane;
    lane.endpoint = c.update().endpoint();
    lane.lane = lanes[i].name;
    lane.calls = lane_calls[i];
    if (t.config->lane_rate.empty()) {
      lane.tiers.assign(lanes[i].tiers.begin(), lanes[i].tiers.end());
    } else {
      lane.tiers = t.config->lane_rate;
    }
    lane.min_seconds = min_seconds(lane.calls, lane.tiers);
    p.lanes.push_back(std::move(lane));
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
    const TargetConfig* named = find_target_config(config, name);
    if (!named) {
      return fail(Error::Kind::kUsage, "--only", fmt::format("\"{}\" is not a target of {}", name, config.path));
    }
    if (!named->enabled) {
      return fail(Error::Kind::kUsage, "--only",
                  fmt::format("target \"{}\" is disabled ({} targets.{}.enabled = false); enable it to run it", name,
                              named->where, name));
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
  if (config.kind == "csv") {
    CsvOptions csv;
    if (!config.encoding.empty()) csv.encoding = config.encoding;
    csv.delimiter = config.delimiter;
    return open_csv_source(config.path, source_options, csv);
  }
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

Result<std::vector<PlanSource>> open_sources(const JobConfig& config,
                                             const std::vector<std::unique_ptr<TargetConnector>>& targets,
                                             EnvLookup env) {
  std::vector<PlanSource> out;
  for (const auto& [name, sc] : config.sources) {
    SourceOptions so;
    so.entity = sc.entity;
    so.renames = sc.renames;
    bool read = false;
    for (const auto& t : targets) {
      const TargetConfig* tc = find_target_config(config, t->id());
      if (tc == nullptr || tc->source != name) continue;
      read = true;
      for (Field f : t->required_columns()) {
        if (std::find(so.required.begin(), so.required.end(), f) == so.required.end()) so.required.push_back(f);
      }
    }
    if (!read) continue;
    auto source = open_source(sc, so, env);
    if (!source) return std::unexpected(source.error());
    out.push_back({name, sc.entity, std::move(*source)});
  }
  return out;
}

namespace {

// Each target's state before the sources are read: its connector, config, notes and source, which
// must be among `sources` (a target planned without its source would find every entity gone).
Result<void> set_up_states(std::vector<TargetState>& states, const JobConfig& config,
                           const std::vector<std::unique_ptr<TargetConnector>>& targets,
                           const std::vector<PlanSource>& sources, const PlanOptions& options) {
  for (std::size_t i = 0; i < targets.size(); ++i) {
    auto& s = states[i];
    s.connector = targets[i].get();
    s.config = find_target_config(config, s.connector->id());
    if (s.config == nullptr) {
      return fail(Error::Kind::kInternal, config.path, fmt::format("target {} has no config", s.connector->id()));
    }
    s.plan.id = std::string(s.connector->id());
    s.plan.connector = s.connector;
    s.plan.notes = s.connector->plan_notes();
    s.spool_after = options.spool_after;
    s.plan.source = s.config->source;
    const bool given = std::any_of(sources.begin(), sources.end(), [&](const PlanSource& ps) { return ps.name == s.plan.source; });
    if (!given) {
      return fail(Error::Kind::kInternal, s.config->where,
                  fmt::format("target {} reads source \"{}\", which the plan was not given", s.plan.id, s.plan.source));
    }
  }
  return {};
}

// Which snapshot indexes keep claimants: of a target whose key is not the source's (its one-owner
// check of the key claims there the keys the snapshot holds), and of the first target of each
// source keyed by the source's key (the source's duplicate-key check claims there).
std::vector<SnapshotIndex::Owners> index_owners(const std::vector<TargetState>& states) {
  std::vector<SnapshotIndex::Owners> owners(states.size(), SnapshotIndex::Owners::kNone);
  for (std::size_t i = 0; i < states.size(); ++i) {
    const auto shares_with = [&](std::size_t j) {
      return states[j].plan.source == states[i].plan.source && !KeyOwners::checks_key(*states[j].connector);
    };
    bool first_of_source = true;
    for (std::size_t j = 0; j < i; ++j) first_of_source = first_of_source && !shares_with(j);
    if (KeyOwners::checks_key(*states[i].connector) || first_of_source) owners[i] = SnapshotIndex::Owners::kKept;
  }
  return owners;
}

}  // namespace

Result<Plan> make_plan(const JobConfig& config, const std::vector<std::unique_ptr<TargetConnector>>& targets,
                       std::vector<PlanSource> sources, SnapshotStore* store, const PlanOptions& options) {
  Plan plan;
  plan.full = options.full;
  std::vector<TargetState> states(targets.size());
  if (auto set = set_up_states(states, config, targets, sources, options); !set) return std::unexpected(set.error());
  const std::vector<SnapshotIndex::Owners> owners = index_owners(states);
  std::vector<SnapshotIndex> indexes(states.size());
  auto loaded = for_each_parallel(states.size(), store, [&](std::size_t i, SnapshotStore* s) -> Result<void> {
    auto index = load_index(s, states[i].plan.id, owners[i]);
    if (!index) return std::unexpected(index.error());
    indexes[i] = std::move(*index);
    return {};
  });
  if (!loaded) return std::unexpected(loaded.error());
  for (std::size_t i = 0; i < states.size(); ++i) {
    auto& s = states[i];
    const TargetRead* read = read_of(options, s.plan.id);
    auto taken = read != nullptr ? take_read(s, indexes[i], *read, store) : remembered_absent(s, store);
    if (!taken) return std::unexpected(taken.error());
    if (auto left = load_leavers(s, store); !left) return std::unexpected(left.error());
    // The one-owner tables sized from the snapshot: most of its entities are still in the source.
    const bool keys_in_snapshot = KeyOwners::checks_key(*s.connector);  // its index keeps claimants
    s.owners = KeyOwners(*s.connector, indexes[i].size(), keys_in_snapshot);
    s.differ = Differ(std::move(indexes[i]));
  }
  // Each source once, in the order given, through every target reading it.
  for (auto& source : sources) {
    std::vector<TargetState*> readers;
    for (auto& s : states) {
      if (s.plan.source == source.name) readers.push_back(&s);
    }
    if (readers.empty()) continue;
    auto summary = read_source(source, readers, options.full);
    if (!summary) return std::unexpected(summary.error());
    plan.sources.push_back(std::move(*summary));
  }
  auto finished = for_each_parallel(states.size(), store, [&](std::size_t i, SnapshotStore* s) -> Result<void> {
    auto& t = states[i];
    std::vector<std::size_t> fetch = std::exchange(t.fetch, {});
    fill_held(t, fetch);
    if (auto r = fetch_last_documents(s, t.plan.id, t.plan.work, std::move(fetch)); !r) return r;
    const auto last = [&](const std::string& key) -> Result<std::optional<Document>> {
      if (auto it = t.held.find(key); it != t.held.end()) return std::optional<Document>(it->second);
      return last_document(s, t.plan.id, key);
    };
    if (auto r = finish_target(t, last, options.full); !r) return r;
    if (auto r = settle_read(t, s); !r) return r;
    if (s != nullptr) {
      auto failed = s->keys_failed_last(t.plan.id);
      if (!failed) return std::unexpected(failed.error());
      // Held work moved after the stream is counted with the stream's lanes.
      auto ordered = order_failed_last(t.plan, *failed, [&](const Work& w) {
        if (w.action == Work::Action::kCreate) return;  // a create goes through no lane
        const std::string_view lane = t.connector->update().lane_of(w.desired, w.last_applied ? &*w.last_applied : nullptr);
        if (!lane.empty()) ++t.spooled_lanes[std::string(lane)];
      });
      if (!ordered) return std::unexpected(ordered.error());
    }
    estimate_lanes(t);
    return {};
  });
  if (!finished) return std::unexpected(finished.error());
  for (auto& s : states) plan.targets.push_back(std::move(s.plan));
  apply_gates(plan, config);
  return plan;
}

}  // namespace hrsync
