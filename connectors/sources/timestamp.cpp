#include "connectors/sources/timestamp.h"

#include <charconv>

namespace hrsync {
namespace {

// Reads exactly `n` decimal digits at `pos`; advances `pos` on success.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

std::optional<std::int64_t> parse_unix_seconds(std::string_view s) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Parses "+08", "+0800", "+08:00", "+08:00:00" (or '-') at `pos` to the end; seconds east of UTC.
std::optional<std::int64_t> parse_offset(std::string_view s, std::size_t pos) {
  const char sign = s[pos++];
  int h = 0, m = 0, sec = 0;
  if (!digits(s, pos, 2, h)) return std::nullopt;
  if (pos < s.size()) {
    const bool colon = s[pos] == ':';
    if (colon) ++pos;
    if (!digits(s, pos, 2, m)) return std::nullopt;
    if (pos < s.size() && (!colon || !expect(s, pos, ':') || !digits(s, pos, 2, sec))) return std::nullopt;
  }
  if (pos != s.size() || h > 23 || m > 59 || sec > 59) return std::nullopt;
  const std::int64_t off = h * 3600 + m * 60 + sec;
  return sign == '-' ? -off : off;
}

// Parses "HH:MM[:SS[.fff]][zone]" at `pos`; returns seconds since midnight, UTC-adjusted.
std::optional<std::int64_t> parse_time_of_day(std::string_view s, std::size_t pos) {
  int h = 0, m = 0, sec = 0;
  if (!digits(s, pos, 2, h) || !expect(s, pos, ':') || !digits(s, pos, 2, m)) return std::nullopt;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!digits(s, pos, 2, sec)) return std::nullopt;
    if (pos < s.size() && s[pos] == '.') {
      const std::size_t start = ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
      if (pos == start || pos - start > 9) return std::nullopt;
    }
  }
  if (h > 23 || m > 59 || sec > 59) return std::nullopt;
  std::int64_t t = h * 3600 + m * 60 + sec;
  if (pos == s.size()) return t;
  if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return t;
  if (s[pos] != '+' && s[pos] != '-') return std::nullopt;
  const auto off = parse_offset(s, pos);
  if (!off) return std::nullopt;
  return t - *off;
}

}  // namespace

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  // H. Hinnant, "chrono-Compatible Low-Level Date Algorithms".
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int64_t> parse_timestamp(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.size() < 10 || s[4] != '-') return parse_unix_seconds(s);
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0;
  if (!digits(s, pos, 4, y) || !expect(s, pos, '-') || !digits(s, pos, 2, mo) ||
      !expect(s, pos, '-') || !digits(s, pos, 2, d)) {
    return std::nullopt;
  }
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo)) {
    return std::nullopt;
  }
  const std::int64_t day_seconds = days_from_civil(y, mo, d) * 86400;
  if (pos == s.size()) return day_seconds;
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
  const auto tod = parse_time_of_day(s, pos + 1);
  if (!tod) return std::nullopt;
  return day_seconds + *tod;
}

}  // namespace hrsync
