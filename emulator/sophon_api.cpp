#include "emulator/sophon_api.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>

#include "emulator/fnv.h"
#include "emulator/image_probe.h"
#include "emulator/json_fields.h"

namespace hrsync::emulator {
namespace json = boost::json;
namespace {

// The box's codes (FEISHU-NOTES.md), plus two it does not list: 40000 BAD_REQUEST for a body
// that breaks the document's parameter table, and 40100 UNAUTHORIZED for a missing or wrong token
// on a box configured to ask for one.
struct Status {
  std::int64_t code;
  std::string_view word;
};
constexpr Status kStatuses[] = {
    {40000, "BAD_REQUEST"},       {40003, "IMAGE_ERROR"},
    {40004, "NO_FACE"},           {40006, "LOW_QUALITY_ERROR"},
    {40007, "IMAGE_SIZE_TOO_LARGE_ERROR"}, {40011, "IDENTITY_EXSIT_ERROR"},
    {40100, "UNAUTHORIZED"},      {40400, "NOT_FOUND"},
    {40401, "ID_NOT_FOUND"},      {41300, "PAYLOAD_TOO_LARGE"},
    {42900, "TOO_MANY_REQUESTS"}, {50072, "SERVER_PROCESS_FAILED"},
};

std::optional<ApiResult> check_info(const json::object& body) {
  const auto* info = member(body, "info");
  if (info == nullptr || !info->is_object()) return sophon_error(40000, "info is required (a dict, may be empty)");
  const auto& o = info->get_object();
  if (const auto* name = member(o, "name"); name != nullptr && !name->is_string()) return sophon_error(40000, "info.name must be a string");
  if (const auto* type = member(o, "type"); type != nullptr) {
    auto t = int_member(o, "type");
    if (!t || *t < 1 || *t > 5) return sophon_error(40000, "info.type must be 1..5");
  }
  if (const auto* ids = member(o, "permission_ids"); ids != nullptr && !has_json_type(*ids, JsonType::kStringArray)) {
    return sophon_error(40000, "info.permission_ids must be a list of strings");
  }
  return std::nullopt;
}

}  // namespace

std::string_view sophon_status(std::int64_t code) {
  for (const auto& s : kStatuses) {
    if (s.code == code) return s.word;
  }
  return "UNKNOWN";
}

ApiResult sophon_error(std::int64_t code, std::string message) {
  ApiResult r;
  r.http_status = static_cast<int>(code / 100);
  r.code = code;
  r.msg = message.empty() ? std::string(sophon_status(code)) : std::move(message);
  return r;
}

void SophonApi::load(const Fixture& fixture) {
  persons_.clear();
  written_.clear();
  for (const auto& p : fixture.sophon_persons) persons_.insert(p.identity_id);
}

ApiResult SophonApi::update(const ApiRequest& req) {
  const auto* id = member(req.body, "identity_id");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) return sophon_error(40000, "identity_id is required");
  if (auto e = check_info(req.body)) return *e;
  const auto* photo = member(req.body, "reg_photo");
  if (photo != nullptr && !photo->is_string()) return sophon_error(40003, "reg_photo must be a base64 string");
  std::string identity(id->get_string());
  if (!persons_.contains(identity)) return sophon_error(40401, fmt::format("no person \"{}\"", identity));

  json::object stored = req.body;
  std::string image_id;
  if (photo != nullptr) {
    auto bytes = decode_base64(photo->get_string());
    if (!bytes) return sophon_error(40003, "reg_photo is not base64");
    if (bytes->size() > rules_.max_photo_bytes) {
      return sophon_error(40007, fmt::format("reg_photo is {} bytes, at most {}", bytes->size(), rules_.max_photo_bytes));
    }
    auto size = probe_image(*bytes);
    if (!size) return sophon_error(40003, "reg_photo is not a JPEG, PNG or BMP image");
    if (size->width < rules_.min_face_px || size->height < rules_.min_face_px) {
      return sophon_error(40006, fmt::format("reg_photo is {}x{} pixels, at least {} needed", size->width, size->height, rules_.min_face_px));
    }
    image_id = fmt::format("{:016x}", fnv1a64(*bytes));
    stored["reg_photo"] = json::object{{"bytes", bytes->size()}, {"fnv1a64", image_id}};
  }
  const auto& info = req.body.at("info").get_object();
  json::object shown_info = info;
  if (!shown_info.contains("type")) shown_info["type"] = 1;
  if (!shown_info.contains("permission_ids")) shown_info["permission_ids"] = json::array{"0"};
  written_[identity] = std::move(stored);
  ApiResult ok;
  ok.data = json::object{{"identity_id", identity}, {"image_id", image_id}, {"group_name", json::array{}}, {"info", std::move(shown_info)}};
  return ok;
}

}  // namespace hrsync::emulator
