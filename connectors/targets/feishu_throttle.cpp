#include "connectors/targets/feishu_throttle.h"

#include <charconv>

namespace hrsync {

std::optional<double> parse_reset_seconds(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !(value >= 0)) return std::nullopt;
  return value;
}

std::optional<std::uint32_t> parse_window_limit(std::string_view text) {
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0) return std::nullopt;
  return value;
}

void read_feishu_throttle(const HttpHeaders& headers, Verdict& v) {
  if (auto reset = headers.find(kFeishuResetHeader)) v.reset_s = parse_reset_seconds(*reset);
  if (auto limit = headers.find(kFeishuLimitHeader)) v.announced_limit = parse_window_limit(*limit);
}

}  // namespace hrsync
