#include <ctime>
#include <ostream>

#include "engine/cli/commands.h"
#include "engine/run/run_status.h"
#include "engine/config/config.h"

namespace hrsync {

int run_status(const StatusCommand& cmd, std::ostream& out, std::ostream& err) {
  auto config = load_config(cmd.config);
  if (!config) {
    err << "hrsync status: " << config.error().str() << "\n";
    return kExitUsage;
  }
  auto status = read_run_status(*config);
  if (!status) {
    err << "hrsync status: " << status.error().str() << "\n";
    return kExitUsage;
  }
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  out << (cmd.json ? render_status_json(*status, now) : render_status_text(*status, now));
  return kExitOk;
}

}  // namespace hrsync
