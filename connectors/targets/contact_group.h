// contact_group: Feishu contact v3, update a user group.
//
// PATCH /open-apis/contact/v3/group/:group_id (docs/api/feishu-contact-group-patch.md). The key is
// the group_id column; the body holds name (at most 100 characters) and description (at most
// 500), each only when the cell has a value (the API leaves an absent member unchanged, so a cell
// emptied in HR stays on the group: held_after records it and the plan lists it). Limit:
// 100/min.
//
// Thread-safety: the connector is immutable; see target_connector.h.
#pragma once

#include <memory>

#include "connectors/targets/target_connector.h"

namespace hrsync {

// The connector, or a kConfig error naming the option it does not accept.
Result<std::unique_ptr<TargetConnector>> make_contact_group(const TargetOptions& options);

}  // namespace hrsync
