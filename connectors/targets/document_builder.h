// DocumentBuilder: writes one target's request document from a record's cells, checking each
// cell against its row of the connector's field table (field_table.h), and stops at the first rule
// a cell breaks.
//
// A connector opens the document, writes the members of its table, and closes it, chaining the
// calls with && so the first broken rule ends the projection:
//
//   DocumentBuilder b(record, doc.body);
//   bool ok = b.begin_object() && b.members(kRules) && b.end_object();
//   if (!ok) return std::unexpected(b.take_invalid());
//
// An empty cell means "no value": the member is left out, unless its row says kRequired, in
// which case the record is Invalid. Invalid::field is the member's path in the document
// ("feature.card"); when the column has another name the rule names it ("column card_no: ...").
// Values are never quoted in a rule (they may be personal data). The builder appends to a string
// the caller owns and allocates nothing else unless a rule is broken.
//
// Thread-safety: one builder per projection.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "connectors/targets/field_table.h"
#include "connectors/targets/target_connector.h"
#include "diff/json_writer.h"
#include "diff/record.h"

namespace hrsync {

class DocumentBuilder {
 public:
  DocumentBuilder(const Record& record, std::string& out) : record_(record), writer_(out) {}

  // The document's outer object.
  bool begin_object();
  bool end_object();

  // The members of `rules`, in their order: checks each cell and writes the member it makes,
  // opening and closing the nested objects the rows name. kKey rows are checked, not written.
  bool members(std::span<const FieldRule> rules);

  // Records a broken rule of member `key` (in the current object) and returns false.
  bool fail(std::string_view key, std::string_view rule);
  // Records a broken rule of cell `col`, member `key`, naming the column when it differs.
  bool fail(Field col, std::string_view key, std::string_view rule);

  // The broken rule. REQUIRES: a call returned false.
  Invalid take_invalid() { return std::move(invalid_); }

  JsonWriter& writer() { return writer_; }

 private:
  // Makes `object` ("" for the top) the object members are written to, closing the nested one
  // open. REQUIRES: `object` is not the one open.
  void enter(std::string_view object);
  // Check and write the member of one row from its non-empty cell `v`, in the object open.
  bool entity_key(const FieldRule& rule, std::string_view v);
  bool text(const FieldRule& rule, std::string_view v);
  bool flag(const FieldRule& rule, std::string_view v);
  bool integer(const FieldRule& rule, std::string_view v);
  bool integer_text(const FieldRule& rule, std::string_view v);
  bool list(const FieldRule& rule, std::string_view v);
  bool mobile(const FieldRule& rule, std::string_view v);
  bool email(const FieldRule& rule, std::string_view v);

  const Record& record_;
  JsonWriter writer_;
  std::string_view object_;  // the key of the nested object being written, "" at the top
  Invalid invalid_;
};

}  // namespace hrsync
