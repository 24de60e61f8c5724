// ContactGroupApi: Feishu contact v3 "update user group", PATCH /open-apis/contact/v3/group/:group_id,
// as docs/api/feishu-contact-group-patch.md describes.
//
// It holds the tenant's groups with their names (unique within the tenant) and descriptions.
// An empty or absent name or description leaves that field as it is (the document's default).
// It also serves GET group/:group_id (data.group) and POST group (the given group_id, or one it
// makes; an id or a name held already is refused), and an administrator's console edit.
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/json/object.hpp>

#include "emulator/api_result.h"
#include "emulator/fixture.h"

namespace hrsync::emulator {

class ContactGroupApi {
 public:
  void load(const Fixture& fixture);
  ApiResult update(const ApiRequest& request);
  ApiResult read(const ApiRequest& request) const;
  ApiResult create(const ApiRequest& request);

  // A console edit of `group_id` ("name", "description"). Returns "" or why it cannot be made.
  std::string edit(std::string_view group_id, const boost::json::object& set);

  // group_id -> {"name", "description"} for every group written since load().
  boost::json::object state() const;

  std::size_t size() const { return groups_.size(); }

 private:
  struct Group {
    std::string name, description;
    bool written = false;
  };

  std::unordered_map<std::string, Group> groups_;
  std::unordered_map<std::string, std::string> names_;  // name -> group_id
  std::uint64_t next_generated_id_ = 0;
};

}  // namespace hrsync::emulator
