#include "emulator/rate_tier.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace hrsync::emulator {
namespace {

// Window length of a unit ("s", "min", "10s"), or a negative value when unknown.
double unit_seconds(std::string_view unit) {
  if (unit == "s" || unit == "sec") return 1;
  if (unit == "m" || unit == "min") return 60;
  if (unit == "h" || unit == "hour") return 3600;
  if (unit.size() < 2 || unit.back() != 's') return -1;
  unsigned n = 0;
  auto digits = unit.substr(0, unit.size() - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || n == 0) return -1;
  return n;
}

}  // namespace

Result<RateTier> parse_rate_tier(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(Error::Kind::kUsage, "", fmt::format("rate \"{}\": {} (expected e.g. 50/s, 1000/min)", text, why));
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad("no '/'");
  std::uint32_t limit = 0;
  auto count = text.substr(0, slash);
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), limit);
  if (ec != std::errc() || end != count.data() + count.size() || limit == 0) return bad("count is not a positive integer");
  double window = unit_seconds(text.substr(slash + 1));
  if (window <= 0) return bad("unknown unit");
  return RateTier{limit, window};
}

std::string rate_tier_label(const RateTier& tier) {
  if (tier.window_s == 1) return fmt::format("{}/s", tier.limit);
  if (tier.window_s == 60) return fmt::format("{}/min", tier.limit);
  if (tier.window_s == 3600) return fmt::format("{}/h", tier.limit);
  return fmt::format("{}/{}s", tier.limit, tier.window_s);
}

RateTier scale_tier(const RateTier& tier, double scale) {
  double scaled = std::round(tier.limit * scale);
  std::uint32_t limit = scaled < 1 ? 1 : scaled > 4e9 ? 4000000000u : static_cast<std::uint32_t>(scaled);
  return RateTier{limit, tier.window_s};
}

}  // namespace hrsync::emulator
