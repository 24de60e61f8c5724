// Fuzz target: the job config loader (engine/config/config.h), from the TOML text to a checked
// JobConfig or an error naming where.
//
// The input is the config file. Every environment variable it names reads as set (so that the
// checks after the secrets are reached); relative paths resolve in the scratch folder
// (scratch_file.h), which holds nothing but the config. A config that loads is checked once more
// as the engine would see it: every number finite (issue: `nan` passes every range check).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/config/config.h"
#include "scratch_file.h"

namespace {

std::string any_env(const char* name) {
  (void)name;
  return "fuzz-value";
}

bool finite_numbers(const hrsync::JobConfig& c) {
  bool ok = std::isfinite(c.max_change_ratio) && std::isfinite(c.max_missing_ratio) &&
            std::isfinite(c.retry.base_delay_s) && std::isfinite(c.retry.max_delay_s) &&
            std::isfinite(c.retry.token_ratio) && std::isfinite(c.retry.max_pause_s) &&
            std::isfinite(c.progress.interval_s) && std::isfinite(c.http.connect_timeout_s) &&
            std::isfinite(c.http.request_timeout_s) && (!c.retry.lock_delay_s || std::isfinite(*c.retry.lock_delay_s));
  for (const hrsync::TargetConfig& t : c.targets) ok = ok && std::isfinite(t.max_failure_ratio);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hrsync;
  const std::string path =
      fuzz::write_scratch("job.toml", std::string_view(reinterpret_cast<const char*>(data), size));
  auto config = load_config(path, any_env);
  if (!config) {
    if (config.error().where.empty() && config.error().message.empty()) __builtin_trap();
    return 0;
  }
  if (!finite_numbers(*config)) __builtin_trap();
  return 0;
}
