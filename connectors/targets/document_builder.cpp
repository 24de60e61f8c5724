#include "connectors/targets/document_builder.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include <charconv>

#include "base/utf8.h"
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

// One loop with the dispatch inside it: it runs for every cell of every record.
bool DocumentBuilder::members(std::span<const FieldRule> rules) {
  for (const FieldRule& rule : rules) {
    if (rule.object != object_) enter(rule.object);
    const std::string_view v = record_.get(rule.column);
    if (v.empty()) {
      if (rule.need == Need::kOptional) continue;
      return fail(rule.column, rule.member, "required, but the cell is empty");
    }
    bool ok = true;
    switch (rule.kind) {
      case FieldKind::kKey: ok = entity_key(rule, v); break;
      case FieldKind::kText: ok = text(rule, v); break;
      case FieldKind::kInteger: ok = integer(rule, v); break;
      case FieldKind::kIntegerText: ok = integer_text(rule, v); break;
      case FieldKind::kFlag: ok = flag(rule, v); break;
      case FieldKind::kEmail: ok = email(rule, v); break;
      case FieldKind::kMobile: ok = mobile(rule, v); break;
      case FieldKind::kIdList: ok = list(rule, v); break;
    }
    if (!ok) return false;
  }
  if (!object_.empty()) enter({});
  return true;
}

// The entity key is no member of the body (it goes in the request path): checked, not written.
bool DocumentBuilder::entity_key(const FieldRule& rule, std::string_view v) {
  if (rule.max_bytes != 0 && v.size() > rule.max_bytes) {
    return fail(rule.column, rule.member, fmt::format("longer than {} bytes ({})", rule.max_bytes, v.size()));
  }
  return true;
}

bool DocumentBuilder::text(const FieldRule& rule, std::string_view v) {
  if (rule.max_chars != 0 && v.size() > rule.max_chars) {  // a byte count within the limit needs no counting
    const std::size_t n = utf8_length(v);
    if (n > rule.max_chars) {
      return fail(rule.column, rule.member, fmt::format("longer than {} characters ({})", rule.max_chars, n));
    }
  }
  writer_.key(rule.member).string(v);
  return true;
}

bool DocumentBuilder::flag(const FieldRule& rule, std::string_view v) {
  const std::optional<bool> b = parse_flag(v);
  if (!b) return fail(rule.column, rule.member, "not a boolean (true, false, 1, 0, yes or no)");
  writer_.key(rule.member).boolean(*b);
  return true;
}

bool DocumentBuilder::integer(const FieldRule& rule, std::string_view v) {
  const std::optional<std::int64_t> n = parse_integer(v, rule.min, rule.max);
  if (!n) return fail(rule.column, rule.member, fmt::format("not an integer from {} to {}", rule.min, rule.max));
  writer_.key(rule.member).integer(*n);
  return true;
}

bool DocumentBuilder::integer_text(const FieldRule& rule, std::string_view v) {
  const std::optional<std::int64_t> n = parse_integer(v, rule.min, rule.max);
  if (!n) return fail(rule.column, rule.member, fmt::format("not an integer from {} to {}", rule.min, rule.max));
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *n);
  writer_.key(rule.member).string(std::string_view(buf, static_cast<std::size_t>(end - buf)));
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

// A list holds each item once, in the order first given: a department named twice in a row is one
// department, and what a target holds (one membership) then diffs equal to it.
bool DocumentBuilder::list(const FieldRule& rule, std::string_view v) {
  std::vector<std::string_view> items;
  for_each_item(v, [&items](std::string_view item) {
    if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
  });
  if (items.empty()) {
    return rule.need == Need::kRequired ? fail(rule.column, rule.member, "required, but the list has no item") : true;
  }
  if (rule.max_items != 0 && items.size() > rule.max_items) {
    return fail(rule.column, rule.member, fmt::format("more than {} items ({})", rule.max_items, items.size()));
  }
  writer_.key(rule.member).begin_array();
  for (const std::string_view item : items) writer_.string(item);
  writer_.end_array();
  return true;
}

bool DocumentBuilder::mobile(const FieldRule& rule, std::string_view v) {
  ShortText normal;
  if (!normalise_mobile(v, normal)) {
    return fail(rule.column, rule.member, "not a mobile number (+ country code and number, or 11 mainland China digits)");
  }
  writer_.key(rule.member).string(normal.view());
  return true;
}

bool DocumentBuilder::email(const FieldRule& rule, std::string_view v) {
  if (!is_email(v)) return fail(rule.column, rule.member, "not an e-mail address (local@domain.tld)");
  writer_.key(rule.member).string(v);
  return true;
}

}  // namespace hrsync
