#include "connectors/sources/db_value.h"

#include <charconv>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "base/ascii_case.h"
#include "base/utf8.h"
#include "connectors/sources/timestamp.h"

namespace hrsync {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// True iff `s` is [-+]digits[.digits] with at least one digit.
bool is_plain_decimal(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  std::size_t n = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++n;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++n;
  }
  return n > 0 && i == s.size();
}

}  // namespace

bool is_time_column(std::string_view declared_type, Field field) {
  if (field == Field::kJoinTime || field == Field::kFaceKeyUpdateTime) return true;
  return starts_with_ignoring_case(declared_type, "DATE") || starts_with_ignoring_case(declared_type, "TIMESTAMP");
}

void append_integer(std::string& out, std::int64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

bool append_real(std::string& out, double v) {
  if (!std::isfinite(v)) return false;
  if (std::trunc(v) == v && std::fabs(v) < 9.2e18) {
    append_integer(out, static_cast<std::int64_t>(v));
    return true;
  }
  fmt::format_to(std::back_inserter(out), "{}", v);
  return true;
}

bool append_decimal_text(std::string& out, std::string_view text) {
  if (!is_plain_decimal(text)) {
    double v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) return false;
    return append_real(out, v);
  }
  if (text.front() == '+') text.remove_prefix(1);
  const auto dot = text.find('.');
  if (dot != std::string_view::npos) {
    while (text.back() == '0') text.remove_suffix(1);
    if (text.back() == '.') text.remove_suffix(1);
  }
  if (text == "-0" || text == "-" || text.empty()) text = "0";
  const bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (negative) out += '-';
  if (text.front() == '.') out += '0';  // ".5" -> "0.5"
  out.append(text);
  return true;
}

bool append_time_text(std::string& out, std::string_view text) {
  const auto seconds = parse_timestamp(text);
  if (!seconds) return false;
  append_integer(out, *seconds);
  return true;
}

std::string append_text_value(std::string& out, std::string_view column, std::string_view value, bool time) {
  const std::size_t bad = first_invalid_utf8(value);
  if (bad != value.size()) {
    return fmt::format("column {}: invalid UTF-8 at byte {} (0x{:02X})", column, bad + 1,
                       static_cast<unsigned char>(value[bad]));
  }
  if (!time) {
    out.append(value);
  } else if (!value.empty() && !append_time_text(out, value)) {
    return fmt::format("column {}: unparseable timestamp {}", column, quote_value(value));
  }
  return {};
}

std::string quote_value(std::string_view value, std::size_t max) {
  if (value.size() <= max) return fmt::format("\"{}\"", value);
  return fmt::format("\"{}…\"", value.substr(0, utf8_char_start(value, max)));
}

}  // namespace hrsync
