// Fuzz target: the Feishu throttle headers (feishu_throttle.h).
//
// The input is an HTTP answer (http_answer.h) of which only the header fields count: they are read
// into a Verdict as every Feishu connector does, and each field's value is also parsed as a reset
// and as a window limit. A reset read is never negative nor NaN; a limit read is never zero; the
// pause the engine takes for a reset (engine/run/throttle_pause.h) is finite, within its bound.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/targets/feishu_throttle.h"
#include "engine/run/throttle_pause.h"
#include "http_answer.h"

namespace {

void check_reset(const std::optional<double>& reset) {
  if (reset && (std::isnan(*reset) || *reset < 0)) __builtin_trap();
  constexpr double kNow = 1'796'000'000;  // a Unix time, so that a reset near it reads as one
  const hrsync::ThrottlePause p = hrsync::throttle_pause(reset, kNow, 1, 60);
  if (!std::isfinite(p.seconds) || p.seconds < 0 || p.seconds > 60) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hrsync;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const fuzz::HttpAnswer a = fuzz::read_answer(in);
  Verdict v;
  read_feishu_throttle(a.headers, v);
  check_reset(v.reset_s);
  if (v.announced_limit && *v.announced_limit == 0) __builtin_trap();
  // Every line's value, as either header.
  while (!in.empty()) {
    const std::string_view line = fuzz::take_line(in);
    const std::size_t colon = line.find(':');
    const std::string_view value = fuzz::trim_spaces(colon == std::string_view::npos ? line : line.substr(colon + 1));
    check_reset(parse_reset_seconds(value));
    const auto limit = parse_window_limit(value);
    if (limit && *limit == 0) __builtin_trap();
  }
  return 0;
}
