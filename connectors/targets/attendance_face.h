// attendance_face: Feishu attendance v1, modify a user's face recognition settings.
//
// POST /open-apis/attendance/v1/user_settings/modify?employee_type=...
// (docs/api/feishu-attendance-user-settings-modify.md). The body is
// {"user_setting":{"face_key":...,"face_key_update_time":"...","user_id":...}}; face_key is
// required, face_key_update_time is a string of a seconds timestamp. The key, sent as
// user_setting.user_id, depends on options.employee_type:
//   employee_no -> the employee_no column (the number shown as 工号 in the Feishu admin console);
//   employee_id -> the user_id column: Feishu's "employee ID" is the user ID of the admin
//                  console, which the HR schema keeps as user_id.
// Limit: 50/s.
//
// Thread-safety: the connector is immutable; see target_connector.h.
#pragma once

#include <memory>

#include "connectors/targets/target_connector.h"

namespace hrsync {

// The connector, or a kConfig error naming the option it does not accept.
Result<std::unique_ptr<TargetConnector>> make_attendance_face(const TargetOptions& options);

}  // namespace hrsync
