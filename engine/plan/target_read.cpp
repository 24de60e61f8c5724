#include "engine/plan/target_read.h"

namespace hrsync {

bool reads_target(const TargetConfig& config, ReadChoice choice, std::int64_t snapshot_rows) {
  switch (choice) {
    case ReadChoice::kAll: return true;
    case ReadChoice::kNone: return false;
    case ReadChoice::kConfig: break;
  }
  switch (default_read_when(config)) {
    case ReadWhen::kAlways: return true;
    case ReadWhen::kNever: return false;
    case ReadWhen::kEmpty: return snapshot_rows == 0;
  }
  return false;
}

}  // namespace hrsync
