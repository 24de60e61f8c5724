#include "emulator/contact_group_api.h"

#include <fmt/format.h>

#include "base/utf8.h"
#include "emulator/contact_rules.h"
#include "emulator/json_fields.h"

namespace hrsync::emulator {
namespace {

// The codes a request can cause, from the document's error table.
ApiResult param_error(std::string field, std::string description) {
  return api_error(400, 40001, "parameter invalid", std::move(field), std::move(description));
}

}  // namespace

void ContactGroupApi::load(const Fixture& fixture) {
  groups_.clear();
  names_.clear();
  for (const auto& g : fixture.groups) {
    groups_[g.group_id] = Group{g.name, g.description, false};
    if (!g.name.empty()) names_.emplace(g.name, g.group_id);
  }
}

ApiResult ContactGroupApi::update(const ApiRequest& req) {
  auto id_type = query_value(req.query, "user_id_type", "open_id");
  if (id_type != "open_id" && id_type != "union_id" && id_type != "user_id") {
    return param_error("user_id_type", "must be open_id, union_id or user_id");
  }
  auto dept_type = query_value(req.query, "department_id_type", "open_department_id");
  if (dept_type != "department_id" && dept_type != "open_department_id") {
    return param_error("department_id_type", "must be department_id or open_department_id");
  }
  for (std::string_view key : {"name", "description"}) {
    const auto* v = member(req.body, key);
    if (v != nullptr && !v->is_string()) return param_error(std::string(key), "must be a string");
  }
  auto it = groups_.find(std::string(req.path_id));
  if (it == groups_.end()) return api_error(400, 42002, "invalid group_id", "group_id", fmt::format("no group \"{}\"", req.path_id));
  auto name = string_member(req.body, "name").value_or("");
  auto description = string_member(req.body, "description").value_or("");
  if (utf8_length(name) > 100) return api_error(400, 42013, "group name exceed limit", "name", "longer than 100 characters");
  if (utf8_length(description) > 500) {
    return api_error(400, 42014, "group description exceed limit", "description", "longer than 500 characters");
  }
  auto owner = names_.find(std::string(name));
  if (!name.empty() && owner != names_.end() && owner->second != it->first) {
    return api_error(400, 47009, "duplicated name error", "name", fmt::format("group \"{}\" has it", owner->second));
  }
  Group& g = it->second;
  if (!name.empty()) {
    if (auto old = names_.find(g.name); old != names_.end() && old->second == it->first) names_.erase(old);
    g.name = std::string(name);
    names_[g.name] = it->first;
  }
  if (!description.empty()) g.description = std::string(description);
  g.written = true;
  return ApiResult{};
}

boost::json::object ContactGroupApi::state() const {
  boost::json::object out;
  for (const auto& [id, g] : groups_) {
    if (g.written) out[id] = boost::json::object{{"name", g.name}, {"description", g.description}};
  }
  return out;
}

}  // namespace hrsync::emulator
