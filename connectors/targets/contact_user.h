// contact_user: Feishu contact v3, update a user.
//
// PUT /open-apis/contact/v3/users/:user_id (api-docs/feishu-contact-user-update-put.md), or in
// patch mode PATCH on the same path with only the members that changed. The key is the record's
// user_id column, holding an ID of the kind options.user_id_type names. The body is the document's
// member list (name, mobile, department_ids, employee_type required); on_missing = freeze sends
// the last applied document with "is_frozen": true. Limits: 50/s and 1000/min on the endpoint, and
// in patch mode 1/s for a change of department_ids or is_frozen (lane kDeptOrFrozenLane).
//
// Thread-safety: the connector is immutable; see target_connector.h.
#pragma once

#include <memory>
#include <string_view>

#include "connectors/targets/target_connector.h"

namespace hrsync {

// The rate lane of patch-mode requests that change department_ids or is_frozen.
inline constexpr std::string_view kDeptOrFrozenLane = "dept_or_frozen";

// The connector, or a kConfig error naming the option it does not accept.
Result<std::unique_ptr<TargetConnector>> make_contact_user(const TargetOptions& options);

}  // namespace hrsync
