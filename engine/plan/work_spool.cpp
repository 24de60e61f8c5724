#include "engine/plan/work_spool.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>

namespace hrsync {
namespace {

std::string temp_folder() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

// A spool's entries, read back in order, less the skipped lines.
class SpoolStream final : public WorkStream {
 public:
  SpoolStream(PlanFileReader reader, std::vector<std::uint64_t> skip, Origin where)
      : reader_(std::move(reader)), skip_(std::move(skip)), where_(std::move(where)) {}

  bool next(Work& out) override {
    while (reader_.next(call_)) {
      if (std::binary_search(skip_.begin(), skip_.end(), call_.work.origin.line)) continue;
      out = std::move(call_.work);
      if (out.origin.line != 0) out.origin.set(where_.input, out.origin.line, where_.unit);
      return true;
    }
    status_ = reader_.status();
    return false;
  }

  const Result<void>& status() const override { return status_; }

 private:
  PlanFileReader reader_;
  std::vector<std::uint64_t> skip_;
  Origin where_;   // the input and unit of the entries' lines
  PlanCall call_;  // the entry being read (one at a time)
  Result<void> status_;
};

}  // namespace

Result<std::unique_ptr<WorkSpool>> WorkSpool::create(std::string_view target) {
  static std::atomic<unsigned> serial{0};
  const std::string path = (std::filesystem::path(temp_folder()) /
                            fmt::format("hrsync-{}-{}-{}.spool", ::getpid(), target, serial++))
                               .string();
  auto writer = PlanFileWriter::create(path, PlanFileHeader{});
  if (!writer) return std::unexpected(writer.error());
  return std::unique_ptr<WorkSpool>(new WorkSpool(std::string(target), path, std::move(*writer)));
}

WorkSpool::~WorkSpool() {
  std::error_code ec;
  if (finished_) std::filesystem::remove(path_, ec);  // before finish(), the writer removes its part
}

Result<void> WorkSpool::add(const Work& work) {
  if (where_.empty()) where_ = Origin{work.origin.input, 0, work.origin.unit};
  ++size_;
  return writer_.add(target_, work);
}

Result<std::shared_ptr<WorkStream>> WorkSpool::finish(std::vector<std::uint64_t> skip) {
  finished_ = true;
  auto done = writer_.finish();
  if (!done) return std::unexpected(done.error());
  auto reader = PlanFileReader::open(path_);
  std::error_code ec;
  std::filesystem::remove(path_, ec);  // the open reader keeps the content
  if (!reader) return std::unexpected(reader.error());
  std::sort(skip.begin(), skip.end());
  return std::shared_ptr<WorkStream>(std::make_shared<SpoolStream>(std::move(*reader), std::move(skip), where_));
}

}  // namespace hrsync
