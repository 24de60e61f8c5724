#include "emulator/attendance_api.h"

#include <algorithm>

#include <fmt/format.h>

#include "emulator/json_fields.h"

namespace hrsync::emulator {
namespace {

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
  by_employee_no_.clear();
  by_employee_id_.clear();
  written_.clear();
  users_ = fixture.attendance_users.size();
  for (const auto& u : fixture.attendance_users) {
    if (!u.employee_no.empty()) by_employee_no_.insert(u.employee_no);
    if (!u.employee_id.empty()) by_employee_id_.insert(u.employee_id);
  }
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
  if (string_member(setting, "face_key").value_or("").empty()) return invalid("user_setting.face_key", "face_key is required");
  auto updated = string_member(setting, "face_key_update_time");
  // "精确到秒的时间戳": a timestamp in seconds has at most 10 digits until the year 2286; 13 digits
  // are milliseconds.
  if (updated && (!digits(*updated) || updated->size() > 10)) {
    return invalid("user_setting.face_key_update_time", "face_key_update_time must be a timestamp in seconds");
  }
  const auto& users = type == "employee_no" ? by_employee_no_ : by_employee_id_;
  if (!users.contains(std::string(user_id))) {
    return api_error(400, 1220004, "user_id is not exist or does not have permission", "user_setting.user_id",
                     fmt::format("no {} \"{}\"", type, user_id));
  }
  written_[user_id] = setting;
  ApiResult ok;
  ok.data["user_setting"] = setting;
  return ok;
}

}  // namespace hrsync::emulator
