#include "connectors/targets/held_document.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "diff/json_writer.h"

namespace hrsync {
namespace {

namespace dom = simdjson::dom;

// Writes the member of `rule` from the held value `v`; writes nothing for an empty value or a
// value of another JSON type.
void write_value(JsonWriter& w, const FieldRule& rule, dom::element v) {
  switch (rule.kind) {
    case FieldKind::kKey: return;
    case FieldKind::kText:
    case FieldKind::kEmail:
    case FieldKind::kMobile: {
      std::string_view s;
      if (v.get_string().get(s) == simdjson::SUCCESS && !s.empty()) w.key(rule.member).string(s);
      return;
    }
    case FieldKind::kInteger: {
      std::int64_t n = 0;
      if (v.get_int64().get(n) == simdjson::SUCCESS) w.key(rule.member).integer(n);
      return;
    }
    case FieldKind::kIntegerText: {
      std::int64_t n = 0;
      std::string_view s;
      if (v.get_string().get(s) == simdjson::SUCCESS) {
        if (s.empty() || std::from_chars(s.data(), s.data() + s.size(), n).ptr != s.data() + s.size()) return;
      } else if (v.get_int64().get(n) != simdjson::SUCCESS) {
        return;
      }
      char buf[24];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
      w.key(rule.member).string(std::string_view(buf, static_cast<std::size_t>(end - buf)));
      return;
    }
    case FieldKind::kFlag: {
      bool b = false;
      if (v.get_bool().get(b) == simdjson::SUCCESS) w.key(rule.member).boolean(b);
      return;
    }
    case FieldKind::kIdList: {
      dom::array items;
      if (v.get_array().get(items) != simdjson::SUCCESS || items.size() == 0) return;
      w.key(rule.member).begin_array();
      for (dom::element item : items) {  // ids held as numbers are written as the text they are
        std::string_view s;
        std::int64_t n = 0;
        if (item.get_string().get(s) == simdjson::SUCCESS) {
          w.string(s);
        } else if (item.get_int64().get(n) == simdjson::SUCCESS) {
          w.string(fmt::format("{}", n));
        }
      }
      w.end_array();
      return;
    }
  }
}

}  // namespace

simdjson::simdjson_result<dom::element> held_nested(dom::object item, const FieldRule& rule) {
  if (rule.object.empty()) return item[rule.member];
  dom::object inner;
  if (auto e = item[rule.object].get_object().get(inner); e != simdjson::SUCCESS) return e;
  return inner[rule.member];
}

simdjson::simdjson_result<dom::element> held_flat(dom::object item, const FieldRule& rule) {
  return item[rule.member];
}

// DocumentBuilder::members() with the answer's values for the cells.
void write_held(dom::object item, std::span<const FieldRule> rules, HeldLookup lookup, std::string& out) {
  JsonWriter w(out);
  w.begin_object();
  std::string_view open;  // the nested object being written, "" at the top
  for (const FieldRule& rule : rules) {
    if (rule.kind == FieldKind::kKey) continue;
    if (rule.object != open) {
      if (!open.empty()) w.end_object();
      if (!rule.object.empty()) w.key(rule.object).begin_object();
      open = rule.object;
    }
    dom::element v;
    if (lookup(item, rule).get(v) == simdjson::SUCCESS) write_value(w, rule, v);
  }
  if (!open.empty()) w.end_object();
  w.end_object();
}

Document held_document(std::string_view key, dom::object item, std::span<const FieldRule> rules, HeldLookup lookup) {
  Document d;
  d.key.assign(key);
  write_held(item, rules, lookup, d.body);
  d.seal();
  return d;
}

Result<dom::object> feishu_data(dom::parser& parser, const simdjson::padded_string& body, std::string_view where) {
  dom::object root;
  if (parser.parse(body).get_object().get(root) != simdjson::SUCCESS) {
    return fail(Error::Kind::kProtocol, std::string(where), "the answer is no JSON object");
  }
  std::int64_t code = -1;
  if (root["code"].get_int64().get(code) != simdjson::SUCCESS || code != 0) {
    return fail(Error::Kind::kProtocol, std::string(where), fmt::format("the answer's code is {}, not 0", code));
  }
  dom::object data;
  if (root["data"].get_object().get(data) != simdjson::SUCCESS) {
    return fail(Error::Kind::kProtocol, std::string(where), "the answer has no \"data\" object");
  }
  return data;
}

bool feishu_code_is(dom::parser& parser, const simdjson::padded_string& body, std::int64_t code) {
  dom::object root;
  std::int64_t held = 0;
  return parser.parse(body).get_object().get(root) == simdjson::SUCCESS &&
         root["code"].get_int64().get(held) == simdjson::SUCCESS && held == code;
}

std::string_view held_string(dom::object item, std::string_view member) {
  std::string_view s;
  if (item[member].get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

Result<void> check_batch(std::string_view where, std::span<const std::string> keys, std::size_t most) {
  if (!keys.empty() && keys.size() <= most) return {};
  return fail(Error::Kind::kInternal, std::string(where), fmt::format("{} keys for a read of 1 to {}", keys.size(), most));
}

bool asked_for(std::span<const std::string> keys, std::string_view key) {
  return std::ranges::find(keys, key) != keys.end();
}

void add_absent(std::span<const std::string> keys, ReadPage& page) {
  for (const std::string& key : keys) {
    const bool held = std::ranges::any_of(page.found, [&key](const Document& d) { return d.key == key; });
    if (!held) page.absent.push_back(key);
  }
}

}  // namespace hrsync
