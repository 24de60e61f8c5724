// SnapshotStore: the SQLite file that remembers what each target holds, and every run.
//
// For each (target, key) the snapshot keeps the last document the target confirmed, and its
// content hash; a plan diffs against the hashes (for_each_hash) and shows field changes against
// the documents (document). The executor commits confirmed successes in batches, one
// transaction per batch, so a crash loses at most the batch in flight (its calls are re-sent,
// idempotently, by the next run). The run log records each run and the outcome of every entity.
//
// The file is opened in WAL mode (a report may read while a sync writes) with a busy timeout,
// synchronous=NORMAL (a power cut may lose the last batches, which are then re-sent; never
// corrupt the file), and migrated to the newest schema (store/schema.h). open() creates the file
// but not its folder. Every SQLite failure comes back as a kDatabase Error whose `where` is the
// file's path. Timestamps are inputs (Unix seconds from the caller's clock).
//
// open_read_only() is for a reader beside a running sync (`hrsync status`): it creates, migrates
// and writes nothing, and in WAL mode it neither waits for the writer nor stops it.
//
// Thread-safety: one SnapshotStore per thread (it owns one SQLite connection). It is movable;
// several stores, in threads or processes, may open the same file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/error.h"
#include "store/run_rows.h"

namespace hrsync {

struct StoreOptions {
  int busy_timeout_ms = 5000;  // how long a statement waits for another connection's lock
};

class SnapshotStore {
 public:
  // A confirmed success: what the target now holds for `key`.
  struct AppliedRow {
    std::string key;
    std::uint64_t hash = 0;  // content_hash(document)
    std::string document;    // canonical JSON
  };

  // Opens (creating if needed) the database file at `path` and migrates it. Fails, naming the
  // path, when its folder does not exist, when it is not an SQLite file, or when its schema is
  // newer than this program knows.
  static Result<SnapshotStore> open(const std::string& path, const StoreOptions& options = {});

  // Opens the existing database file at `path` for reading only. Fails, naming the path, when it
  // does not exist, is not an SQLite file, or its schema is newer than this program knows. A file
  // of an older schema opens; what it does not hold yet reads as empty (progress(); the runs of a
  // file a sync has just created and not yet migrated).
  static Result<SnapshotStore> open_read_only(const std::string& path, const StoreOptions& options = {});

  SnapshotStore(SnapshotStore&&) noexcept;
  SnapshotStore& operator=(SnapshotStore&&) noexcept;
  ~SnapshotStore();

  const std::string& path() const;

  // Calls fn(std::string_view key, std::uint64_t hash) for every snapshot row of `target`, in
  // byte order of key. The key's bytes are valid only during the call. One statement, no
  // allocation per row.
  template <typename F>
  Result<void> for_each_hash(std::string_view target, F&& fn);

  // The last applied row of (target, key): its document and the hash kept with it (so a reader
  // need not hash the document again); nullopt when the snapshot has none.
  Result<std::optional<AppliedRow>> applied_row(std::string_view target, std::string_view key);
  // The document of applied_row() alone.
  Result<std::optional<std::string>> document(std::string_view target, std::string_view key);

  // A confirmed success of one target, in a batch that mixes targets.
  struct TargetRow {
    std::string target;
    AppliedRow row;
  };

  // Writes `rows` (confirmed by `target`) as the snapshot of their keys, all or none, in one
  // transaction. A row that breaks a constraint (an empty key) fails the whole batch.
  Result<void> commit(std::string_view target, std::span<const AppliedRow> rows, std::int64_t run_id,
                      std::int64_t now);

  // A run's batch of any targets: writes `rows` as the snapshot of their keys, then records
  // `outcomes` as commit() and record_outcomes() do, all of it or none in one transaction, so an
  // outcome that says "applied" is never stored without its snapshot row. With `progress`, the
  // run's progress is written in the same transaction (as write_progress() does), so it always
  // counts what is committed. REQUIRES: the run exists.
  Result<void> commit_batch(std::int64_t run_id, std::span<const TargetRow> rows, std::span<const OutcomeRow> outcomes,
                            std::int64_t now, const RunProgress* progress = nullptr);

  // Replaces the progress of run `run_id` (every target's row, the run's progress_at and
  // expected_end) in one transaction. REQUIRES: the run exists.
  Result<void> write_progress(std::int64_t run_id, const RunProgress& progress);

  // The progress last written for run `run_id`; empty (updated_at 0, no target) when none was,
  // or when the file's schema predates it.
  Result<RunProgress> progress(std::int64_t run_id);

  // Deletes the snapshot rows of `keys` on `target`, all or none, in one transaction: entities
  // that left the source and that the target's on_missing policy leaves alone are no longer
  // managed, so a later plan neither counts them missing again nor holds their documents.
  // `run_id` is the run that forgets them (0: none), named by generation().
  Result<void> forget(std::string_view target, std::span<const std::string> keys, std::int64_t run_id = 0);

  // Snapshot rows of `target`.
  Result<std::int64_t> count(std::string_view target);

  // SQLite's quick_check of the whole file (pages, records, index order; not the index contents):
  // a kDatabase error naming the file and SQLite's first findings when it is damaged.
  Result<void> quick_check();

  // The keys the last read of `target` found it lacks (replace_absent), in key order; a key whose
  // create an outcome records as applied (commit_batch, record_outcomes) leaves them, and a key
  // whose update an outcome records as "absent" (the target's not-found code) joins them.
  Result<std::vector<std::string>> absent_keys(std::string_view target);

  // Replaces the keys `target` lacks with `keys`, found by run `run_id`'s read, in one transaction.
  Result<void> replace_absent(std::string_view target, std::span<const std::string> keys, std::int64_t run_id);

  // What on_missing did to an entity that left the source, recorded when that change was applied:
  // the document the target held before it (the snapshot's row then), and the run that applied it.
  struct LeaverRow {
    std::string key;
    std::string document;
    std::int64_t run_id = 0;
  };

  // The leavers of `target` hrsync froze, revoked or blacklisted, in key order. commit_batch
  // records one when it commits an applied "freeze" outcome over a snapshot row (a row already
  // recorded keeps its first document), and drops it when it commits an applied "upsert" or
  // "create" of the key: the entity is back and its access was given back. Empty for a file whose
  // schema predates them.
  Result<std::vector<LeaverRow>> leavers(std::string_view target);

  // How far the snapshot has come: `generation` grows by one with every transaction that changes
  // snapshot rows (commit, commit_batch with rows, forget); `run_id` is the run that made the
  // last one, none when no run made it (a forget outside a run, or a file that never changed).
  struct Generation {
    std::int64_t generation = 0;
    std::optional<std::int64_t> run_id;
  };
  Result<Generation> generation();

  // The snapshot row of (target, key) as far as a plan's resumption needs it: its content hash
  // and the run that committed it. nullopt when the snapshot has no row.
  struct RowState {
    std::uint64_t hash = 0;
    std::int64_t run_id = 0;
  };
  Result<std::optional<RowState>> row_state(std::string_view target, std::string_view key);

  // Records that run `run_id` applies the plan file whose checksum is `plan`.
  // REQUIRES: the run exists.
  Result<void> attach_plan(std::int64_t run_id, std::string_view plan);

  // The runs that applied the plan file `plan`, oldest first.
  Result<std::vector<std::int64_t>> plan_runs(std::string_view plan);

  // Starts a run (status "running") and returns its id; ids only grow.
  Result<std::int64_t> begin_run(std::string_view command, std::string_view config_path, std::int64_t now);

  // Records outcomes of run `run_id`, all or none, in one transaction. An outcome for a
  // (target, key) already recorded in that run replaces it. REQUIRES: the run exists.
  Result<void> record_outcomes(std::int64_t run_id, std::span<const OutcomeRow> outcomes);

  // Ends run `run_id`. `summary_json` must be valid JSON. Fails when there is no such run.
  Result<void> finish_run(std::int64_t run_id, std::string_view status, int exit_code, const std::string& summary_json,
                          std::int64_t now);

  // Marks every run still "running" as "abandoned" and returns their ids, oldest first. For a
  // caller that holds the job's run lock (engine/run/run_lock.h): then no process is running them.
  Result<std::vector<std::int64_t>> abandon_running_runs();

  Result<std::optional<RunRow>> run(std::int64_t id);
  Result<std::optional<RunRow>> last_run();
  // The last `limit` runs, newest first.
  Result<std::vector<RunRow>> recent_runs(int limit);
  // The outcomes of run `run_id`, by target then key.
  Result<std::vector<OutcomeRow>> outcomes(std::int64_t run_id);
  // The same, given to `visit` one at a time as the cursor reads them, so that a reader of a run
  // of millions holds one row. `visit` must not use this store.
  Result<void> for_each_outcome(std::int64_t run_id, const std::function<void(OutcomeRow&&)>& visit);
  // The keys of `target` whose last attempt failed, sorted: the latest outcome of each key in any
  // run, skipped ones left aside (a skipped entity was not tried), is "failed".
  Result<std::vector<std::string>> keys_failed_last(std::string_view target);

 private:
  struct Impl;
  using HashVisitor = void (*)(void* context, std::string_view key, std::uint64_t hash);

  explicit SnapshotStore(std::unique_ptr<Impl> impl);
  Result<void> scan_hashes(std::string_view target, void* context, HashVisitor visit);
  // The statements of commit_batch(), inside the caller's transaction; they throw SQLite::Exception.
  void upsert_rows(std::span<const TargetRow> rows, std::int64_t run_id, std::int64_t now, std::size_t& at);
  // An applied "create" outcome also takes its key out of the absent table (forget_absent), an
  // "absent" upsert puts it in (remember_absent); an applied "upsert" or "create" takes it out of
  // the leavers.
  void upsert_outcomes(std::int64_t run_id, std::span<const OutcomeRow> outcomes, std::size_t& at);
  void remember_absent(const std::string& target, const std::string& key, std::int64_t run_id);
  void forget_absent(const std::string& target, const std::string& key);
  // Records, for each applied "freeze" outcome, the snapshot row it replaces as a leaver; before
  // upsert_rows, inside the caller's transaction.
  void record_leavers(std::int64_t run_id, std::span<const OutcomeRow> outcomes);
  void forget_leaver(const std::string& target, const std::string& key);
  void replace_progress(std::int64_t run_id, const RunProgress& progress);
  // Advances the generation, naming `run_id` (none when 0), inside the caller's transaction.
  void advance_generation(std::int64_t run_id);

  std::unique_ptr<Impl> impl_;
};

template <typename F>
Result<void> SnapshotStore::for_each_hash(std::string_view target, F&& fn) {
  using Fn = std::remove_reference_t<F>;
  return scan_hashes(target, const_cast<void*>(static_cast<const void*>(&fn)),
                     [](void* context, std::string_view key, std::uint64_t hash) {
                       (*static_cast<Fn*>(context))(key, hash);
                     });
}

}  // namespace hrsync
