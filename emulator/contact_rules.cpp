#include "emulator/contact_rules.h"

#include <algorithm>
#include <utility>

namespace hrsync::emulator {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool mainland_digits(std::string_view s) {
  return s.size() == 11 && all_digits(s) && s[0] == '1' && s[1] >= '3' && s[1] <= '9';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool local_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+/=?^_`{|}~-.").find(c) != std::string_view::npos;
}

bool valid_local_part(std::string_view local) {
  if (local.empty() || local.size() > 64) return false;
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  return std::all_of(local.begin(), local.end(), local_char);
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool valid_domain(std::string_view domain) {
  std::size_t labels = 0;
  std::string_view last;
  while (true) {
    auto dot = domain.find('.');
    last = domain.substr(0, dot);
    if (!valid_label(last)) return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  bool alpha_tld = last.size() >= 2 && std::all_of(last.begin(), last.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
  return labels >= 2 && alpha_tld;
}

// The type of every member of the request body the document lists.
constexpr std::pair<std::string_view, JsonType> kFieldTypes[] = {
    {"name", JsonType::kString},          {"en_name", JsonType::kString},
    {"nickname", JsonType::kString},      {"email", JsonType::kString},
    {"mobile", JsonType::kString},        {"mobile_visible", JsonType::kBool},
    {"gender", JsonType::kInt},           {"avatar_key", JsonType::kString},
    {"department_ids", JsonType::kStringArray}, {"leader_user_id", JsonType::kString},
    {"city", JsonType::kString},          {"country", JsonType::kString},
    {"work_station", JsonType::kString},  {"join_time", JsonType::kInt},
    {"employee_no", JsonType::kString},   {"employee_type", JsonType::kInt},
    {"orders", JsonType::kObjectArray},   {"custom_attrs", JsonType::kObjectArray},
    {"enterprise_email", JsonType::kString}, {"job_title", JsonType::kString},
    {"is_frozen", JsonType::kBool},
};

// The code point at the start of `s` (valid UTF-8) and its length in bytes.
std::pair<char32_t, std::size_t> next_code_point(std::string_view s) {
  auto b = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[i])); };
  char32_t c = b(0);
  if (c < 0x80) return {c, 1};
  if (c < 0xE0 && s.size() >= 2) return {(c & 0x1F) << 6 | (b(1) & 0x3F), 2};
  if (c < 0xF0 && s.size() >= 3) return {(c & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F), 3};
  if (s.size() >= 4) return {(c & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F), 4};
  return {c, s.size()};
}

bool space(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

}  // namespace

std::optional<JsonType> contact_user_field_type(std::string_view key) {
  for (const auto& [k, type] : kFieldTypes) {
    if (k == key) return type;
  }
  return std::nullopt;
}

bool blank_text(std::string_view text) {
  while (!text.empty()) {
    auto [c, n] = next_code_point(text);
    if (!space(c)) return false;
    text.remove_prefix(n);
  }
  return true;
}

bool valid_mobile(std::string_view mobile) {
  if (!mobile.starts_with('+')) return mainland_digits(mobile);
  auto digits = mobile.substr(1);
  if (digits.starts_with("86")) return mainland_digits(digits.substr(2));
  return digits.size() >= 7 && digits.size() <= 15 && all_digits(digits) && digits[0] != '0';
}

std::string mobile_key(std::string_view mobile) {
  if (!mobile.starts_with('+')) return "+86" + std::string(mobile);
  return std::string(mobile);
}

bool is_mainland_mobile(std::string_view mobile) {
  return !mobile.starts_with('+') || mobile.starts_with("+86");
}

bool valid_email(std::string_view email) {
  if (email.size() > 254) return false;
  auto at = email.rfind('@');
  if (at == std::string_view::npos) return false;
  return valid_local_part(email.substr(0, at)) && valid_domain(email.substr(at + 1));
}

std::string email_key(std::string_view email) { return lower(email); }

std::string email_domain(std::string_view email) {
  auto at = email.rfind('@');
  return at == std::string_view::npos ? std::string() : lower(email.substr(at + 1));
}

}  // namespace hrsync::emulator
