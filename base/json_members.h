// JsonMembers: the top-level members of a JSON object, as views of their exact text.
//
// Canonical documents are rewritten member by member: patch mode keeps the members that differ
// from the last applied document, freezing sets "is_frozen", and Sophon requests swap the photo
// hash for the photo's bytes; a plan file's call keeps its documents byte for byte, as their
// hashes cover them. split_members() cuts an object into (key, value text) views without
// allocating — the planner does it for every contact_user change of a patch-mode run — and
// write_members() writes members back in key order. A value copied through keeps its bytes, so
// rewriting a canonical document keeps it canonical.
//
// The scanner checks the object's structure (quotes, escapes, nesting, commas) but not the
// spelling of numbers and literals: its input is a document a connector wrote.
//
// Thread-safety: pure functions; a JsonMembers is a plain value.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace hrsync {

struct JsonMember {
  std::string_view key;  // as written between its quotes (escapes kept)
  std::string_view raw;  // the value's JSON text: "\"abc\"", "12", "[\"a\",\"b\"]"
};

// At most kMaxMembers members, held inline.
class JsonMembers {
 public:
  static constexpr std::size_t kMaxMembers = 32;  // contact_user documents have 18 at most

  // Appends `m`; false when full.
  bool push(JsonMember m) {
    if (size_ == kMaxMembers) return false;
    items_[size_++] = m;
    return true;
  }
  void clear() { size_ = 0; }

  // The member called `key`, or nullptr.
  JsonMember* find(std::string_view key);
  const JsonMember* find(std::string_view key) const;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  JsonMember* begin() { return items_.data(); }
  JsonMember* end() { return items_.data() + size_; }
  const JsonMember* begin() const { return items_.data(); }
  const JsonMember* end() const { return items_.data() + size_; }

 private:
  std::array<JsonMember, kMaxMembers> items_{};
  std::size_t size_ = 0;
};

// Splits the JSON object `json` into `out` (cleared first), in document order. False when `json`
// is not one well-formed object or has more than kMaxMembers members. The views point into `json`.
bool split_members(std::string_view json, JsonMembers& out);

// Sorts `members` by key (byte order) and appends them to `out` as one JSON object.
void write_members(std::string& out, JsonMembers& members);

}  // namespace hrsync
