#include "diff/record.h"

namespace hrsync {
namespace {

constexpr std::array<std::string_view, kFieldCount> kNames = {
    "employee_no",   "user_id",        "name",           "en_name",   "nickname",
    "email",         "mobile",         "mobile_visible", "gender",    "department_ids",
    "leader_user_id", "city",          "country",        "work_station", "join_time",
    "employee_type", "job_title",      "enterprise_email", "is_frozen", "card_no",
    "face_key",      "face_key_update_time", "photo",    "person_type", "permission_ids",
    "group_id",      "description",
};

}  // namespace

std::string_view field_name(Field f) { return kNames[static_cast<std::size_t>(f)]; }

std::optional<Field> field_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    if (kNames[i] == name) return static_cast<Field>(i);
  }
  return std::nullopt;
}

std::string Origin::str() const {
  if (empty()) return {};
  return input + (unit == Unit::kLine ? ":" : " row ") + std::to_string(line);
}

std::string_view entity_name(Entity e) { return e == Entity::kEmployees ? "employees" : "groups"; }

}  // namespace hrsync
