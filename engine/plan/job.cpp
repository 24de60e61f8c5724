#include "engine/plan/job.h"

#include <fmt/format.h>

#include <filesystem>

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

  auto sources = open_sources(job.config, job.targets, env);
  if (!sources) return std::unexpected(sources.error());
  auto plan = make_plan(job.config, job.targets, std::move(*sources), job.store.get(), options);
  if (!plan) return std::unexpected(plan.error());
  job.plan = std::move(*plan);
  return job;
}

}  // namespace hrsync
