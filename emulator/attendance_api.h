// AttendanceApi: Feishu attendance v1 "modify user face settings",
// POST /open-apis/attendance/v1/user_settings/modify?employee_type=employee_id|employee_no,
// as docs/api/feishu-attendance-user-settings-modify.md describes, with the query of the face
// settings (POST user_settings/query, at most 50 ids a call) and the file upload whose id a
// face_key takes (POST files/upload, multipart; docs/api-notes.md, "Reading what a target holds"
// and "Creating what a target lacks").
//
// It holds the attendance users, each reachable by employee_no and by employee_id, and each
// user's face setting (from the fixture, then the writes); state() shows the last user_setting
// written for each (keyed by the user_id the request used).
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/json/object.hpp>

#include "emulator/api_result.h"
#include "emulator/fixture.h"

namespace hrsync::emulator {

class AttendanceApi {
 public:
  // `issued_keys_only`: a face_key the upload never issued (nor the fixture held) is refused,
  // 400/1220001, as a real tenant refuses an id it does not know.
  explicit AttendanceApi(bool issued_keys_only = false) : issued_keys_only_(issued_keys_only) {}

  void load(const Fixture& fixture);
  ApiResult modify(const ApiRequest& request);

  // POST user_settings/query: data.user_settings[] of the users it holds among body.user_ids.
  ApiResult query(const ApiRequest& request) const;

  // POST files/upload?file_name=...: `request.body` is the multipart body read into an object
  // (its "file" member the bytes); answers data.file.file_id, as the upload document and the
  // official Node SDK's types give it.
  ApiResult upload(const ApiRequest& request);

  // A console edit of the user `key` (employee_no or employee_id): "face_key",
  // "face_key_update_time". Returns "" or why it cannot be made.
  std::string edit(std::string_view key, const boost::json::object& set);

  // user_id -> the last user_setting written for it.
  const boost::json::object& state() const { return written_; }

  std::size_t size() const { return users_.size(); }

  // How many files were uploaded since load().
  std::size_t uploads() const { return uploads_; }

 private:
  struct User {
    std::string employee_no, employee_id;
    boost::json::object setting;  // face_key, face_key_update_time when held
  };
  User* find(std::string_view id, std::string_view type);

  std::vector<User> users_;
  std::unordered_map<std::string, std::size_t> by_employee_no_, by_employee_id_;
  boost::json::object written_;
  std::size_t uploads_ = 0;
  bool issued_keys_only_;
  std::unordered_set<std::string> issued_;  // the ids the upload issued, and the fixture's keys
};

}  // namespace hrsync::emulator
