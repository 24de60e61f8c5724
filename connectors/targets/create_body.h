// CreateBody: the body of a create request, made from the document an update would send and the
// members a create needs besides (the key the update sends in its path, a group to join).
//
// Thread-safety: pure function.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/json_members.h"
#include "diff/document.h"

namespace hrsync {

// `desired`'s body with each of `extra` added that it does not hold already (a member it holds
// keeps its value), members in byte order. `what` names the entity in errors ("contact_user u1").
// A kInternal error when the body is not a JSON object or would have too many members.
Result<std::string> create_body(const Document& desired, std::span<const JsonMember> extra, std::string_view what);

// `text` as a JSON string literal, quotes included: the raw value of a JsonMember.
std::string json_string(std::string_view text);

}  // namespace hrsync
