#include "connectors/targets/create_body.h"

#include "diff/json_writer.h"

namespace hrsync {

Result<std::string> create_body(const Document& desired, std::span<const JsonMember> extra, std::string_view what) {
  JsonMembers members;
  if (!split_members(desired.body, members)) {
    return fail(Error::Kind::kInternal, std::string(what), "the document is not a JSON object");
  }
  for (const JsonMember& m : extra) {
    if (members.find(m.key) != nullptr) continue;
    if (!members.push(m)) return fail(Error::Kind::kInternal, std::string(what), "the document has too many members");
  }
  std::string body;
  body.reserve(desired.body.size() + 64);
  write_members(body, members);
  return body;
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace hrsync
