// SophonApi: the SophonFogSys face platform's "update person", PUT /SophonFogSys/api/users, as
// docs/api/sophon-users-put.md and docs/api-notes.md (its status codes) describe.
//
// It holds each person's record by identity_id: its info (name, type, permission_ids) and its
// face photo, kept only as its size and FNV-1a 64 hash ({"bytes": N, "fnv1a64": "hex"}). An update
// checks the photo before anything else, as the box does (a refused photo refuses the whole
// update), then replaces the person's info with the body's, where an absent `type` means 1
// (employee) and an absent `permission_ids` means ["0"], as the document says; an absent name
// keeps the name, and an absent reg_photo keeps the face. Failures use the box's
// {"error": {"code", "message", "status"}} form; the HTTP status is the code's first three digits
// (40003 -> 400, 40401 -> 404, 50072 -> 500).
//
// It also serves the query (GET users?identity_id=ID, or ?group_name=G&skip_num=N&limit=L,
// default limit 10, at most 100, in identity_id order; data.identities_list[]) and the create
// (POST users: identity_id, reg_photo, group_name and info; an identity held already is refused
// with 40011 unless ignore_exist is true; no photo: 40000), and an administrator's console edit.
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <optional>
#include <map>
#include <vector>

#include <boost/json/object.hpp>

#include "emulator/api_result.h"
#include "emulator/fixture.h"

namespace hrsync::emulator {

struct SophonRules {
  std::size_t max_photo_bytes = 2 * 1024 * 1024;  // a decoded reg_photo larger than this: 40007
  unsigned min_face_px = 0;                       // a photo narrower or lower than this: 40006 (0 = off)
  double no_face_share = 0;                       // share of photos, chosen by content, with no face: 40004
};

// The box's status word for `code` ("IMAGE_ERROR"), "UNKNOWN" for codes it does not list.
std::string_view sophon_status(std::int64_t code);

// An error in the box's form; the HTTP status follows from the code.
ApiResult sophon_error(std::int64_t code, std::string message = {});

class SophonApi {
 public:
  explicit SophonApi(SophonRules rules) : rules_(rules) {}

  void load(const Fixture& fixture);
  ApiResult update(const ApiRequest& request);
  ApiResult query(const ApiRequest& request) const;
  ApiResult create(const ApiRequest& request);

  // A console edit of `identity_id`: `set`'s members ("name", "type", "permission_ids") merged
  // into its info. Returns "" or why it cannot be made.
  std::string edit(std::string_view identity_id, const boost::json::object& set);

  // identity_id -> {"identity_id", "info": {...}, "reg_photo": {"bytes", "fnv1a64"}} for every
  // person written since load(): what the box holds for them now.
  boost::json::object state() const;

  std::size_t size() const { return persons_.size(); }

 private:
  struct Person {
    boost::json::object info;   // name (when known), type, permission_ids, and any other member sent
    boost::json::object photo;  // {"bytes", "fnv1a64"}; empty = no face registered
    std::vector<std::string> groups;  // the person groups it is filed under
    bool written = false;
  };

  boost::json::object record(const std::string& id, const Person& person) const;

  std::optional<ApiResult> check_photo(const boost::json::object& body, boost::json::object& summary) const;

  SophonRules rules_;
  std::map<std::string, Person> persons_;  // by identity_id, in order (the group query pages in it)
};

}  // namespace hrsync::emulator
