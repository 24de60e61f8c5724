// utc_time: a Unix time as people read it in messages and in a run's status ("2026-11-30 02:00:05 UTC").
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <string>

namespace hrsync {

std::string utc_time(std::int64_t unix_seconds);

}  // namespace hrsync
