// ProblemDigest: a run's failed and skipped entities, bounded — per (target, status, code) how
// many there were, the first message, and the first few outcomes as examples.
//
// The run's report and the summary the store keeps of it carry this digest, never one row per
// entity: every outcome is in the store's outcomes table already, and a target that fails every
// call of a run of 1,000,000 entities must not make the run hold 1,000,000 rows. So the memory is
// one group per distinct (target, status, code) the run met and at most `examples` outcomes in
// each, however many entities failed.
//
// Thread-safety: a plain value; not synchronised.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "store/run_rows.h"

namespace hrsync {

// The failed or skipped entities of one target with one status and one code.
struct ProblemGroup {
  std::string target;
  std::string status;                // "failed", "skipped"
  std::int64_t code = 0;
  std::string message;               // the first message seen
  std::uint64_t count = 0;           // every one of them
  std::vector<OutcomeRow> examples;  // the first ones, at most the digest's bound

  // The examples' keys, in the order they came.
  std::vector<std::string> keys() const;
};

class ProblemDigest {
 public:
  // Examples kept per group by default: enough for a person to look a few up, and bounded.
  static constexpr std::size_t kExamples = 20;

  ProblemDigest() = default;
  explicit ProblemDigest(std::size_t examples) : examples_(examples) {}

  // Counts `row` in its group and keeps it as an example while the group has fewer than the
  // bound. An "applied" row without a code is not a problem: it is ignored (one with a code was
  // applied without a member the target refused: a digest of those is the report's `refused`).
  void add(OutcomeRow row);

  // The groups, biggest first; groups of the same size by target, status and code.
  std::vector<ProblemGroup> groups() const;
  // The groups in the order they were first met.
  const std::vector<ProblemGroup>& groups_in_order() const { return groups_; }

  // Problems added, and how many of them are kept as examples.
  std::uint64_t count() const { return count_; }
  std::uint64_t listed() const { return listed_; }
  bool empty() const { return count_ == 0; }

  std::size_t examples_per_group() const { return examples_; }

 private:
  std::size_t examples_ = kExamples;
  std::vector<ProblemGroup> groups_;
  std::map<std::tuple<std::string, std::string, std::int64_t>, std::size_t, std::less<>> index_;
  std::uint64_t count_ = 0;
  std::uint64_t listed_ = 0;
};

}  // namespace hrsync
