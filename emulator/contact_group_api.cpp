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

// The id and name checks a create shares with an update (lengths from the patch document).
std::optional<ApiResult> check_lengths(std::string_view name, std::string_view description) {
  if (utf8_length(name) > 100) return api_error(400, 42013, "group name exceed limit", "name", "longer than 100 characters");
  if (utf8_length(description) > 500) {
    return api_error(400, 42014, "group description exceed limit", "description", "longer than 500 characters");
  }
  return std::nullopt;
}

}  // namespace

void ContactGroupApi::load(const Fixture& fixture) {
  next_generated_id_ = 0;
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
  if (auto e = check_lengths(name, description)) return *e;
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

ApiResult ContactGroupApi::read(const ApiRequest& req) const {
  auto it = groups_.find(std::string(req.path_id));
  if (it == groups_.end()) return api_error(400, 42002, "invalid group_id", "group_id", fmt::format("no group \"{}\"", req.path_id));
  ApiResult ok;
  ok.data["group"] = boost::json::object{{"id", it->first}, {"name", it->second.name},
                                         {"description", it->second.description}, {"type", 1}};
  return ok;
}

// POST group: `group_id` may be given (the custom id), `name` is required and unique. No create
// document is held, so an id held already is refused with the patch document's 40001 "parameter
// invalid" on group_id (unconfirmed, emulator/README.md).
ApiResult ContactGroupApi::create(const ApiRequest& req) {
  for (std::string_view key : {"group_id", "name", "description"}) {
    const auto* v = member(req.body, key);
    if (v != nullptr && !v->is_string()) return param_error(std::string(key), "must be a string");
  }
  if (auto type = int_member(req.body, "type"); type && *type != 1 && *type != 2) return param_error("type", "must be 1 or 2");
  std::string id(string_member(req.body, "group_id").value_or(""));
  std::string name(string_member(req.body, "name").value_or(""));
  std::string description(string_member(req.body, "description").value_or(""));
  if (name.empty()) return param_error("name", "required");
  if (auto e = check_lengths(name, description)) return *e;
  if (!id.empty() && groups_.contains(id)) return param_error("group_id", fmt::format("group \"{}\" exists", id));
  if (names_.contains(name)) return api_error(400, 47009, "duplicated name error", "name", fmt::format("group \"{}\" has it", names_.at(name)));
  while (id.empty() || groups_.contains(id)) id = fmt::format("g-gen{:08x}", ++next_generated_id_);
  groups_[id] = Group{name, description, true};
  names_[name] = id;
  ApiResult ok;
  ok.data["group_id"] = id;
  return ok;
}

std::string ContactGroupApi::edit(std::string_view group_id, const boost::json::object& set) {
  auto it = groups_.find(std::string(group_id));
  if (it == groups_.end()) return fmt::format("no group \"{}\"", group_id);
  if (auto name = string_member(set, "name")) {
    names_.erase(it->second.name);
    it->second.name = std::string(*name);
    names_[it->second.name] = it->first;
  }
  if (auto description = string_member(set, "description")) it->second.description = std::string(*description);
  return {};
}

boost::json::object ContactGroupApi::state() const {
  boost::json::object out;
  for (const auto& [id, g] : groups_) {
    if (g.written) out[id] = boost::json::object{{"name", g.name}, {"description", g.description}};
  }
  return out;
}

}  // namespace hrsync::emulator
