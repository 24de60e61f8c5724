#include "connectors/targets/document_builder.h"

#include <fmt/format.h>

#include <charconv>

#include "connectors/targets/field_rules.h"

namespace hrsync {

bool DocumentBuilder::begin_object() {
  writer_.begin_object();
  return true;
}

bool DocumentBuilder::end_object() {
  writer_.end_object();
  return true;
}

void DocumentBuilder::enter(std::string_view object) {
  if (object == object_) return;
  if (!object_.empty()) writer_.end_object();
  if (!object.empty()) writer_.key(object).begin_object();
  object_ = object;
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

bool DocumentBuilder::members(std::span<const FieldRule> rules) {
  for (const FieldRule& rule : rules) {
    if (rule.kind == FieldKind::kKey) {
      if (!entity_key(rule)) return false;
      continue;
    }
    const std::size_t dot = rule.member.find('.');
    if (dot == std::string_view::npos) {
      enter({});
      if (!member(rule, rule.member)) return false;
    } else {
      enter(rule.member.substr(0, dot));
      if (!member(rule, rule.member.substr(dot + 1))) return false;
    }
  }
  enter({});
  return true;
}

bool DocumentBuilder::member(const FieldRule& rule, std::string_view key) {
  const std::string_view v = record_.get(rule.column);
  if (v.empty()) {
    if (rule.need == Need::kOptional) return true;
    return fail(rule.column, key, "required, but the cell is empty");
  }
  switch (rule.kind) {
    case FieldKind::kText: return text(rule, key, v);
    case FieldKind::kInteger: return integer(rule, key, v);
    case FieldKind::kIntegerText: return integer_text(rule, key, v);
    case FieldKind::kFlag: return flag(rule, key, v);
    case FieldKind::kEmail: return email(rule, key, v);
    case FieldKind::kMobile: return mobile(rule, key, v);
    case FieldKind::kIdList: return list(rule, key, v);
    case FieldKind::kKey: break;
  }
  return true;
}

// The key is no member of the body: nothing is written, and a broken rule names the key alone
// (the document is abandoned then, so the nested object open does not matter).
bool DocumentBuilder::entity_key(const FieldRule& rule) {
  const std::string_view v = record_.get(rule.column);
  if (v.empty()) {
    if (rule.need == Need::kOptional) return true;
    object_ = {};
    return fail(rule.column, rule.member, "required, but the cell is empty");
  }
  if (rule.max_bytes != 0 && v.size() > rule.max_bytes) {
    object_ = {};
    return fail(rule.column, rule.member, fmt::format("longer than {} bytes ({})", rule.max_bytes, v.size()));
  }
  return true;
}

bool DocumentBuilder::text(const FieldRule& rule, std::string_view key, std::string_view v) {
  if (rule.max_chars != 0 && v.size() > rule.max_chars) {  // a byte count within the limit needs no counting
    const std::size_t n = utf8_length(v);
    if (n > rule.max_chars) {
      return fail(rule.column, key, fmt::format("longer than {} characters ({})", rule.max_chars, n));
    }
  }
  writer_.key(key).string(v);
  return true;
}

bool DocumentBuilder::flag(const FieldRule& rule, std::string_view key, std::string_view v) {
  const std::optional<bool> b = parse_flag(v);
  if (!b) return fail(rule.column, key, "not a boolean (true, false, 1, 0, yes or no)");
  writer_.key(key).boolean(*b);
  return true;
}

bool DocumentBuilder::integer(const FieldRule& rule, std::string_view key, std::string_view v) {
  const std::optional<std::int64_t> n = parse_integer(v, rule.min, rule.max);
  if (!n) return fail(rule.column, key, fmt::format("not an integer from {} to {}", rule.min, rule.max));
  writer_.key(key).integer(*n);
  return true;
}

bool DocumentBuilder::integer_text(const FieldRule& rule, std::string_view key, std::string_view v) {
  const std::optional<std::int64_t> n = parse_integer(v, rule.min, rule.max);
  if (!n) return fail(rule.column, key, fmt::format("not an integer from {} to {}", rule.min, rule.max));
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

bool DocumentBuilder::list(const FieldRule& rule, std::string_view key, std::string_view v) {
  std::size_t count = 0;
  for_each_item(v, [&count](std::string_view) { ++count; });
  if (count == 0) {
    return rule.need == Need::kRequired ? fail(rule.column, key, "required, but the list has no item") : true;
  }
  if (rule.max_items != 0 && count > rule.max_items) {
    return fail(rule.column, key, fmt::format("more than {} items ({})", rule.max_items, count));
  }
  writer_.key(key).begin_array();
  for_each_item(v, [this](std::string_view item) { writer_.string(item); });
  writer_.end_array();
  return true;
}

bool DocumentBuilder::mobile(const FieldRule& rule, std::string_view key, std::string_view v) {
  ShortText normal;
  if (!normalise_mobile(v, normal)) {
    return fail(rule.column, key, "not a mobile number (+ country code and number, or 11 mainland China digits)");
  }
  writer_.key(key).string(normal.view());
  return true;
}

bool DocumentBuilder::email(const FieldRule& rule, std::string_view key, std::string_view v) {
  if (!is_email(v)) return fail(rule.column, key, "not an e-mail address (local@domain.tld)");
  writer_.key(key).string(v);
  return true;
}

}  // namespace hrsync
