#include "connectors/targets/document_builder.h"

#include <fmt/format.h>

#include <charconv>

#include "connectors/targets/field_rules.h"

namespace hrsync {

bool DocumentBuilder::begin_object() {
  writer_.begin_object();
  return true;
}

bool DocumentBuilder::begin_object(std::string_view key) {
  writer_.key(key).begin_object();
  object_ = key;
  return true;
}

bool DocumentBuilder::end_object() {
  writer_.end_object();
  object_ = {};
  return true;
}

bool DocumentBuilder::fail(std::string_view key, std::string_view rule) {
  invalid_.field = object_.empty() ? std::string(key) : fmt::format("{}.{}", object_, key);
  invalid_.rule.assign(rule);
  return false;
}

bool DocumentBuilder::fail(Field col, std::string_view key, std::string_view rule) {
  const std::string_view column = field_name(col);
  if (column == key && object_.empty()) return fail(key, rule);
  return fail(key, fmt::format("column {}: {}", column, rule));
}

bool DocumentBuilder::cell(Field col, std::string_view key, Need need, std::string_view& value, bool& present) {
  value = record_.get(col);
  present = !value.empty();
  if (present || need == Need::kOptional) return true;
  return fail(col, key, "required, but the cell is empty");
}

bool DocumentBuilder::text(Field col, std::string_view key, Need need, std::size_t max_chars) {
  std::string_view v;
  bool present = false;
  if (!cell(col, key, need, v, present)) return false;
  if (!present) return true;
  if (max_chars != 0 && v.size() > max_chars) {  // a byte count within the limit needs no counting
    const std::size_t n = utf8_length(v);
    if (n > max_chars) return fail(col, key, fmt::format("longer than {} characters ({})", max_chars, n));
  }
  writer_.key(key).string(v);
  return true;
}

bool DocumentBuilder::known_text(std::string_view key, std::string_view value) {
  writer_.key(key).string(value);
  return true;
}

bool DocumentBuilder::flag(Field col, std::string_view key, Need need) {
  std::string_view v;
  bool present = false;
  if (!cell(col, key, need, v, present)) return false;
  if (!present) return true;
  const std::optional<bool> b = parse_flag(v);
  if (!b) return fail(col, key, "not a boolean (true, false, 1, 0, yes or no)");
  writer_.key(key).boolean(*b);
  return true;
}

bool DocumentBuilder::integer(Field col, std::string_view key, std::int64_t min, std::int64_t max, Need need) {
  std::string_view v;
  bool present = false;
  if (!cell(col, key, need, v, present)) return false;
  if (!present) return true;
  const std::optional<std::int64_t> n = parse_integer(v, min, max);
  if (!n) return fail(col, key, fmt::format("not an integer from {} to {}", min, max));
  writer_.key(key).integer(*n);
  return true;
}

bool DocumentBuilder::integer_text(Field col, std::string_view key, std::int64_t min, std::int64_t max,
                                   Need need) {
  std::string_view v;
  bool present = false;
  if (!cell(col, key, need, v, present)) return false;
  if (!present) return true;
  const std::optional<std::int64_t> n = parse_integer(v, min, max);
  if (!n) return fail(col, key, fmt::format("not an integer from {} to {}", min, max));
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *n);
  writer_.key(key).string(std::string_view(buf, static_cast<std::size_t>(end - buf)));
  return true;
}

namespace {

// Calls f(item) for each item of a ';'-separated list, blanks around items and empty items dropped.
template <typename F>
void for_each_item(std::string_view list, F f) {
  while (true) {
    const std::size_t sep = list.find(';');
    const std::string_view item = trim_blank(list.substr(0, sep));
    if (!item.empty()) f(item);
    if (sep == std::string_view::npos) return;
    list.remove_prefix(sep + 1);
  }
}

}  // namespace

bool DocumentBuilder::list(Field col, std::string_view key, Need need, std::size_t max_items) {
  std::string_view v;
  bool present = false;
  if (!cell(col, key, need, v, present)) return false;
  if (!present) return true;
  std::size_t count = 0;
  for_each_item(v, [&count](std::string_view) { ++count; });
  if (count == 0) {
    return need == Need::kRequired ? fail(col, key, "required, but the list has no item") : true;
  }
  if (max_items != 0 && count > max_items) {
    return fail(col, key, fmt::format("more than {} items ({})", max_items, count));
  }
  writer_.key(key).begin_array();
  for_each_item(v, [this](std::string_view item) { writer_.string(item); });
  writer_.end_array();
  return true;
}

bool DocumentBuilder::mobile(Field col, std::string_view key, Need need) {
  std::string_view v;
  bool present = false;
  if (!cell(col, key, need, v, present)) return false;
  if (!present) return true;
  ShortText normal;
  if (!normalise_mobile(v, normal)) {
    return fail(col, key, "not a mobile number (+ country code and number, or 11 mainland China digits)");
  }
  writer_.key(key).string(normal.view());
  return true;
}

bool DocumentBuilder::email(Field col, std::string_view key, Need need) {
  std::string_view v;
  bool present = false;
  if (!cell(col, key, need, v, present)) return false;
  if (!present) return true;
  if (!is_email(v)) return fail(col, key, "not an e-mail address (local@domain.tld)");
  writer_.key(key).string(v);
  return true;
}

}  // namespace hrsync
