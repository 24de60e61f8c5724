// Document: what one target should hold for one entity, in canonical form.
//
// A target connector projects a Record into a Document: the entity's key on that target and the
// request document in canonical JSON (UTF-8, object keys in byte order, no insignificant
// whitespace, integers without exponent). Two records that mean the same thing to a target give
// byte-identical bodies, so a 64-bit content hash (XXH3) of the body decides "changed or not".
//
// Thread-safety: a plain value type; content_hash is pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hrsync {

// XXH3-64 of `bytes`.
std::uint64_t content_hash(std::string_view bytes);

struct Document {
  std::string key;         // the entity's key on its target (user_id, group_id, employee_no)
  std::string body;        // canonical JSON
  std::uint64_t hash = 0;  // content_hash(body)
  // A file the request must carry that the body only names by content hash (sophon_person's
  // reg_photo): its resolved path. Not part of the body, so not part of the hash.
  std::string attachment;
  // A member left out of the body because its cell broke a rule that concerns that member alone
  // (sophon_person's photo): the plan reports it as invalid, and the rest of the entity is still
  // sent. Empty when nothing was left out. Not part of the hash.
  std::string omitted_field;
  std::string omitted_rule;

  void seal() { hash = content_hash(body); }
};

}  // namespace hrsync
