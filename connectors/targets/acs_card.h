// acs_card: Feishu smart access control, set the card number of a user.
//
// PATCH /open-apis/acs/v1/users/:user_id?user_id_type=... (docs/api/feishu-acs-user-patch.md),
// body {"feature":{"card":N}}. The key is the user_id column. The card is optional, as in the
// document: a row with an empty card_no cell projects to {}, which sets nothing and is never sent
// for a user the snapshot does not hold. The PATCH can set a card but not clear one, so a card
// emptied in HR, or held by a user gone from the source, stays on the device: the snapshot keeps
// it (held_after), and the plan and the report list the user under "remove by hand"
// (kept_on_missing for leavers). The document types the card as "int": hrsync takes
// 0..2147483647 (a non-negative 32-bit integer, the Integer of Feishu's Java SDK), leading zeros
// dropped. The document gives no rate limit, so the default (20/s) is a conservative guess that
// the job config overrides.
//
// Thread-safety: the connector is immutable; see target_connector.h.
#pragma once

#include <memory>

#include "connectors/targets/target_connector.h"

namespace hrsync {

// The connector, or a kConfig error naming the option it does not accept.
Result<std::unique_ptr<TargetConnector>> make_acs_card(const TargetOptions& options);

}  // namespace hrsync
