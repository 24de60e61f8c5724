#include "engine/run/snapshot_guard.h"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

namespace hrsync {

std::optional<std::string> lost_snapshot(const JobConfig& config) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool missing = !fs::exists(config.snapshot, ec);
  if (!missing && fs::file_size(config.snapshot, ec) > 0) return std::nullopt;
  if (ec && !missing) return std::nullopt;  // not a file whose size can be read: opening it says why
  std::uint64_t reports = 0;
  std::string latest;
  for (fs::directory_iterator it(config.report_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with("run-") || !name.ends_with(".json")) continue;
    ++reports;
    if (latest.empty() || name.size() > latest.size() || (name.size() == latest.size() && name > latest)) latest = name;
  }
  if (reports == 0) return std::nullopt;
  return fmt::format(
      "the snapshot {} is {}, but this job has run before ({} holds {} run report{}, the latest {}): a first run "
      "would take every entity as new. Restore the snapshot from a backup, or, if a first run is meant (a new "
      "tenant, a snapshot removed on purpose), run again with --first-run; nothing was sent",
      config.snapshot, missing ? "missing" : "empty (0 bytes)", config.report_dir, reports, reports == 1 ? "" : "s",
      latest);
}

}  // namespace hrsync
