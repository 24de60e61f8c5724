// FieldRule: one row of a connector's field table, the documented limits of one cell.
//
// Each connector declares, as a constexpr array in document order, the cells its document is made
// of: which column, which member it becomes (in which nested object), of what kind, whether the API requires it and its
// limits. DocumentBuilder::members() writes and checks a document from that array alone, and the
// field-rule test derives its broken and at-limit values from the same rows, so a limit lives in
// one place. Rules that are not limits of one cell (a user leading themselves, a name of white
// space only, the tenant's mobile rules) stay in the connector's code with their documented codes.
//
// Thread-safety: plain constant data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "diff/record.h"

namespace hrsync {

enum class Need : std::uint8_t { kOptional, kRequired };

// What a cell holds and how it is written.
enum class FieldKind : std::uint8_t {
  kKey,          // the entity's key, sent in the request path, not in the body: at most max_bytes bytes
  kText,         // a JSON string of at most max_chars code points
  kInteger,      // a JSON number in [min, max]
  kIntegerText,  // a JSON string of the digits of an integer in [min, max] ("1625681917")
  kFlag,         // true/false/1/0/yes/no in any letter case, written true or false
  kEmail,        // an e-mail address of the basic form (field_rules.h is_email)
  kMobile,       // a mobile number (field_rules.h normalise_mobile), written in its normal form
  kIdList,       // a ';'-separated cell, written as an array of strings; at most max_items items
};

std::string_view field_kind_name(FieldKind kind);

struct FieldRule {
  Field column;               // the record's cell
  // The nested object holding the member ("feature"), "" for a member of the document itself.
  // Rows of one nested object follow each other; kKey rows come first.
  std::string_view object;
  std::string_view member;    // the member it becomes ("card"); for kKey, the key's name
  FieldKind kind;
  Need need = Need::kOptional;  // kRequired: an empty cell makes the record invalid
  std::size_t max_chars = 0;    // kText: code points (0: no limit)
  std::size_t max_bytes = 0;    // kKey: bytes (0: no limit)
  std::int64_t min = 0;         // kInteger, kIntegerText
  std::int64_t max = 0;
  std::size_t max_items = 0;    // kIdList (0: no limit)
};

// The member's path as Invalid::field names it: "name", "feature.card".
std::string field_path(const FieldRule& rule);

}  // namespace hrsync
