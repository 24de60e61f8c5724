#include "engine/plan/job.h"

#include <fmt/format.h>

#include <filesystem>

#include "engine/plan/source_keys.h"

namespace hrsync {

int exit_code_for(const Error& error) {
  switch (error.kind) {
    case Error::Kind::kAuth:
      return 4;
    case Error::Kind::kSourceRead:
      return 9;  // kExitSourceRead (engine/run/exit_code.h)
    case Error::Kind::kUsage:
    case Error::Kind::kConfig:
    case Error::Kind::kInput:
    case Error::Kind::kIo:
    case Error::Kind::kDatabase:
    case Error::Kind::kNetwork:
    case Error::Kind::kProtocol:
    case Error::Kind::kOversize:
    case Error::Kind::kMalformed:
    case Error::Kind::kInternal:
      return 2;
  }
  return 2;
}

namespace {

// The targets the plan reads before its diff: those options.read, or their own `read` setting
// with the rows their snapshot holds, choose, and whose API offers a read. None without a reader.
Result<std::vector<ReadAsk>> read_asks(const Job& job, const PlanOptions& options) {
  std::vector<ReadAsk> asks;
  if (!options.reader) return asks;
  for (const auto& connector : job.targets) {
    if (connector->read() == nullptr) continue;
    const TargetConfig* config = nullptr;
    for (const TargetConfig& tc : job.config.targets) {
      if (tc.id == connector->id()) config = &tc;
    }
    if (config == nullptr) continue;
    std::int64_t rows = 0;
    if (job.store && options.read == ReadChoice::kConfig) {
      auto count = job.store->count(connector->id());
      if (!count) return std::unexpected(count.error());
      rows = *count;
    }
    if (reads_target(*config, options.read, rows)) asks.push_back(ReadAsk{connector.get(), config, {}});
  }
  return asks;
}

}  // namespace

Result<Job> prepare_job(const std::string& config_path, const PlanOptions& options, bool create_store, EnvLookup env) {
  auto config = load_config(config_path, env);
  if (!config) return std::unexpected(config.error());
  return prepare_job(std::move(*config), options, create_store, env);
}

Result<Job> prepare_job(JobConfig config, const PlanOptions& options, bool create_store, EnvLookup env) {
  Job job;
  job.config = std::move(config);

  auto targets = make_targets(job.config, options);
  if (!targets) return std::unexpected(targets.error());
  job.targets = std::move(*targets);

  namespace fs = std::filesystem;
  const fs::path snapshot(job.config.snapshot);
  if (create_store && snapshot.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(snapshot.parent_path(), ec);
    if (ec) {
      return fail(Error::Kind::kIo, snapshot.parent_path().string(),
                  fmt::format("cannot create the snapshot folder: {}", ec.message()));
    }
  }
  if (create_store || fs::exists(snapshot)) {
    auto store = SnapshotStore::open(job.config.snapshot);
    if (!store) return std::unexpected(store.error());
    job.store = std::make_unique<SnapshotStore>(std::move(*store));
  }

  std::vector<TargetRead> reads;
  PlanOptions planning = options;
  auto asks = read_asks(job, options);
  if (!asks) return std::unexpected(asks.error());
  if (!asks->empty()) {
    // One pass for the keys to ask for; the plan reads the sources again to diff.
    auto keyed = open_sources(job.config, job.targets, env);
    if (!keyed) return std::unexpected(keyed.error());
    if (auto collected = collect_read_keys(*keyed, *asks); !collected) return std::unexpected(collected.error());
    reads = options.reader(*asks);
    planning.reads = &reads;
  }
  auto sources = open_sources(job.config, job.targets, env);
  if (!sources) return std::unexpected(sources.error());
  auto plan = make_plan(job.config, job.targets, std::move(*sources), job.store.get(), planning);
  if (!plan) return std::unexpected(plan.error());
  job.plan = std::move(*plan);
  return job;
}

}  // namespace hrsync
