#include "emulator/sophon_api.h"

#include <algorithm>
#include <optional>

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

// The group query's page: its default and the most it takes (sophon-manual gives the default 10;
// the maximum is not known: 100, unconfirmed, emulator/README.md).
constexpr std::int64_t kDefaultLimit = 10;
constexpr std::int64_t kMaxLimit = 100;

// A non-negative integer query parameter, `fallback` when absent, nullopt when malformed.
std::optional<std::int64_t> count_param(const QueryParams& q, std::string_view name, std::int64_t fallback) {
  auto text = query_value(q, name);
  if (text.empty()) return fallback;
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || v > 1000000000) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// "a,b" or ["a","b"]: the group names a create files a person under.
std::vector<std::string> group_names(const json::value* v) {
  std::vector<std::string> out;
  auto add = [&](std::string_view name) {
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.emplace_back(name);
  };
  if (v != nullptr && v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string()) add(e.get_string());
    }
  } else if (v != nullptr && v->is_string()) {
    std::string_view text = v->get_string();
    while (!text.empty()) {
      auto comma = text.find(',');
      add(text.substr(0, comma));
      text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
  }
  return out;
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
    person.groups = p.group_names;
    if (person.groups.empty()) person.groups.emplace_back(kDefaultSophonGroup);
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

json::object SophonApi::record(const std::string& id, const Person& person) const {
  json::array groups;
  for (const auto& g : person.groups) groups.emplace_back(g);
  json::object r{{"identity_id", id}, {"group_name", std::move(groups)}, {"info", person.info}};
  if (!person.photo.empty()) r["image_id"] = person.photo.at("fnv1a64");
  return r;
}

ApiResult SophonApi::query(const ApiRequest& req) const {
  ApiResult ok;
  json::array list;
  if (auto id = query_value(req.query, "identity_id"); !id.empty()) {
    auto it = persons_.find(std::string(id));
    if (it == persons_.end()) return sophon_error(40401, fmt::format("no person \"{}\"", id));
    list.push_back(record(it->first, it->second));
    ok.data = json::object{{"identities_list", std::move(list)}};
    return ok;
  }
  auto group = query_value(req.query, "group_name");
  if (group.empty()) return sophon_error(40000, "identity_id or group_name is required");
  auto skip = count_param(req.query, "skip_num", 0);
  auto limit = count_param(req.query, "limit", kDefaultLimit);
  if (!skip) return sophon_error(40000, "skip_num must be a non-negative integer");
  if (!limit || *limit < 1 || *limit > kMaxLimit) return sophon_error(40000, fmt::format("limit must be 1..{}", kMaxLimit));
  std::int64_t index = 0;
  for (const auto& [id, person] : persons_) {
    if (std::find(person.groups.begin(), person.groups.end(), group) == person.groups.end()) continue;
    if (index++ < *skip) continue;
    if (static_cast<std::int64_t>(list.size()) == *limit) break;
    list.push_back(record(id, person));
  }
  ok.data = json::object{{"identities_list", std::move(list)}};
  return ok;
}

ApiResult SophonApi::create(const ApiRequest& req) {
  const auto* id = member(req.body, "identity_id");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) return sophon_error(40000, "identity_id is required");
  std::string identity(id->get_string());
  const auto* ignore = member(req.body, "ignore_exist");
  const bool update_existing = ignore != nullptr && ignore->is_bool() && ignore->get_bool();
  if (persons_.contains(identity) && !update_existing) return sophon_error(40011, fmt::format("identity \"{}\" exists", identity));
  const auto* need_pic = member(req.body, "need_bring_pic");
  const bool photo_required = need_pic == nullptr || !need_pic->is_bool() || need_pic->get_bool();
  if (photo_required && member(req.body, "reg_photo") == nullptr) return sophon_error(40000, "reg_photo is required");
  json::object photo;
  if (auto e = check_photo(req.body, photo)) return *e;
  auto groups = group_names(member(req.body, "group_name"));
  if (groups.empty()) return sophon_error(40000, "group_name is required");
  json::object body = req.body;
  if (member(body, "info") == nullptr) body["info"] = json::object{};
  if (auto e = check_info(body)) return *e;
  json::object info = body.at("info").get_object();
  if (!info.contains("type")) info["type"] = 1;
  if (!info.contains("permission_ids")) info["permission_ids"] = json::array{"0"};
  Person& person = persons_[identity];
  person.info = std::move(info);
  if (!photo.empty()) person.photo = std::move(photo);
  person.groups = std::move(groups);
  person.written = true;
  ApiResult ok;
  ok.data = record(identity, person);
  ok.data["image_id"] = person.photo.empty() ? json::value("") : person.photo.at("fnv1a64");
  return ok;
}

std::string SophonApi::edit(std::string_view identity_id, const json::object& set) {
  auto it = persons_.find(std::string(identity_id));
  if (it == persons_.end()) return fmt::format("no person \"{}\"", identity_id);
  for (const auto& kv : set) {
    if (kv.value().is_null()) it->second.info.erase(kv.key());
    else it->second.info[kv.key()] = kv.value();
  }
  return {};
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
