#include "connectors/targets/json_members.h"

#include <simdjson.h>

#include <algorithm>
#include <exception>

#include "diff/json_writer.h"

namespace hrsync {
namespace {

namespace od = simdjson::ondemand;

std::string_view trim_json_space(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// The exact JSON text of `value`.
simdjson::error_code raw_text(od::value value, std::string_view& out) {
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  if (type == od::json_type::object) {
    od::object obj;
    if (auto err = value.get_object().get(obj)) return err;
    return obj.raw_json().get(out);
  }
  if (type == od::json_type::array) {
    od::array arr;
    if (auto err = value.get_array().get(arr)) return err;
    return arr.raw_json().get(out);
  }
  out = trim_json_space(value.raw_json_token());
  return simdjson::SUCCESS;
}

Result<std::vector<JsonMember>> parse(std::string_view json) {
  auto bad = [](simdjson::error_code err) {
    return fail(Error::Kind::kInternal, "document", std::string("not a JSON object: ") + simdjson::error_message(err));
  };
  thread_local od::parser parser;
  simdjson::padded_string padded(json);
  od::document doc;
  if (auto err = parser.iterate(padded).get(doc)) return bad(err);
  od::object obj;
  if (auto err = doc.get_object().get(obj)) return bad(err);
  std::vector<JsonMember> members;
  for (auto item : obj) {
    od::field field;
    std::string_view key;
    std::string_view raw;
    if (auto err = std::move(item).get(field)) return bad(err);
    if (auto err = field.unescaped_key().get(key)) return bad(err);
    if (auto err = raw_text(field.value(), raw)) return bad(err);
    members.push_back(JsonMember{std::string(key), std::string(raw)});
  }
  return members;
}

}  // namespace

Result<std::vector<JsonMember>> parse_members(std::string_view json) {
  try {
    return parse(json);
  } catch (const std::exception& e) {
    return fail(Error::Kind::kInternal, "document", std::string("cannot read: ") + e.what());
  }
}

const JsonMember* find_member(const std::vector<JsonMember>& members, std::string_view key) {
  for (const JsonMember& m : members) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

void write_members(std::string& out, std::vector<JsonMember>& members) {
  std::sort(members.begin(), members.end(), [](const JsonMember& a, const JsonMember& b) { return a.key < b.key; });
  JsonWriter w(out);
  w.begin_object();
  for (const JsonMember& m : members) w.key(m.key).raw(m.raw);
  w.end_object();
}

}  // namespace hrsync
