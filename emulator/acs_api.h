// AcsApi: Feishu smart access control "patch user", PATCH /open-apis/acs/v1/users/:user_id,
// as docs/api/feishu-acs-user-patch.md describes (the card number a Wiegand reader outputs).
//
// It holds the users in the access-control permission group (by user_id; open_id and union_id
// resolve through the same derivation the contact directory uses) and each user's features. A
// PATCH ("修改用户部分信息") changes only what its body carries: a body without `feature.card`
// leaves the card as it was. It also serves GET users/:user_id (data.user) and the paged
// GET users (page_size at most 50, has_more, page_token; in user_id order), each user as
// {"user_id", "feature": {"card"}}, and an administrator's console edit of a card.
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <set>

#include <boost/json/object.hpp>

#include "emulator/api_result.h"
#include "emulator/fixture.h"

namespace hrsync::emulator {

class AcsApi {
 public:
  void load(const Fixture& fixture);
  ApiResult patch(const ApiRequest& request);
  ApiResult read(const ApiRequest& request) const;

  // A console edit of `user_id`'s card ({"card": N}, null removes it). "" or why not.
  std::string edit(std::string_view user_id, const boost::json::object& set);

  // user_id -> {"feature": {"card": N}} (what the user holds) for every user written since load().
  const boost::json::object& state() const { return written_; }

  std::size_t size() const { return members_.size(); }

 private:
  std::set<std::string> members_;                         // user_ids in the permission group, in order
  std::unordered_map<std::string, std::string> aliases_;  // open_id / union_id -> user_id
  std::unordered_map<std::string, std::int64_t> cards_;   // user_id -> the card it holds
  ApiResult list(const ApiRequest& request, std::string_view id_type) const;
  std::string shown_id(const std::string& user_id, std::string_view id_type) const;
  boost::json::object user_object(const std::string& user_id, std::string_view id_type) const;
  boost::json::object written_;
};

}  // namespace hrsync::emulator
