#include "emulator/attendance_api.h"

#include <algorithm>

#include <boost/json/array.hpp>
#include <fmt/format.h>

#include "emulator/fnv.h"
#include "emulator/image_probe.h"
#include "emulator/json_fields.h"

namespace hrsync::emulator {
namespace json = boost::json;
namespace {

// Most ids one query takes: not found in a document (docs/api-notes.md); the conservative 50,
// the contact batch get's size (unconfirmed, emulator/README.md).
constexpr std::size_t kQueryMax = 50;

// 400/1220001 "param is invalis" (sic, the document's text): the request failed validation; the
// document's advice quotes messages such as "employee_type invalid".
ApiResult invalid(std::string field, std::string message) {
  return api_error(400, 1220001, message, std::move(field), message);
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void AttendanceApi::load(const Fixture& fixture) {
  users_.clear();
  by_employee_no_.clear();
  by_employee_id_.clear();
  written_.clear();
  uploads_ = 0;
  issued_.clear();
  for (const auto& u : fixture.attendance_users) {
    User user{u.employee_no, u.employee_id, {}};
    if (!u.face_key.empty()) user.setting["face_key"] = u.face_key;
    if (!u.face_key.empty()) issued_.insert(u.face_key);
    if (!u.face_key_update_time.empty()) user.setting["face_key_update_time"] = u.face_key_update_time;
    if (!u.employee_no.empty()) by_employee_no_.emplace(u.employee_no, users_.size());
    if (!u.employee_id.empty()) by_employee_id_.emplace(u.employee_id, users_.size());
    users_.push_back(std::move(user));
  }
}

AttendanceApi::User* AttendanceApi::find(std::string_view id, std::string_view type) {
  const auto& index = type == "employee_no" ? by_employee_no_ : by_employee_id_;
  auto it = index.find(std::string(id));
  return it == index.end() ? nullptr : &users_[it->second];
}

ApiResult AttendanceApi::modify(const ApiRequest& req) {
  auto type = query_value(req.query, "employee_type");
  if (type != "employee_id" && type != "employee_no") return invalid("employee_type", "employee_type invalid");
  const auto* setting_value = member(req.body, "user_setting");
  if (setting_value == nullptr || !setting_value->is_object()) return invalid("user_setting", "user_setting is required");
  const auto& setting = setting_value->get_object();
  for (std::string_view key : {"user_id", "face_key", "face_key_update_time"}) {
    const auto* v = member(setting, key);
    if (v != nullptr && !v->is_string()) return invalid(fmt::format("user_setting.{}", key), fmt::format("{} must be a string", key));
  }
  auto user_id = string_member(setting, "user_id").value_or("");
  if (user_id.empty()) return invalid("user_setting.user_id", "user_id is required");
  const std::string_view face_key = string_member(setting, "face_key").value_or("");
  if (face_key.empty()) return invalid("user_setting.face_key", "face_key is required");
  if (issued_keys_only_ && !issued_.contains(std::string(face_key))) {
    return invalid("user_setting.face_key", "face_key is not a file id the file upload issued");
  }
  auto updated = string_member(setting, "face_key_update_time");
  // "精确到秒的时间戳": a timestamp in seconds has at most 10 digits until the year 2286; 13 digits
  // are milliseconds.
  if (updated && (!digits(*updated) || updated->size() > 10)) {
    return invalid("user_setting.face_key_update_time", "face_key_update_time must be a timestamp in seconds");
  }
  User* user = find(user_id, type);
  if (user == nullptr) {
    return api_error(400, 1220004, "user_id is not exist or does not have permission", "user_setting.user_id",
                     fmt::format("no {} \"{}\"", type, user_id));
  }
  user->setting = json::object{{"face_key", setting.at("face_key")}};
  if (updated) user->setting["face_key_update_time"] = *updated;
  written_[user_id] = setting;
  ApiResult ok;
  ok.data["user_setting"] = setting;
  return ok;
}

ApiResult AttendanceApi::query(const ApiRequest& req) const {
  auto type = query_value(req.query, "employee_type");
  if (type != "employee_id" && type != "employee_no") return invalid("employee_type", "employee_type invalid");
  const auto* ids = member(req.body, "user_ids");
  if (ids == nullptr || !has_json_type(*ids, JsonType::kStringArray)) return invalid("user_ids", "user_ids must be a list of strings");
  const auto& list = ids->get_array();
  if (list.empty()) return invalid("user_ids", "user_ids is required");
  if (list.size() > kQueryMax) return invalid("user_ids", fmt::format("user_ids has {} ids, at most {}", list.size(), kQueryMax));
  const auto& index = type == "employee_no" ? by_employee_no_ : by_employee_id_;
  json::array settings;
  for (const auto& id : list) {
    auto it = index.find(std::string(id.get_string()));
    if (it == index.end()) continue;  // not held: simply absent
    json::object s = users_[it->second].setting;
    s["user_id"] = id;
    settings.push_back(std::move(s));
  }
  ApiResult ok;
  ok.data["user_settings"] = std::move(settings);
  return ok;
}

ApiResult AttendanceApi::upload(const ApiRequest& req) {
  auto name = query_value(req.query, "file_name");
  if (name.empty()) return invalid("file_name", "file_name is required");
  auto file = string_member(req.body, "file");
  if (!file || file->empty()) return invalid("file", "file is required (a multipart part named file)");
  if (!probe_image(*file)) return invalid("file", "file is not a JPEG, PNG or BMP image");
  ++uploads_;
  ApiResult ok;
  std::string id = fmt::format("{:016x}{:08x}", fnv1a64(*file), uploads_);
  issued_.insert(id);
  ok.data["file"] = json::object{{"file_id", id}};
  return ok;
}

std::string AttendanceApi::edit(std::string_view key, const json::object& set) {
  User* user = find(key, "employee_no");
  if (user == nullptr) user = find(key, "employee_id");
  if (user == nullptr) return fmt::format("no attendance user \"{}\"", key);
  for (std::string_view k : {"face_key", "face_key_update_time"}) {
    if (const auto* v = set.if_contains(k); v != nullptr) {
      if (v->is_null()) user->setting.erase(k);
      else user->setting[k] = *v;
    }
  }
  return {};
}

}  // namespace hrsync::emulator
