#include "emulator/acs_api.h"

#include <cstdint>

#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "emulator/json_fields.h"

namespace hrsync::emulator {
namespace json = boost::json;
namespace {

// A body that breaks the document's types. The ACS document lists no code for it; Feishu's
// platform-wide answer to a field of the wrong type is 400/99992402 "field validation failed"
// with the field in error.field_violations, so that is what is given here.
ApiResult field_invalid(std::string field, std::string description) {
  return api_error(400, 99992402, "field validation failed", std::move(field), std::move(description));
}

}  // namespace

void AcsApi::load(const Fixture& fixture) {
  members_ = {fixture.acs_users.begin(), fixture.acs_users.end()};
  aliases_.clear();
  written_.clear();
  for (const auto& u : fixture.users) {
    aliases_[u.open_id.empty() ? derived_open_id(u.user_id) : u.open_id] = u.user_id;
    aliases_[u.union_id.empty() ? derived_union_id(u.user_id) : u.union_id] = u.user_id;
  }
  for (const auto& id : fixture.acs_users) {
    aliases_.emplace(derived_open_id(id), id);
    aliases_.emplace(derived_union_id(id), id);
  }
}

ApiResult AcsApi::patch(const ApiRequest& req) {
  auto id_type = query_value(req.query, "user_id_type", "open_id");
  if (id_type != "open_id" && id_type != "union_id" && id_type != "user_id") {
    return field_invalid("user_id_type", "must be open_id, union_id or user_id");
  }
  const auto* feature = member(req.body, "feature");
  if (feature != nullptr && !feature->is_object()) return field_invalid("feature", "must be an object");
  if (feature != nullptr) {
    const auto* card = member(feature->get_object(), "card");
    auto number = int_member(feature->get_object(), "card");
    if (card != nullptr && (!number || *number < INT32_MIN || *number > INT32_MAX)) {
      return field_invalid("feature.card", "must be an int (32-bit)");
    }
  }
  std::string user_id(req.path_id);
  if (id_type != "user_id") {
    auto it = aliases_.find(user_id);
    user_id = it == aliases_.end() ? std::string() : it->second;
  }
  if (!members_.contains(user_id)) {
    // 400/1490101 "user not found": the user is not in the permission group.
    return api_error(400, 1490101, "user not found", "user_id", fmt::format("{} \"{}\" is not in the permission group", id_type, req.path_id));
  }
  json::value& held = written_[user_id];
  if (!held.is_object()) held = json::object{};
  if (feature != nullptr && feature->get_object().contains("card") && !feature->get_object().at("card").is_null()) {
    json::value& features = held.as_object()["feature"];
    if (!features.is_object()) features = json::object{};
    features.as_object()["card"] = feature->get_object().at("card");
  }
  return ApiResult{};
}

}  // namespace hrsync::emulator
