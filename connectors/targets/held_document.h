// Held documents: what a target answers to a read, written in the canonical form the connector's
// projection writes, so that what the target holds and what HR says diff member by member.
//
// A read's answer holds, per entity, an object with the members the update sends (and others
// hrsync does not manage). write_held() walks the connector's field table (field_table.h) as
// DocumentBuilder does, takes each member's value from the answer instead of a record's cell, and
// writes it the way the projection writes that kind: a member the target holds empty ("", [],
// null) or does not hold is left out, as an empty cell is. Values are not checked against the
// rules (the target holds what it holds): a value of another JSON type than its kind is left out.
// Where the answer nests a member elsewhere than the document does, the connector's lookup says
// where it is.
//
// Only connector sources include this header (it names simdjson, a private dependency).
//
// Thread-safety: pure functions.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"
#include "connectors/targets/field_table.h"
#include "connectors/targets/target_operation.h"
#include "diff/document.h"

namespace hrsync {

// Where the value of `rule`'s member is in one entity's answer object; an error result for none.
using HeldLookup = simdjson::simdjson_result<simdjson::dom::element> (*)(simdjson::dom::object item,
                                                                        const FieldRule& rule);

// The member at the document's place: item[rule.object][rule.member], or item[rule.member].
simdjson::simdjson_result<simdjson::dom::element> held_nested(simdjson::dom::object item, const FieldRule& rule);
// The member at the top of the item, whatever object the document puts it in.
simdjson::simdjson_result<simdjson::dom::element> held_flat(simdjson::dom::object item, const FieldRule& rule);

// Appends to `out` the object `rules` make from the values in `item` (kKey rows are skipped).
void write_held(simdjson::dom::object item, std::span<const FieldRule> rules, HeldLookup lookup, std::string& out);

// The sealed document of `key` holding what `item` holds.
Document held_document(std::string_view key, simdjson::dom::object item, std::span<const FieldRule> rules,
                       HeldLookup lookup);

// The top-level object of a Feishu answer's `data`, after code 0; a kProtocol error naming `where`
// when the body is no such envelope or its code is not 0.
Result<simdjson::dom::object> feishu_data(simdjson::dom::parser& parser, const simdjson::padded_string& body,
                                          std::string_view where);

// Whether the Feishu answer `body` carries the code `code` (a single get's "not held").
bool feishu_code_is(simdjson::dom::parser& parser, const simdjson::padded_string& body, std::int64_t code);

// The string `item[member]`, "" when absent or not a string.
std::string_view held_string(simdjson::dom::object item, std::string_view member);

// A kInternal error naming `where` unless 1 <= keys.size() <= most (a read's batch).
Result<void> check_batch(std::string_view where, std::span<const std::string> keys, std::size_t most);

// Whether `key` is one of `keys` (an answer's entity hrsync did not ask for is not read).
bool asked_for(std::span<const std::string> keys, std::string_view key);

// Appends to page.absent the keys of `keys` that no document of page.found has.
void add_absent(std::span<const std::string> keys, ReadPage& page);

}  // namespace hrsync
