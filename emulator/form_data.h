// Form data: the multipart/form-data body (RFC 7578) that the SophonFogSys person API accepts
// besides JSON ("请求参数（JSON格式，form-data格式）"), read into the same JSON object a JSON body
// gives, so one set of rules checks both.
//
// Each part names one top-level parameter: `identity_id` as text, `info` as the JSON text of a
// dict, `reg_photo` as base64 text or as a file part (one with a filename) holding the image bytes,
// which are base64-encoded into the object. Parts of other names are kept as strings.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace hrsync::emulator {

// True iff `content_type` is multipart/form-data (any parameters).
bool is_form_data(std::string_view content_type);

struct FormBody {
  boost::json::object object;
  std::string error;  // "" when the body was read; else what is wrong with it
};

// Reads a multipart/form-data `body` sent with `content_type` (which carries the boundary).
FormBody read_form_data(std::string_view content_type, std::string_view body);

}  // namespace hrsync::emulator
