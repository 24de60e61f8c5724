#include "connectors/targets/option_check.h"

#include <fmt/format.h>

#include <initializer_list>

namespace hrsync {
namespace {

std::string where(std::string_view target, std::string_view option) {
  return fmt::format("targets.{}.{}", target, option);
}

Result<void> one_of(std::string_view target, std::string_view option, std::string_view value,
                    std::initializer_list<std::string_view> allowed) {
  for (std::string_view a : allowed) {
    if (value == a) return {};
  }
  return fail(Error::Kind::kConfig, where(target, option),
              fmt::format("\"{}\" is not one of {}", value, fmt::join(allowed, ", ")));
}

// An option the target does not read must keep its default value.
Result<void> unused(std::string_view target, std::string_view option, std::string_view value,
                    std::string_view default_value, std::string_view readers) {
  if (value == default_value) return {};
  return fail(Error::Kind::kConfig, where(target, option),
              fmt::format("{} does not take this option (only {} do)", target, readers));
}

}  // namespace

Result<void> check_options(std::string_view target, const TargetOptions& options, const OptionUse& use) {
  const TargetOptions defaults;
  Result<void> r = use.mode ? one_of(target, "mode", options.mode, {"put", "patch"})
                            : unused(target, "mode", options.mode, defaults.mode, "contact_user");
  if (!r) return r;
  r = one_of(target, "on_missing", options.on_missing, {"ignore", "freeze", "revoke", "blacklist"});
  if (!r) return r;
  if (!use.freeze && options.on_missing == "freeze") {
    return fail(Error::Kind::kConfig, where(target, "on_missing"),
                fmt::format("{} cannot freeze missing entities (only contact_user can); use \"ignore\"", target));
  }
  if (!use.revoke && (options.on_missing == "revoke" || options.on_missing == "blacklist")) {
    return fail(Error::Kind::kConfig, where(target, "on_missing"),
                fmt::format("{} cannot {} missing entities (only sophon_person can); use \"ignore\"", target,
                            options.on_missing));
  }
  r = use.employee_type ? one_of(target, "employee_type", options.employee_type, {"employee_id", "employee_no"})
                        : unused(target, "employee_type", options.employee_type, defaults.employee_type,
                                 "attendance_face");
  if (!r) return r;
  r = use.user_id_type ? one_of(target, "user_id_type", options.user_id_type, {"open_id", "union_id", "user_id"})
                       : unused(target, "user_id_type", options.user_id_type, defaults.user_id_type,
                                "contact_user and acs_card");
  if (!r) return r;
  r = use.department_id_type
          ? one_of(target, "department_id_type", options.department_id_type, {"department_id", "open_department_id"})
          : unused(target, "department_id_type", options.department_id_type, defaults.department_id_type,
                   "contact_user and contact_group");
  if (!r) return r;
  r = use.tenant ? one_of(target, "tenant", options.tenant, {"feishu", "uncertified", "lark"})
                 : unused(target, "tenant", options.tenant, defaults.tenant, "contact_user");
  if (!r) return r;
  if (!use.fields && !options.fields.empty()) {
    return fail(Error::Kind::kConfig, where(target, "fields"),
                fmt::format("{} does not take this option (only contact_user does)", target));
  }
  if (!use.group_name) {
    r = unused(target, "group_name", options.group_name, defaults.group_name, "sophon_person");
    if (!r) return r;
  }
  r = use.face_from ? one_of(target, "face_from", options.face_from, {"column", "photo"})
                    : unused(target, "face_from", options.face_from, defaults.face_from, "attendance_face");
  if (!r) return r;
  if (!use.photo_dir) {
    return unused(target, "photo_dir", options.photo_dir, defaults.photo_dir, "sophon_person and attendance_face");
  }
  return {};
}

}  // namespace hrsync
