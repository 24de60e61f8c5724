// WorkSpool: the new entities of one target past the first few, written to a temporary file as
// the plan is made and read back as a WorkStream when they are sent, so that a first run of a
// whole organisation holds counts and a handful of changes in memory, not every document.
//
// The file is a plan file (engine/plan/plan_file.h: the same line format, its calls carrying the
// line of the record they came from), mode 0600 in the temporary folder ($TMPDIR, else /tmp), and
// removed once its reader has opened it, so that nothing is left behind however the process ends.
// The entries come back as they were added, their origin included (one target reads one source).
//
// Thread-safety: one thread at a time; the stream finish() gives is for one reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "engine/plan/plan.h"
#include "engine/plan/plan_file.h"

namespace hrsync {

class WorkSpool {
 public:
  // A new spool for `target`'s work.
  static Result<std::unique_ptr<WorkSpool>> create(std::string_view target);

  ~WorkSpool();

  // Appends one entry. REQUIRES: finish() was not called.
  Result<void> add(const Work& work);

  // Entries added.
  std::uint64_t size() const { return size_; }

  // Ends the writing and returns the stream of the entries added, leaving out those whose record
  // line is in `skip` (sorted).
  Result<std::shared_ptr<WorkStream>> finish(std::vector<std::uint64_t> skip);

 private:
  WorkSpool(std::string target, std::string path, PlanFileWriter writer)
      : target_(std::move(target)), path_(std::move(path)), writer_(std::move(writer)) {}

  std::string target_;
  std::string path_;
  PlanFileWriter writer_;
  Origin where_;  // the input and unit of the entries' lines (the file keeps the line alone)
  std::uint64_t size_ = 0;
  bool finished_ = false;
};

}  // namespace hrsync
