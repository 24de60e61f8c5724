// DocumentBuilder: writes one target's request document from a record's cells, checking each
// cell against its documented rule, and stops at the first rule a cell breaks.
//
// A connector calls the builder once per JSON member, in key (byte) order, chaining the calls
// with && so the first broken rule ends the projection:
//
//   DocumentBuilder b(record, doc.body);
//   bool ok = b.begin_object() && b.text(Field::kCity, "city") &&
//             b.integer(Field::kGender, "gender", 0, 2) && b.end_object();
//   if (!ok) return std::unexpected(b.take_invalid());
//
// An empty cell means "no value": the member is left out, unless the call says kRequired, in
// which case the record is Invalid. Invalid::field is the member's path in the document
// ("feature.card"); when the column has another name the rule names it ("column card_no: ...").
// Values are never quoted in a rule (they may be personal data). The builder appends to a string
// the caller owns and allocates nothing else unless a rule is broken.
//
// Thread-safety: one builder per projection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/targets/target_connector.h"
#include "diff/json_writer.h"
#include "diff/record.h"

namespace hrsync {

enum class Need : std::uint8_t { kOptional, kRequired };

class DocumentBuilder {
 public:
  DocumentBuilder(const Record& record, std::string& out) : record_(record), writer_(out) {}

  // The document's outer object.
  bool begin_object();
  // Member `key` holding an object; the fields inside are named "key.member".
  bool begin_object(std::string_view key);
  bool end_object();

  // A string cell, at most `max_chars` code points (0: no limit).
  bool text(Field col, std::string_view key, Need need = Need::kOptional, std::size_t max_chars = 0);
  // A string member with a value the connector already checked (an entity key).
  bool known_text(std::string_view key, std::string_view value);
  // A boolean cell: true/false/1/0/yes/no in any letter case, written as true or false.
  bool flag(Field col, std::string_view key, Need need = Need::kOptional);
  // An integer cell in [min, max], written as a JSON number without leading zeros.
  bool integer(Field col, std::string_view key, std::int64_t min, std::int64_t max, Need need = Need::kOptional);
  // An integer cell in [min, max], written as a JSON string of its digits ("1625681917").
  bool integer_text(Field col, std::string_view key, std::int64_t min, std::int64_t max,
                    Need need = Need::kOptional);
  // A ';'-separated cell, written as an array of strings; blanks around items and empty items
  // are dropped, and a list left with no item is no value. At most `max_items` items (0: no
  // limit).
  bool list(Field col, std::string_view key, Need need = Need::kOptional, std::size_t max_items = 0);
  // A mobile number (field_rules.h normalise_mobile), written in its normal form.
  bool mobile(Field col, std::string_view key, Need need = Need::kOptional);
  // An e-mail address of the basic form (field_rules.h is_email).
  bool email(Field col, std::string_view key, Need need = Need::kOptional);

  // Records a broken rule of member `key` (in the current object) and returns false.
  bool fail(std::string_view key, std::string_view rule);
  // Records a broken rule of cell `col`, member `key`, naming the column when it differs.
  bool fail(Field col, std::string_view key, std::string_view rule);

  // The broken rule. REQUIRES: a call returned false.
  Invalid take_invalid() { return std::move(invalid_); }

  JsonWriter& writer() { return writer_; }

 private:
  // The cell of `col`; false (after recording the rule) when it is empty and `need` requires it.
  // `present` tells whether there is a value to write.
  bool cell(Field col, std::string_view key, Need need, std::string_view& value, bool& present);

  const Record& record_;
  JsonWriter writer_;
  std::string_view object_;  // the key of the nested object being written, "" at the top
  Invalid invalid_;
};

}  // namespace hrsync
