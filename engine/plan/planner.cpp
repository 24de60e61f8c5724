#include "engine/plan/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <mutex>
#include <span>
#include <thread>
#include <utility>

#include "connectors/sources/csv_source.h"
#include "connectors/sources/postgres_source.h"
#include "connectors/sources/sqlite_source.h"
#include "diff/differ.h"
#include "diff/snapshot_index.h"
#include "store/snapshot_store.h"

namespace hrsync {
namespace {

// Records handed to the targets at a time: large enough that handing over costs nothing, small
// enough that two batches of records stay in the caches' reach (about 2 MB each).
constexpr std::size_t kBatchRecords = 1024;

// Threads a plan uses at most, the caller's included.
constexpr unsigned kMaxThreads = 4;

// Per target state while the sources are read.
struct TargetState {
  const TargetConnector* connector = nullptr;
  const TargetConfig* config = nullptr;
  TargetPlan plan;
  Differ differ;
  std::vector<std::size_t> fetch;  // plan.work entries whose last applied document the snapshot holds
  std::vector<std::expected<Document, Invalid>> projected;  // one batch's documents (offer_batch)
};

// Helper threads beside the caller's: one per further core.
unsigned helper_threads() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return std::min(cores, kMaxThreads) - 1;
}

// Runs task(i, store) for every i < count, on the caller's thread and on helper threads. Each
// helper opens its own connection to the snapshot (a SnapshotStore serves one thread); without
// one it leaves its share to the caller. Returns the error of the lowest i that failed;
// exceptions reach the caller.
template <typename Task>
Result<void> for_each_target(std::size_t count, SnapshotStore* store, Task task) {
  std::vector<Result<void>> results(count);
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr thrown;
  const auto run = [&](SnapshotStore* s) {
    try {
      for (std::size_t i = next++; i < count; i = next++) results[i] = task(i, s);
    } catch (...) {
      const std::lock_guard lock(error_mutex);
      if (!thrown) thrown = std::current_exception();
    }
  };
  const bool shareable = store == nullptr || store->path() != ":memory:";
  const std::size_t helpers = shareable && count > 1 ? std::min<std::size_t>(helper_threads(), count - 1) : 0;
  std::vector<std::thread> threads;
  for (std::size_t h = 0; h < helpers; ++h) {
    threads.emplace_back([&] {
      if (store == nullptr) return run(nullptr);
      auto own = SnapshotStore::open(store->path());
      if (own) run(&*own);
    });
  }
  run(store);
  for (auto& t : threads) t.join();
  if (thrown) std::rethrow_exception(thrown);
  for (auto& r : results) {
    if (!r) return r;
  }
  return {};
}

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

// Keys and hashes on their way into an index, added a batch at a time so that the adds (one
// cache miss each) follow one another closely enough for the processor to overlap them.
class IndexFeed {
 public:
  explicit IndexFeed(SnapshotIndex& index) : index_(index) { ends_.reserve(kBatchRecords); }

  void add(std::string_view key, std::uint64_t hash) {
    // Grows the index in doublings: step by step, a million keys copy its arena some forty times.
    const std::size_t size = index_.size() + ends_.size();
    if (size >= kBatchRecords && std::has_single_bit(size)) index_.reserve(size);
    bytes_.append(key);
    ends_.push_back({bytes_.size(), hash});
    if (ends_.size() == kBatchRecords) flush();
  }

  void flush() {
    std::size_t begin = 0;
    for (const auto& [end, hash] : ends_) {
      index_.add(std::string_view(bytes_).substr(begin, end - begin), hash);
      begin = end;
    }
    bytes_.clear();
    ends_.clear();
  }

 private:
  SnapshotIndex& index_;
  std::string bytes_;                                        // the keys, one after another
  std::vector<std::pair<std::size_t, std::uint64_t>> ends_;  // where each key ends, and its hash
};

Result<SnapshotIndex> load_index(SnapshotStore* store, std::string_view target, std::uint64_t& known) {
  SnapshotIndex index;
  if (store == nullptr) return index;
  IndexFeed feed(index);
  auto r = store->for_each_hash(target, [&](std::string_view key, std::uint64_t hash) { feed.add(key, hash); });
  if (!r) return std::unexpected(r.error());
  feed.flush();
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

// Projects `records` for target `t`, classifies each document and keeps the ones to send. The
// last applied documents are fetched later, in key order (fetch_last_documents). Projection and
// diff run as two passes, so that the index lookups (one cache miss each, in a table far larger
// than the caches) follow one another closely enough for the processor to overlap them.
void offer_batch(TargetState& t, std::span<const Record> records, Field key_column, bool full) {
  auto& docs = t.projected;
  docs.clear();
  for (const Record& record : records) docs.push_back(t.connector->project(record));
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto& doc = docs[i];
    const Record& record = records[i];
    if (!doc) {
      t.plan.invalid.push_back({record.origin, std::string(record.get(key_column)), std::move(doc.error())});
      t.differ.invalid(record.get(t.connector->key_column()));
      continue;
    }
    const auto kind = t.differ.offer(*doc);
    if (kind == Change::kUnchanged && !full) continue;
    if (kind != Change::kNew) t.fetch.push_back(t.plan.work.size());
    Work w;
    w.origin = record.origin;
    w.desired = std::move(*doc);
    t.plan.work.push_back(std::move(w));
  }
  docs.clear();
}

// Offers batches of records to the targets reading a source. The caller reads the next batch
// while helper threads project and diff the current one; each target takes a whole batch, so
// its work stays in record order. The caller helps once its batch is read.
//
// Thread-safety: run() and finish() from the caller's thread only.
class BatchOffer {
 public:
  BatchOffer(std::vector<TargetState*>& readers, Field key_column, bool full)
      : readers_(readers), key_column_(key_column), full_(full), next_(readers.size()) {}
  BatchOffer(const BatchOffer&) = delete;
  BatchOffer& operator=(const BatchOffer&) = delete;

  ~BatchOffer() {
    {
      std::unique_lock lock(mu_);
      while (run_one(lock)) {
      }
      done_.wait(lock, [this] { return pending_ == 0; });
      stop_ = true;
    }
    ready_.notify_all();
    for (auto& t : helpers_) t.join();
  }

  // Waits for the previous batch, then hands over `records`. REQUIRES: `records` stay untouched
  // until the next run() or finish() returns. A short first batch (a small source) runs here.
  void run(std::span<const Record> records) {
    finish();
    if (helpers_.empty() && records.size() < kBatchRecords) {
      for (auto* t : readers_) offer_batch(*t, records, key_column_, full_);
      return;
    }
    start_helpers();
    {
      const std::lock_guard lock(mu_);
      batch_ = records;
      next_ = 0;
      pending_ = readers_.size();
      ++generation_;
    }
    ready_.notify_all();
  }

  // Helps with the batch handed over last and waits until every target is done with it.
  // Rethrows what a target's projection threw.
  void finish() {
    std::unique_lock lock(mu_);
    while (run_one(lock)) {
    }
    done_.wait(lock, [this] { return pending_ == 0; });
    if (thrown_) std::rethrow_exception(std::exchange(thrown_, nullptr));
  }

 private:
  void start_helpers() {
    if (!helpers_.empty()) return;
    const std::size_t n = std::max<std::size_t>(1, std::min<std::size_t>(helper_threads(), readers_.size()));
    for (std::size_t i = 0; i < n; ++i) helpers_.emplace_back([this] { help(); });
  }

  void help() {
    std::unique_lock lock(mu_);
    std::uint64_t seen = 0;
    for (;;) {
      ready_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      while (run_one(lock)) {
      }
    }
  }

  // Offers the current batch to the next target not taken yet; false when none is left.
  // REQUIRES: `lock` holds mu_ (released while the target works).
  bool run_one(std::unique_lock<std::mutex>& lock) {
    if (next_ >= readers_.size()) return false;
    TargetState& t = *readers_[next_++];
    const auto batch = batch_;
    lock.unlock();
    std::exception_ptr thrown;
    try {
      offer_batch(t, batch, key_column_, full_);
    } catch (...) {
      thrown = std::current_exception();
    }
    lock.lock();
    if (thrown && !thrown_) thrown_ = thrown;
    if (--pending_ == 0) done_.notify_all();
    return true;
  }

  std::vector<TargetState*>& readers_;
  const Field key_column_;
  const bool full_;
  std::mutex mu_;
  std::condition_variable ready_;  // a batch was handed over, or stop
  std::condition_variable done_;   // every target is done with the batch
  std::span<const Record> batch_;
  std::size_t next_;               // the next target to take the batch
  std::size_t pending_ = 0;        // targets not done with the batch
  std::uint64_t generation_ = 0;   // batches handed over
  bool stop_ = false;
  std::exception_ptr thrown_;
  std::vector<std::thread> helpers_;
};

// Reads one source through every target that reads it.
Result<SourceSummary> read_source(const SourceConfig& sc, std::vector<TargetState*>& readers, bool full,
                                  EnvLookup env) {
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
  SnapshotIndex first_line;  // key -> line of its first row (the "hash" slot holds the line)
  std::vector<Rejection> duplicates;
  // Keeps the first row of each key; a later one becomes a rejection naming the first.
  const auto first_of_key = [&](const Record& record) {
    const std::string_view key = record.get(key_column);
    if (first_line.add(key, line_of(record.origin))) return true;
    duplicates.push_back({record.origin, std::string(key),
                          fmt::format("duplicate {} {} (first at {} {}); this row is ignored", field_name(key_column),
                                      key, line_word(record.origin), first_line.find(key).value_or(0))});
    return false;
  };
  std::uint64_t expected_rows = 0;  // as many as the snapshot knows, most likely
  for (const auto* t : readers) expected_rows = std::max(expected_rows, t->plan.counts.known);
  first_line.reserve(static_cast<std::size_t>(expected_rows));
  std::array<std::vector<Record>, 2> batches{std::vector<Record>(kBatchRecords), std::vector<Record>(kBatchRecords)};
  BatchOffer offer(readers, key_column, full);  // after the batches: joins before they go
  for (std::size_t b = 0;; b ^= 1) {
    std::vector<Record>& batch = batches[b];
    std::size_t n = 0;
    while (n < batch.size() && (*source)->next(batch[n])) ++n;
    const bool more = n == batch.size();
    // The key checks run back to back, after the reading, so their index misses overlap.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!first_of_key(batch[i])) continue;
      if (kept != i) std::swap(batch[kept], batch[i]);
      ++kept;
    }
    summary.records += kept;
    offer.run(std::span<const Record>(batch.data(), kept));
    if (!more) break;
  }
  offer.finish();
  if (auto st = (*source)->status(); !st) return std::unexpected(st.error());
  summary.rejected = (*source)->rejections();
  summary.rejected.insert(summary.rejected.end(), std::make_move_iterator(duplicates.begin()),
                          std::make_move_iterator(duplicates.end()));
  std::stable_sort(summary.rejected.begin(), summary.rejected.end(),
                   [](const Rejection& a, const Rejection& b) { return line_of(a.where) < line_of(b.where); });
  return summary;
}

// The last applied documents of the upserts the snapshot knows, in key order (the snapshot's).
Result<void> fetch_last_documents(TargetState& t, SnapshotStore* store) {
  auto& work = t.plan.work;
  std::sort(t.fetch.begin(), t.fetch.end(),
            [&](std::size_t a, std::size_t b) { return work[a].desired.key < work[b].desired.key; });
  for (const std::size_t i : t.fetch) {
    auto last = last_document(store, t.plan.id, work[i].desired.key);
    if (!last) return std::unexpected(last.error());
    work[i].last_applied = std::move(*last);
  }
  t.fetch = {};
  return {};
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
    // New entities do not count: a resumed migration or a wave of hires is no sign of a broken
    // export, while one that renames keys shows up as missing entities below.
    const double change_share = static_cast<double>(c.changed) / static_cast<double>(c.known);
    if (!plan.full && change_share > config.max_change_ratio) {
      plan.gates.push_back({"max_change_ratio", t.id,
                            fmt::format("{}: {} of {} known entities would change ({}), above max_change_ratio {}",
                                        t.id, c.changed, c.known, percent(change_share),
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
  }
  auto loaded = for_each_target(states.size(), store, [&](std::size_t i, SnapshotStore* s) -> Result<void> {
    auto index = load_index(s, states[i].plan.id, states[i].plan.counts.known);
    if (!index) return std::unexpected(index.error());
    states[i].differ = Differ(std::move(*index));
    return {};
  });
  if (!loaded) return std::unexpected(loaded.error());
  // Each source once, in config order, through every target reading it.
  for (const auto& [name, sc] : config.sources) {
    std::vector<TargetState*> readers;
    for (auto& s : states) {
      if (s.plan.source == name) readers.push_back(&s);
    }
    if (readers.empty()) continue;
    auto summary = read_source(sc, readers, options.full, env);
    if (!summary) return std::unexpected(summary.error());
    plan.sources.push_back(std::move(*summary));
  }
  auto finished = for_each_target(states.size(), store, [&](std::size_t i, SnapshotStore* s) -> Result<void> {
    if (auto r = fetch_last_documents(states[i], s); !r) return r;
    if (auto r = finish_target(states[i], s); !r) return r;
    estimate_lanes(states[i]);
    return {};
  });
  if (!finished) return std::unexpected(finished.error());
  for (auto& s : states) plan.targets.push_back(std::move(s.plan));
  apply_gates(plan, config);
  return plan;
}

}  // namespace hrsync
