// AttendanceApi: Feishu attendance v1 "modify user face settings",
// POST /open-apis/attendance/v1/user_settings/modify?employee_type=employee_id|employee_no,
// as docs/api/feishu-attendance-user-settings-modify.md describes.
//
// It holds the attendance users, reachable by employee_no and by employee_id, and the last
// user_setting written for each (keyed by the user_id the request used).
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <string>
#include <unordered_set>

#include <boost/json/object.hpp>

#include "emulator/api_result.h"
#include "emulator/fixture.h"

namespace hrsync::emulator {

class AttendanceApi {
 public:
  void load(const Fixture& fixture);
  ApiResult modify(const ApiRequest& request);

  // user_id -> the last user_setting written for it.
  const boost::json::object& state() const { return written_; }

  std::size_t size() const { return users_; }

 private:
  std::unordered_set<std::string> by_employee_no_, by_employee_id_;
  std::size_t users_ = 0;
  boost::json::object written_;
};

}  // namespace hrsync::emulator
