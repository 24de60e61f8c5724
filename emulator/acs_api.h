// AcsApi: Feishu smart access control "patch user", PATCH /open-apis/acs/v1/users/:user_id,
// as docs/api/feishu-acs-user-patch.md describes (the card number a Wiegand reader outputs).
//
// It holds the users in the access-control permission group (by user_id; open_id and union_id
// resolve through the same derivation the contact directory uses) and each user's features. A
// PATCH ("修改用户部分信息") changes only what its body carries: a body without `feature.card`
// leaves the card as it was.
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

#include <boost/json/object.hpp>

#include "emulator/api_result.h"
#include "emulator/fixture.h"

namespace hrsync::emulator {

class AcsApi {
 public:
  void load(const Fixture& fixture);
  ApiResult patch(const ApiRequest& request);

  // user_id -> {"feature": {"card": N}} (what the user holds) for every user written since load().
  const boost::json::object& state() const { return written_; }

  std::size_t size() const { return members_.size(); }

 private:
  std::unordered_set<std::string> members_;               // user_ids in the permission group
  std::unordered_map<std::string, std::string> aliases_;  // open_id / union_id -> user_id
  boost::json::object written_;
};

}  // namespace hrsync::emulator
