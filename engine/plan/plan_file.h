// Plan file: a plan written down to be reviewed, then applied exactly (`hrsync plan --out FILE`,
// `hrsync plan --show FILE`, `hrsync apply FILE`).
//
// The file is text, one JSON object per line: a header (when, the config's path and SHA-256, the
// options, the snapshot's generation and digest, the sources' fingerprints, per target its
// counts, calls and notes, the safety gates that tripped), then one line per note (the values a
// person must remove by hand on a target, then the keys that left the source and that their
// target's policy leaves alone, dropped from the snapshot once the target's calls are done),
// then one line per call (its number, target, key, kind upsert, freeze or create, the desired document
// and its hash, the last applied document, and what the target holds afterwards when the
// request cannot clear every member), then a trailer with the number of calls and the SHA-256 of
// every byte before it. The calls of one target come together, targets in the header's order.
//
// PlanFileWriter writes a line at a time and PlanFileReader reads a line at a time: neither holds
// more than one call or note, whatever the size of the plan (a reader of the notes may keep them:
// they are as many as the plan held in memory). The file is written beside its final name,
// mode 0600 (it holds personal data), and renamed into place once complete.
//
// Thread-safety: one writer or reader per thread.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "engine/plan/job.h"
#include "engine/plan/plan.h"
#include "engine/plan/sha256.h"

namespace hrsync {

inline constexpr int kPlanFileVersion = 2;  // 2: the notes (by hand, forget)

struct PlanFileSource {
  std::string name;             // [sources.NAME]
  std::string describe;         // "hr/employees.csv"
  std::uint64_t records = 0;    // good records read
  std::uint64_t rejected = 0;   // rows refused
  std::string sha256;           // of the file (csv, sqlite); "" for a database server
};

struct PlanFileTarget {
  std::string id;
  std::string source;
  TargetCounts counts;
  std::uint64_t calls = 0;      // call lines of this target
  std::uint64_t by_hand = 0;    // its notes of values to remove by hand
  std::uint64_t forget = 0;     // its notes of keys to forget
};

struct PlanFileHeader {
  int version = kPlanFileVersion;
  std::int64_t created_at = 0;            // Unix seconds
  std::string config_path;                // the config the plan was made from
  std::string config_sha256;              // of its bytes
  bool full = false;                      // --full
  std::vector<std::string> only;          // --only
  std::string snapshot_path;
  std::int64_t snapshot_generation = 0;   // SnapshotStore::generation() when the plan was made
  std::optional<std::int64_t> snapshot_run;  // the run of the snapshot's last change
  std::string snapshot_sha256;            // snapshot_digest() of the plan's targets
  std::vector<PlanFileSource> sources;
  std::vector<PlanFileTarget> targets;
  std::vector<GateStop> gates;            // the safety gates that tripped; empty when all passed
};

// One call of a plan file. A document's attachment (a photo) is written with its absolute path,
// so that the file is applied from any folder.
struct PlanCall {
  std::uint64_t n = 0;   // its place among the calls, from 0
  std::string target;
  Work work;             // desired document, action, last applied document, holds; no origin
};

// What a plan says of a target besides its calls.
struct PlanNote {
  enum class Kind : std::uint8_t {
    kByHand,  // a value the target keeps that its API cannot clear (the plan's "Remove by hand")
    kForget,  // a key that left the source and that the target's policy leaves alone: dropped
              // from the snapshot once the target's calls are done (TargetPlan::forget_keys)
  };
  Kind kind = Kind::kByHand;
  std::string target;
  ByHand entry;  // the key; for kByHand also where the record came from and what to change
};

// The digest of the snapshot rows (target, key, hash) of `targets`, in target then key order;
// the digest of nothing when `store` is null.
Result<std::string> snapshot_digest(SnapshotStore* store, const std::vector<std::string>& targets);

// The header of a plan file for `job` (its plan made with `options`) at `now`: hashes the config
// and the source files, reads the snapshot's generation and digest.
Result<PlanFileHeader> plan_file_header(Job& job, const PlanOptions& options, std::int64_t now);

class PlanFileWriter {
 public:
  // Starts writing `path` (as `path`.partial, mode 0600) with `header`.
  static Result<PlanFileWriter> create(const std::string& path, const PlanFileHeader& header);

  PlanFileWriter(PlanFileWriter&&) noexcept;
  PlanFileWriter& operator=(PlanFileWriter&&) noexcept;
  ~PlanFileWriter();  // removes the partial file unless finish() succeeded

  // Appends one note. REQUIRES: no call was added yet.
  Result<void> add(const PlanNote& note);

  // Appends one call. REQUIRES: the calls of one target come together.
  Result<void> add(std::string_view target, const Work& work);

  // Writes the trailer, flushes, and renames the file into place; returns its checksum.
  Result<std::string> finish();

 private:
  PlanFileWriter() = default;
  Result<void> put(const std::string& line);

  std::string path_;
  std::string partial_;
  std::unique_ptr<std::ofstream> out_;
  Sha256 sha_;
  std::string line_;           // the line being written, reused
  std::uint64_t calls_ = 0;
  bool done_ = false;
};

// Writes `plan` to `path` with `header`: the targets' values to remove by hand, then their keys to
// forget, then their calls (a target's streamed work is read to its end); returns the file's
// checksum.
Result<std::string> write_plan_file(const std::string& path, const PlanFileHeader& header, const Plan& plan);

class PlanFileReader {
 public:
  // Opens `path` and reads its header. kIo when it cannot be read; kInput, naming path:line,
  // when it is not a plan file this hrsync reads.
  static Result<PlanFileReader> open(const std::string& path);

  PlanFileReader(PlanFileReader&&) noexcept;
  PlanFileReader& operator=(PlanFileReader&&) noexcept;
  ~PlanFileReader();

  const PlanFileHeader& header() const { return header_; }
  const std::string& path() const { return path_; }

  // Reads the next note into `out`. False once the calls begin (the first is left for
  // next(PlanCall&)), at the trailer, or on an error: status() says which.
  bool next(PlanNote& out);

  // Reads the next call into `out`, passing over the notes not read (they are checked all the
  // same). False at the trailer or on an error: status() says which. Read from the start, the
  // trailer is checked: the number of calls and notes and the checksum of every byte before it
  // (kInput "altered" when they differ, or when the file ends without one).
  bool next(PlanCall& out);

  const Result<void>& status() const { return status_; }

  // The trailer's checksum, once next() reached it with every check passed; "" before.
  const std::string& checksum() const { return checksum_; }

  // The byte offset of the next line to read.
  std::uint64_t offset() const { return held_ ? line_start_ : offset_; }

  // Goes to the call line at `offset` (as offset() gave it), numbered `n`. Reading on from there
  // does not check the trailer's checksum (a reading from the start did).
  Result<void> seek(std::uint64_t offset, std::uint64_t n);

 private:
  PlanFileReader() = default;
  bool read_line();
  // The next line into line_: the one next(PlanNote&) left, else a new one; false at the end.
  bool take_line();
  bool failed(std::string message);
  // failed() for a file that ends before its trailer.
  bool cut_short();
  // Adds line_ to the checksum, when the file is being checked.
  void hash_line();
  bool at_trailer();
  // Checks, hashes and counts the note on line_; false (status_ set) when it is not one.
  bool take_note(PlanNote& out);

  std::string path_;
  std::unique_ptr<std::ifstream> in_;
  PlanFileHeader header_;
  Sha256 sha_;
  bool checking_ = true;        // read from the start: the checksum is computed
  std::string line_;            // the line just read (one at a time)
  std::uint64_t line_no_ = 0;   // its number in the file, from 1
  std::uint64_t offset_ = 0;
  std::uint64_t line_start_ = 0;  // the byte offset of line_
  bool held_ = false;           // line_ is read but not taken (the first call, after the notes)
  bool in_calls_ = false;       // a call was read: no note may follow
  std::uint64_t notes_ = 0;     // notes read
  std::uint64_t next_n_ = 0;    // the number the next call must carry
  Result<void> status_;
  std::string checksum_;
  bool ended_ = false;
};

// The checksum the trailer of the plan file at `path` claims, read from the file's end (to know
// which plan's runs to look for before the file is read through, which checks the claim).
Result<std::string> claimed_checksum(const std::string& path);

// The calls of one target of a plan file, read as they are sent: from the target's first call
// line (an offset a reading from the start gave) to its last, leaving out those that `done`
// marks (by call number: calls an earlier apply of the file got confirmed).
class PlanFileStream final : public WorkStream {
 public:
  static Result<std::shared_ptr<PlanFileStream>> open(const std::string& path, std::string target,
                                                      std::uint64_t offset, std::uint64_t first,
                                                      std::shared_ptr<const std::vector<bool>> done);

  bool next(Work& out) override;
  const Result<void>& status() const override { return status_; }

 private:
  PlanFileStream(PlanFileReader reader, std::string target, std::shared_ptr<const std::vector<bool>> done)
      : reader_(std::move(reader)), target_(std::move(target)), done_(std::move(done)) {}

  PlanFileReader reader_;
  std::string target_;
  std::shared_ptr<const std::vector<bool>> done_;
  PlanCall call_;       // the call being read (one at a time)
  bool ended_ = false;
  Result<void> status_;
};

}  // namespace hrsync
