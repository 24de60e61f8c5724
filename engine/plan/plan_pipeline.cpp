#include "engine/plan/plan_pipeline.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "store/snapshot_store.h"

namespace hrsync {
namespace {

// Threads a plan uses at most, the caller's included.
constexpr unsigned kMaxThreads = 4;

// Helper threads beside the caller's: one per further core.
unsigned helper_threads() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return std::min(cores, kMaxThreads) - 1;
}

// Keys and hashes on their way into an index, added a batch at a time so that the adds (one
// cache miss each) follow one another closely enough for the processor to overlap them.
class IndexFeed {
 public:
  explicit IndexFeed(SnapshotIndex& index) : index_(index) {
    ends_.reserve(kBatchRecords);
    probes_.reserve(kBatchRecords);
  }

  void add(std::string_view key, std::uint64_t hash) {
    // Grows the index in doublings: step by step, a million keys copy its arena some forty times.
    // The keys so far tell how long the next ones are.
    const std::size_t size = index_.size() + ends_.size();
    if (size >= kBatchRecords && std::has_single_bit(size)) index_.reserve(size, (key_bytes_ + size - 1) / size);
    key_bytes_ += key.size();
    bytes_.append(key);
    ends_.push_back({bytes_.size(), hash});
    if (ends_.size() == kBatchRecords) flush();
  }

  // Hashes the batch's keys and starts loading their slots, then adds them.
  void flush() {
    probes_.clear();
    std::size_t begin = 0;
    for (const auto& [end, hash] : ends_) {
      probes_.push_back(index_.probe(std::string_view(bytes_).substr(begin, end - begin)));
      index_.prefetch(probes_.back());
      begin = end;
    }
    for (std::size_t i = 0; i < probes_.size(); ++i) index_.add(probes_[i], ends_[i].second);
    bytes_.clear();
    ends_.clear();
  }

 private:
  SnapshotIndex& index_;
  std::size_t key_bytes_ = 0;  // of every key added
  std::string bytes_;                                        // the keys, one after another
  std::vector<std::pair<std::size_t, std::uint64_t>> ends_;  // where each key ends, and its hash
  std::vector<SnapshotIndex::Probe> probes_;                 // the keys of a batch being added
};

// Offers batches of records to the consumers of a source. The caller reads the next batch while
// helper threads offer the current one; each consumer takes a whole batch, so its records stay
// in source order. The caller helps once its batch is read.
//
// Thread-safety: run() and finish() from the caller's thread only.
class BatchOffer {
 public:
  explicit BatchOffer(const BatchFeed& feed) : feed_(feed), next_(feed.consumers) {}
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
      for (std::size_t c = 0; c < feed_.consumers; ++c) feed_.offer(c, records);
      return;
    }
    start_helpers();
    {
      const std::lock_guard lock(mu_);
      batch_ = records;
      next_ = 0;
      pending_ = feed_.consumers;
      ++generation_;
    }
    ready_.notify_all();
  }

  // Helps with the batch handed over last and waits until every consumer is done with it.
  // Rethrows what an offer threw.
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
    const std::size_t n = std::max<std::size_t>(1, std::min<std::size_t>(helper_threads(), feed_.consumers));
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

  // Offers the current batch to the next consumer not served yet; false when none is left.
  // REQUIRES: `lock` holds mu_ (released while the consumer works).
  bool run_one(std::unique_lock<std::mutex>& lock) {
    if (next_ >= feed_.consumers) return false;
    const std::size_t consumer = next_++;
    const auto batch = batch_;
    lock.unlock();
    std::exception_ptr thrown;
    try {
      feed_.offer(consumer, batch);
    } catch (...) {
      thrown = std::current_exception();
    }
    lock.lock();
    if (thrown && !thrown_) thrown_ = thrown;
    if (--pending_ == 0) done_.notify_all();
    return true;
  }

  const BatchFeed& feed_;
  std::mutex mu_;
  std::condition_variable ready_;  // a batch was handed over, or stop
  std::condition_variable done_;   // every consumer is done with the batch
  std::span<const Record> batch_;
  std::size_t next_;               // the next consumer to take the batch
  std::size_t pending_ = 0;        // consumers not done with the batch
  std::uint64_t generation_ = 0;   // batches handed over
  bool stop_ = false;
  std::exception_ptr thrown_;
  std::vector<std::thread> helpers_;
};

}  // namespace

Result<void> for_each_parallel(std::size_t count, SnapshotStore* store, const IndexedTask& task) {
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

Result<SnapshotIndex> load_index(SnapshotStore* store, std::string_view target, SnapshotIndex::Owners owners) {
  SnapshotIndex index(owners);
  if (store == nullptr) return index;
  IndexFeed feed(index);
  auto r = store->for_each_hash(target, [&](std::string_view key, std::uint64_t hash) { feed.add(key, hash); });
  if (!r) return std::unexpected(r.error());
  feed.flush();
  return index;
}

Result<std::optional<Document>> last_document(SnapshotStore* store, std::string_view target, const std::string& key) {
  if (store == nullptr) return std::optional<Document>();
  auto row = store->applied_row(target, key);
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<Document>();
  Document d{key, std::move((*row)->document)};
  d.hash = (*row)->hash;  // the snapshot keeps it: no second hashing
  return std::optional<Document>(std::move(d));
}

Result<void> fetch_last_documents(SnapshotStore* store, std::string_view target, std::vector<Work>& work,
                                  std::vector<std::size_t> which) {
  std::sort(which.begin(), which.end(),
            [&](std::size_t a, std::size_t b) { return work[a].desired.key < work[b].desired.key; });
  for (const std::size_t i : which) {
    auto last = last_document(store, target, work[i].desired.key);
    if (!last) return std::unexpected(last.error());
    work[i].last_applied = std::move(*last);
  }
  return {};
}

Result<std::uint64_t> read_in_batches(RecordSource& source, const BatchFeed& feed) {
  std::uint64_t passed = 0;
  std::array<std::vector<Record>, 2> batches{std::vector<Record>(kBatchRecords), std::vector<Record>(kBatchRecords)};
  {
    BatchOffer offer(feed);  // after the batches: joins before they go
    for (std::size_t b = 0;; b ^= 1) {
      std::vector<Record>& batch = batches[b];
      std::size_t n = 0;
      while (n < batch.size() && source.next(batch[n])) ++n;
      const bool more = n == batch.size();
      const std::size_t kept = feed.keep(std::span<Record>(batch.data(), n));
      passed += kept;
      offer.run(std::span<const Record>(batch.data(), kept));
      if (!more) break;
    }
    offer.finish();
  }
  // A source that stopped after it opened was not read whole: whatever stopped it, nothing may be
  // planned from a part of it, and the stop has an exit code of its own (not a config error).
  if (auto st = source.status(); !st) {
    Error e = st.error();
    if (e.kind != Error::Kind::kSourceRead) {
      e.kind = Error::Kind::kSourceRead;
      e.message += "; the source was not read whole, so nothing was planned from it";
    }
    return std::unexpected(std::move(e));
  }
  return passed;
}

}  // namespace hrsync
