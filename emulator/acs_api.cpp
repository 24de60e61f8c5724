#include "emulator/acs_api.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <vector>

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

// The list's page size: its default and the most it takes. Neither is in a document we hold;
// the conservative reading (unconfirmed, emulator/README.md).
constexpr std::int64_t kDefaultPageSize = 20;
constexpr std::int64_t kMaxPageSize = 50;

std::string hex(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += fmt::format("{:02x}", c);
  return out;
}

std::optional<std::string> unhex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    unsigned v = 0;
    for (char c : s.substr(i, 2)) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + static_cast<unsigned>(d);
    }
    out.push_back(static_cast<char>(v));
  }
  return out;
}

}  // namespace

void AcsApi::load(const Fixture& fixture) {
  members_ = {fixture.acs_users.begin(), fixture.acs_users.end()};
  aliases_.clear();
  written_.clear();
  cards_ = {fixture.acs_cards.begin(), fixture.acs_cards.end()};
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
    cards_[user_id] = *int_member(feature->get_object(), "card");
  }
  return ApiResult{};
}

std::string AcsApi::shown_id(const std::string& user_id, std::string_view id_type) const {
  if (id_type == "open_id") return derived_open_id(user_id);
  if (id_type == "union_id") return derived_union_id(user_id);
  return user_id;
}

json::object AcsApi::user_object(const std::string& user_id, std::string_view id_type) const {
  json::object feature;
  if (auto it = cards_.find(user_id); it != cards_.end()) feature["card"] = it->second;
  return json::object{{"user_id", shown_id(user_id, id_type)}, {"feature", std::move(feature)}};
}

ApiResult AcsApi::read(const ApiRequest& req) const {
  auto id_type = query_value(req.query, "user_id_type", "open_id");
  if (id_type != "open_id" && id_type != "union_id" && id_type != "user_id") {
    return field_invalid("user_id_type", "must be open_id, union_id or user_id");
  }
  if (req.collection) return list(req, id_type);
  std::string user_id(req.path_id);
  if (id_type != "user_id") {
    auto it = aliases_.find(user_id);
    user_id = it == aliases_.end() ? std::string() : it->second;
  }
  if (!members_.contains(user_id)) {
    return api_error(400, 1490101, "user not found", "user_id", fmt::format("{} \"{}\" is not in the permission group", id_type, req.path_id));
  }
  ApiResult ok;
  ok.data["user"] = user_object(user_id, id_type);
  return ok;
}

ApiResult AcsApi::list(const ApiRequest& req, std::string_view id_type) const {
  std::int64_t size = kDefaultPageSize;
  if (auto text = query_value(req.query, "page_size"); !text.empty()) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), size);
    if (ec != std::errc() || end != text.data() + text.size() || size < 1 || size > kMaxPageSize) {
      return field_invalid("page_size", fmt::format("must be 1..{}", kMaxPageSize));
    }
  }
  std::string after;
  if (auto token = query_value(req.query, "page_token"); !token.empty()) {
    auto decoded = unhex(token);
    if (!decoded) return field_invalid("page_token", "not a token this list gave");
    after = *decoded;
  }
  std::vector<const std::string*> ids;
  auto it = after.empty() ? members_.begin() : members_.upper_bound(after);
  for (; it != members_.end() && static_cast<std::int64_t>(ids.size()) < size; ++it) ids.push_back(&*it);
  const bool more = it != members_.end();
  json::array items;
  for (const auto* id : ids) items.push_back(user_object(*id, id_type));
  ApiResult ok;
  ok.data["items"] = std::move(items);
  ok.data["has_more"] = more;
  if (more) ok.data["page_token"] = hex(*ids.back());
  return ok;
}

std::string AcsApi::edit(std::string_view user_id, const json::object& set) {
  std::string id(user_id);
  if (!members_.contains(id)) return fmt::format("no ACS user \"{}\"", user_id);
  const auto* card = set.if_contains("card");
  if (card == nullptr) return "set: give {\"card\": N}";
  if (card->is_null()) {
    cards_.erase(id);
    return {};
  }
  auto n = int_member(set, "card");
  if (!n) return "card: must be an integer";
  cards_[id] = *n;
  return {};
}

}  // namespace hrsync::emulator
