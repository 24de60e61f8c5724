// Field changes: what differs between an entity's last applied document and its desired one,
// field by field, with personal data masked, for plans and reports.
//
// Documents are JSON objects. Nested objects are walked and named by dotted path ("info.name",
// "feature.card", "user_setting.face_key"); arrays, and objects inside them, are compared as a
// whole and shown as compact JSON. A string value is shown as its text, any other value as JSON.
// The values of personal fields are masked (mask_value) wherever they appear, unless the caller
// asks to show them (Masking::kShown: a reviewer who may see them, `hrsync plan --show --unmask`).
//
// Thread-safety: pure functions; each thread parses with its own parser.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace hrsync {

struct FieldChange {
  enum class Kind : std::uint8_t { kAdded, kRemoved, kChanged };

  std::string path;    // dotted path of the field: "mobile", "info.name"
  std::string before;  // the old value, masked; "" when added
  std::string after;   // the new value, masked; "" when removed
  Kind kind = Kind::kChanged;

  bool operator==(const FieldChange&) const = default;
};

// Whether personal values are masked (the default everywhere) or shown whole. A photo is shown
// as its hash and size either way: its bytes say nothing to a reader.
enum class Masking : std::uint8_t { kMasked, kShown };

// "added", "removed", "changed".
std::string_view change_kind_name(FieldChange::Kind kind);

// The fields that differ between two JSON objects, in byte order of their paths. An empty
// `before_json` means a new entity (every field added); an empty `after_json` means every field
// removed. A document that is not a JSON object is a kInput error naming which one and why.
// Personal values are masked unless `masking` is kShown.
Result<std::vector<FieldChange>> field_changes(std::string_view before_json, std::string_view after_json,
                                               Masking masking = Masking::kMasked);

// True iff the field at `path` holds personal data: its last segment is mobile, email,
// enterprise_email, card, card_no, face_key, reg_photo or photo.
bool is_personal_field(std::string_view path);

// `value` as it may be shown for the field at `path`: unchanged for other fields. A personal
// value keeps a short prefix and suffix around "…": a mobile its first 3 characters (6 with a
// "+" country code) and last 2 ("+86130…11"); an email the first 2 characters of its local part
// and the whole domain ("zh…@example.com"); a card number 2 and 2 ("12…78"); a face_key 4 and 4.
// Fewer are kept when that would hide fewer than 3 characters or a third of them; characters are
// UTF-8, never cut. A photo shows only a hash and a size ("photo#3f2a9c1d (48213 bytes)").
std::string mask_value(std::string_view path, std::string_view value);

// `value` as shown under `masking`: mask_value() when masked; whole when shown, but a photo still
// as its hash and size.
std::string show_value(std::string_view path, std::string_view value, Masking masking);

}  // namespace hrsync
