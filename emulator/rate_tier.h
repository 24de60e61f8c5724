// RateTier: one tier of a documented rate limit ("50/s", "1000/min").
//
// The emulator keeps its own copy of this small vocabulary: it shares no code with connectors/
// or engine/, so a misreading of a document on the client side cannot hide in the server.
//
// Thread-safety: a plain value type; parse_rate_tier is pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace hrsync::emulator {

struct RateTier {
  std::uint32_t limit = 0;   // most requests admitted in any window
  double window_s = 1.0;     // window length in seconds
  bool operator==(const RateTier&) const = default;
};

// "50/s", "1000/min", "100/m", "3600/h", "5/10s". Errors are kUsage and quote the text.
Result<RateTier> parse_rate_tier(std::string_view text);

// The tier as text: "50/s", "1000/min", "7/30s".
std::string rate_tier_label(const RateTier& tier);

// `tier` with its limit multiplied by `scale` (rounded, at least 1). REQUIRES: scale > 0.
RateTier scale_tier(const RateTier& tier, double scale);

}  // namespace hrsync::emulator
