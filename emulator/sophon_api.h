// SophonApi: the SophonFogSys face platform's "update person", PUT /SophonFogSys/api/users, as
// api-docs/sophon-users-put.md and FEISHU-NOTES.md (its status codes) describe.
//
// It holds the persons by identity_id and the last body written for each; a reg_photo is kept
// only as its size and FNV-1a 64 hash ({"bytes": N, "fnv1a64": "hex"}), not as the image.
// Failures use the box's {"error": {"code", "message", "status"}} form; the HTTP status is the
// code's first three digits (40003 -> 400, 40401 -> 404, 50072 -> 500).
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

#include <boost/json/object.hpp>

#include "emulator/api_result.h"
#include "emulator/fixture.h"

namespace hrsync::emulator {

struct SophonRules {
  std::size_t max_photo_bytes = 2 * 1024 * 1024;  // a decoded reg_photo larger than this: 40007
  unsigned min_face_px = 0;                       // a photo narrower or lower than this: 40006 (0 = off)
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

  // identity_id -> the last body written (reg_photo summarised).
  const boost::json::object& state() const { return written_; }

  std::size_t size() const { return persons_.size(); }

 private:
  SophonRules rules_;
  std::unordered_set<std::string> persons_;
  boost::json::object written_;
};

}  // namespace hrsync::emulator
