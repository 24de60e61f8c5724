#include "connectors/targets/patch_held.h"

#include <string>

#include "base/json_members.h"

namespace hrsync {

std::optional<Held> held_by_patch(const Document& desired, const Document& last_applied, std::string_view reason) {
  JsonMembers want;
  JsonMembers had;
  if (!split_members(desired.body, want) || !split_members(last_applied.body, had)) return std::nullopt;
  Held held;
  JsonMembers holds = want;
  for (const JsonMember& m : had) {
    if (want.find(m.key) != nullptr) continue;
    if (!holds.push(m)) return std::nullopt;  // more members than a document of these targets has
    held.kept.push_back(Invalid{std::string(m.key), std::string(reason)});
  }
  if (held.kept.empty()) return std::nullopt;
  held.document.key = desired.key;
  held.document.attachment = desired.attachment;
  held.document.body.reserve(desired.body.size() + last_applied.body.size());
  write_members(held.document.body, holds);
  held.document.seal();
  return held;
}

}  // namespace hrsync
