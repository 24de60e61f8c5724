// contact_user: Feishu contact v3, update a user.
//
// PATCH /open-apis/contact/v3/users/:user_id with only the members that changed (mode "patch",
// the default: the PUT document is marked historical and recommends PATCH), or in put mode PUT
// on the same path with the whole document (docs/api/feishu-contact-user-update-put.md), which
// replaces the user: plan_notes() says once per run that a PUT may reset the documented members
// hrsync does not send (kNeverSent: avatar_key, orders, custom_attrs). Option `fields` restricts
// the members hrsync owns: the others are neither sent nor checked. The key is the record's
// user_id column, holding an ID of the kind options.user_id_type names (1 to 64 bytes, 41043).
// Document members, in byte order: city, country, department_ids (';'-separated, 1 to 50),
// email, employee_no, employee_type (1-5, required), en_name, enterprise_email, gender (0-2),
// is_frozen, job_title, join_time (seconds, 0..2147483647), leader_user_id (not the user itself,
// 41030), mobile (required; a bare mainland number is written "+86..."), mobile_visible, name
// (required), nickname, work_station; each only when its cell has a value. Names count Unicode
// code points: name, en_name, nickname at most 64, job_title at most 100; a name of white space
// only is refused (41040). The mobile follows the tenant (option `tenant`, the TenantRules table):
// a mainland number is 11 digits starting 1[3-9] (41004); a number outside mainland China needs
// an e-mail (44020) and is refused by an uncertified Feishu tenant (44019); on Lark the mobile is
// optional (but a user needs a mobile or an e-mail, 41009) and +86 numbers are refused (44018).
//
// A PATCH cannot clear a member: a cell emptied since the last applied document is simply not
// sent, and the user keeps the value (held_after: the snapshot records it, and every later plan
// lists it to be cleared by hand until the cell has a value again). When nothing differs from the last applied document (a --full re-send), the whole
// document is sent. on_missing = freeze sends the last applied document with "is_frozen": true.
// Limits: 50/s and 1000/min on the endpoint, and in patch mode 1/s for a request that carries
// department_ids or is_frozen (lane kDeptOrFrozenLane).
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
