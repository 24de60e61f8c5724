// JsonMembers: the top-level members of a JSON object, each value kept as its exact JSON text.
//
// Canonical documents are rewritten member by member: patch mode keeps the members that differ
// from the last applied document, freezing sets "is_frozen", and Sophon requests swap the photo
// hash for the photo's bytes. Because every value keeps its original bytes, a member copied through
// stays byte-identical, and rewriting a canonical document keeps it canonical when the members are
// written back in key order.
//
// Thread-safety: pure functions; each thread parses with its own parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "diff/error.h"

namespace hrsync {

struct JsonMember {
  std::string key;  // unescaped
  std::string raw;  // the value's JSON text, e.g. "\"abc\"", "12", "[\"a\",\"b\"]"
};

// The members of the JSON object `json`, in document order, or a kInternal error when `json` is
// not an object (documents are produced by connectors, so that is a bug or a damaged snapshot).
Result<std::vector<JsonMember>> parse_members(std::string_view json);

// The member called `key`, or nullptr.
const JsonMember* find_member(const std::vector<JsonMember>& members, std::string_view key);

// Sorts `members` by key (byte order) and writes them to `out` as one JSON object.
void write_members(std::string& out, std::vector<JsonMember>& members);

}  // namespace hrsync
