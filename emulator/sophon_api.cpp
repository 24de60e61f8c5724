#include "emulator/sophon_api.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>

#include "emulator/fnv.h"
#include "emulator/image_probe.h"
#include "emulator/json_fields.h"

namespace hrsync::emulator {
namespace json = boost::json;
namespace {

// The box's codes (docs/api-notes.md, "Error envelope and classification"), plus two it does not list: 40000 BAD_REQUEST for a body
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
  // "禁止进行员工工号的编辑": info may not carry another person number.
  if (const auto* other = member(o, "identity_id"); other != nullptr && *other != body.at("identity_id")) {
    return sophon_error(40000, "info.identity_id: the person number cannot be edited");
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
  for (const auto& p : fixture.sophon_persons) {
    Person person;
    if (!p.name.empty()) person.info["name"] = p.name;
    person.info["type"] = p.type;
    json::array ids;
    for (const auto& id : p.permission_ids) ids.emplace_back(id);
    person.info["permission_ids"] = p.permission_ids.empty() ? json::array{"0"} : std::move(ids);
    persons_.insert_or_assign(p.identity_id, std::move(person));
  }
}

// The box reads the face first: a photo it refuses refuses the whole update, whatever else the
// body says. On success `summary` describes the photo ({} when the body has none).
std::optional<ApiResult> SophonApi::check_photo(const json::object& body, json::object& summary) const {
  const auto* photo = member(body, "reg_photo");
  if (photo == nullptr) return std::nullopt;
  if (!photo->is_string()) return sophon_error(40003, "reg_photo must be a base64 string");
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
  const std::uint64_t digest = fnv1a64(*bytes);
  // Whether a photo shows a face is decided by its content, so the same photo is refused every time.
  constexpr std::uint64_t kScale = 1000000;
  if (static_cast<double>(digest % kScale) < rules_.no_face_share * kScale) return sophon_error(40004, "no face found in reg_photo");
  summary = json::object{{"bytes", bytes->size()}, {"fnv1a64", fmt::format("{:016x}", digest)}};
  return std::nullopt;
}

ApiResult SophonApi::update(const ApiRequest& req) {
  json::object photo;
  if (auto e = check_photo(req.body, photo)) return *e;
  const auto* id = member(req.body, "identity_id");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) return sophon_error(40000, "identity_id is required");
  if (auto e = check_info(req.body)) return *e;
  std::string identity(id->get_string());
  auto it = persons_.find(identity);
  if (it == persons_.end()) return sophon_error(40401, fmt::format("no person \"{}\"", identity));

  Person& person = it->second;
  json::object info = req.body.at("info").get_object();
  if (!info.contains("type")) info["type"] = 1;                          // "默认为员工，包括这个字段不存在的情况"
  if (!info.contains("permission_ids")) info["permission_ids"] = json::array{"0"};  // "若不填默认为["0"]"
  if (!info.contains("name") && person.info.contains("name")) info["name"] = person.info.at("name");
  person.info = std::move(info);
  if (!photo.empty()) person.photo = std::move(photo);
  person.written = true;

  ApiResult ok;
  std::string image_id = person.photo.empty() ? std::string() : std::string(person.photo.at("fnv1a64").as_string());
  ok.data = json::object{{"identity_id", identity}, {"image_id", image_id}, {"group_name", json::array{}}, {"info", person.info}};
  return ok;
}

json::object SophonApi::state() const {
  json::object out;
  for (const auto& [id, person] : persons_) {
    if (!person.written) continue;
    json::object record{{"identity_id", id}, {"info", person.info}};
    if (!person.photo.empty()) record["reg_photo"] = person.photo;
    out[id] = std::move(record);
  }
  return out;
}

}  // namespace hrsync::emulator
