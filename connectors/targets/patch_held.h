// held_by_patch: what a target holds after a PATCH that sets the members it carries and leaves the
// rest, for the connectors whose API updates that way (contact_user in patch mode, contact_group).
//
// A member the last applied document had and the desired one lacks (its cell emptied in HR) is
// not sent, since leaving a member out does not clear it: the target keeps its last value. The
// held document is the desired one plus those members, canonical (keys in byte order), so that
// the snapshot records it and the member stays a listed difference in every later plan.
//
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string_view>

#include "connectors/targets/target_connector.h"
#include "diff/document.h"

namespace hrsync {

// The document the target holds after a PATCH of `desired` over `last_applied`, with each member
// kept and `reason` as its rule; nullopt when nothing is kept or a document cannot be read.
std::optional<Held> held_by_patch(const Document& desired, const Document& last_applied, std::string_view reason);

}  // namespace hrsync
