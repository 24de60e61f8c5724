#include "connectors/targets/field_rules.h"

#include <array>
#include <charconv>
#include <utility>

namespace hrsync {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// `s` equals `word` (lower case ASCII) in any letter case.
bool equals_ignoring_case(std::string_view s, std::string_view word) {
  if (s.size() != word.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  return true;
}

// Bytes an e-mail address may not hold: blanks, control bytes and ()<>[]\,;:".
constexpr std::array<bool, 256> kForbiddenInEmail = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c <= 0x20; ++c) t[c] = true;
  t[0x7f] = true;
  for (unsigned char c : std::string_view("()<>[]\\,;:\"")) t[c] = true;
  return t;
}();

bool is_email_domain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  if (d.front() == '.' || d.back() == '.') return false;
  if (d.find('.') == std::string_view::npos) return false;
  return d.find("..") == std::string_view::npos;
}

// The code point at the start of `s` (valid UTF-8, not empty) and its length in bytes.
std::pair<char32_t, std::size_t> first_code_point(std::string_view s) {
  auto b = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[i])); };
  const char32_t c = b(0);
  if (c < 0x80) return {c, 1};
  if (c < 0xE0 && s.size() >= 2) return {(c & 0x1F) << 6 | (b(1) & 0x3F), 2};
  if (c < 0xF0 && s.size() >= 3) return {(c & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F), 3};
  if (s.size() >= 4) return {(c & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F), 4};
  return {c, s.size()};
}

bool is_space(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

void put(ShortText& out, std::string_view s) {
  for (char c : s) out.data[out.size++] = c;
}

}  // namespace

bool is_blank_text(std::string_view s) {
  while (!s.empty()) {
    const auto [c, n] = first_code_point(s);
    if (!is_space(c)) return false;
    s.remove_prefix(n);
  }
  return true;
}

bool is_valid_mainland_mobile(std::string_view mobile) {
  if (!is_mainland_mobile(mobile)) return false;
  const std::string_view digits = mobile.substr(3);
  return digits.size() == 11 && all_digits(digits) && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9';
}

std::string_view trim_blank(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<bool> parse_flag(std::string_view s) {
  s = trim_blank(s);
  if (s == "1" || equals_ignoring_case(s, "true") || equals_ignoring_case(s, "yes")) return true;
  if (s == "0" || equals_ignoring_case(s, "false") || equals_ignoring_case(s, "no")) return false;
  return std::nullopt;
}

std::optional<std::int64_t> parse_integer(std::string_view s, std::int64_t min, std::int64_t max) {
  s = trim_blank(s);
  const bool negative = !s.empty() && s.front() == '-';
  if (!all_digits(negative ? s.substr(1) : s)) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (v < min || v > max) return std::nullopt;
  return v;
}

bool normalise_mobile(std::string_view s, ShortText& out) {
  out.size = 0;
  if (s.size() == 11 && s.front() == '1' && all_digits(s)) {
    put(out, "+86");
    put(out, s);
    return true;
  }
  if (s.size() < 8 || s.size() > 16 || s.front() != '+') return false;
  std::string_view digits = s.substr(1);
  if (!all_digits(digits) || digits.front() == '0') return false;
  put(out, s);
  return true;
}

bool is_email(std::string_view s) {
  const std::size_t at = s.find('@');
  if (at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) return false;
  const std::string_view local = s.substr(0, at);
  const std::string_view domain = s.substr(at + 1);
  if (local.empty() || local.size() > 64) return false;
  for (char c : s) {
    if (kForbiddenInEmail[static_cast<unsigned char>(c)]) return false;
  }
  return is_email_domain(domain);
}

}  // namespace hrsync
