#include "connectors/targets/sophon_person.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <optional>
#include <exception>

#include "base/base64.h"
#include "connectors/targets/code_table.h"
#include "connectors/targets/document_builder.h"
#include "connectors/targets/held_document.h"
#include "base/json_members.h"
#include "base/url_escape.h"
#include "connectors/targets/option_check.h"
#include "connectors/targets/create_body.h"
#include "connectors/targets/photo_file.h"
#include "connectors/targets/unreadable_response.h"

namespace hrsync {
namespace {

namespace od = simdjson::ondemand;

constexpr Disposition P = Disposition::kPermanent;

constexpr std::string_view kPhotoMember = "reg_photo";

// The status codes of docs/api-notes.md (the API document lists none; it gives no HTTP
// statuses).
// Only 50072 (the server failed to process) is transient. The box reads the face first, so a
// photo it finds no face in, of too low a quality or too large refuses the whole update: those
// three refuse the photo alone, and the person is sent again at once without it (the photo that
// would not decode, 40003, is refused at plan time). 40401 answers an identity the box does not
// hold: the person is not in the target, absent rather than failed.
constexpr std::array<CodeRule, 9> kCodes = {{
    {40003, 0, P, "IMAGE_ERROR"},
    {40004, 0, P, "NO_FACE", std::nullopt, kPhotoMember},
    {40006, 0, P, "LOW_QUALITY_ERROR", std::nullopt, kPhotoMember},
    {40007, 0, P, "IMAGE_SIZE_TOO_LARGE_ERROR", std::nullopt, kPhotoMember},
    {40011, 0, P, "IDENTITY_EXSIT_ERROR (identity already exists)"},
    {40400, 0, P, "NOT_FOUND"},
    not_held({40401, 0, P, "ID_NOT_FOUND"}),
    {41300, 0, P, "PAYLOAD_TOO_LARGE"},
    {50072, 0, Disposition::kRetry, "SERVER_PROCESS_FAILED"},
}};

constexpr std::array<Field, 1> kRequired = {Field::kEmployeeNo};

// The document's cells but the photo (checked from its file, see photo()), in byte order: the key
// as identity_id, then info, which is always sent (possibly empty).
constexpr std::array<FieldRule, 4> kRules = {{
    {.column = Field::kEmployeeNo, .member = "identity_id", .kind = FieldKind::kText, .need = Need::kRequired},
    {.column = Field::kName, .object = "info", .member = "name", .kind = FieldKind::kText},
    {.column = Field::kPermissionIds, .object = "info", .member = "permission_ids", .kind = FieldKind::kIdList},
    {.column = Field::kPersonType, .object = "info", .member = "type", .kind = FieldKind::kInteger, .min = 1, .max = 5},
}};

constexpr std::string_view kInfoMember = "info";

// The photos the box takes. The document gives no limit; the box refuses a larger photo with
// 40007 and an undecodable one with 40003, so a photo outside these is invalid at plan time and
// never uploaded. Checked from the file's size and first bytes only.
constexpr std::uint64_t kPhotoMaxBytes = 2 * 1024 * 1024;  // decoded bytes
constexpr std::array<ImageFormat, 2> kPhotoFormats = {ImageFormat::kJpeg, ImageFormat::kPng};

// Members of info whose absence the box reads as a default ("type": 1 employee,
// "permission_ids": ["0"]): an empty cell keeps the last applied value instead.
constexpr std::array<std::string_view, 2> kKeptInfo = {"permission_ids", "type"};
constexpr std::array<std::string_view, 2> kDefaultInfo = {R"(["0"])", "1"};  // kKeptInfo's defaults, in order

// What on_missing does to a person who left the source.
enum class MissingPolicy : std::uint8_t { kIgnore, kRevoke, kBlacklist };
constexpr std::string_view kRevokedPermissions = "[]";  // info.permission_ids: no group
constexpr std::string_view kBlacklistType = "3";        // info.type: 3 blacklist

// `body` with info's member `key` set to `raw`; nullopt when `body` is not a Sophon document.
std::optional<std::string> with_info_member(std::string_view body, std::string_view key, std::string_view raw) {
  JsonMembers top;
  JsonMembers info;
  if (!split_members(body, top)) return std::nullopt;
  JsonMember* in = top.find(kInfoMember);
  if (in == nullptr || !split_members(in->raw, info)) return std::nullopt;
  if (JsonMember* m = info.find(key)) {
    m->raw = raw;
  } else if (!info.push({key, raw})) {
    return std::nullopt;
  }
  std::string info_text;
  write_members(info_text, info);
  in->raw = info_text;
  std::string out;
  write_members(out, top);
  return out;
}

// What a Sophon body says.
struct SophonReply {
  bool has_data = false;
  bool has_error = false;
  bool has_code = false;
  std::int64_t code = 0;
  std::string message;  // "STATUS: message"
};

// Reads {"code","message","status"} of an error object.
std::string read_error(od::value value, SophonReply& out) {
  od::object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return "member \"error\" is not an object";
  std::string_view text;
  std::string status;
  std::string message;
  for (auto item : obj) {
    od::field field;
    std::string_view key;
    if (auto err = std::move(item).get(field)) return fmt::format("body is not valid JSON ({})", simdjson::error_message(err));
    if (auto err = field.unescaped_key().get(key)) return fmt::format("body is not valid JSON ({})", simdjson::error_message(err));
    if (key == "code") {
      if (field.value().get_int64().get(out.code) != simdjson::SUCCESS) return "error.code is not an integer";
      out.has_code = true;
    } else if (key == "message") {
      if (field.value().get_string().get(text) == simdjson::SUCCESS) message.assign(text);
    } else if (key == "status") {
      if (field.value().get_string().get(text) == simdjson::SUCCESS) status.assign(text);
    }
  }
  if (!out.has_code) return "member \"error\" has no integer \"code\"";
  out.message = status.empty() ? std::move(message) : fmt::format("{}: {}", status, message);
  return {};
}

// Reads `body` into `out`; returns "" or what was wrong with it.
std::string read_reply(std::string_view body, SophonReply& out) {
  thread_local od::parser parser;
  simdjson::padded_string padded(body);
  od::document doc;
  if (auto err = parser.iterate(padded).get(doc)) return fmt::format("body is not JSON ({})", simdjson::error_message(err));
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return "body is not a JSON object";
  for (auto item : obj) {
    od::field field;
    std::string_view key;
    if (auto err = std::move(item).get(field)) return fmt::format("body is not valid JSON ({})", simdjson::error_message(err));
    if (auto err = field.unescaped_key().get(key)) return fmt::format("body is not valid JSON ({})", simdjson::error_message(err));
    if (key == "data") {
      out.has_data = true;
    } else if (key == "error") {
      out.has_error = true;
      if (std::string what = read_error(field.value(), out); !what.empty()) return what;
    }
  }
  if (!out.has_data && !out.has_error) return "body is neither {\"data\":...} nor {\"error\":...}";
  return {};
}

Verdict classify_reply(int http_status, std::string_view body, std::span<const CodeRule> table) {
  SophonReply reply;
  if (std::string what = read_reply(body, reply); !what.empty()) return unreadable_response(http_status, what, body);
  if (!reply.has_error) {
    if (http_status == 429) return unreadable_response(http_status, "throttled", body);
    if (is_http_success(http_status)) return Verdict{.disposition = Disposition::kSuccess, .code = 0};
    return unreadable_response(http_status, "\"data\" with a failure status", body);
  }
  Verdict v;
  v.code = reply.code;
  v.message = std::move(reply.message);
  apply_rule(v, find_code(table, reply.code));
  if (http_status == 429) v.disposition = Disposition::kRateLimited;
  return v;
}

// The photo `desired` names, read from its file (Document::attachment) as a JSON string of base64.
// The file is read again as it is sent: bounded (a regular file of at most the box's 2 MiB), and
// it must be the photo the plan hashed (`planned`, the document's reg_photo member as written).
Result<std::string> photo_bytes(const Document& desired, std::string_view planned) {
  if (desired.attachment.empty()) {
    return fail(Error::Kind::kInternal, fmt::format("sophon_person {}", desired.key),
                "the document names a photo but carries no photo path (Document::attachment)");
  }
  Result<std::string> bytes = read_whole_file(desired.attachment, kPhotoMaxBytes);
  if (!bytes) return std::unexpected(std::move(bytes.error()));
  const HashText sent = hash_text(hash_bytes(*bytes));
  if (planned.size() != sent.view().size() + 2 || planned.substr(1, sent.view().size()) != sent.view()) {
    return fail(Error::Kind::kIo, desired.attachment,
                fmt::format("the photo changed after the plan was made (now {}, planned {}): not sent; the next run "
                            "plans the photo the file holds then",
                            sent.view(), planned));
  }
  std::string inline_photo;
  inline_photo.reserve(bytes->size() / 3 * 4 + 8);
  inline_photo.push_back('"');
  append_base64(inline_photo, *bytes);
  inline_photo.push_back('"');
  return inline_photo;
}

// The update: a PUT of the person, its photo inlined when it changed.
class SophonPersonUpdate final : public UpdateOperation {
 public:
  Result<Request> build_request(const Document& desired, const Document* last) const override;
  std::optional<Document> without_member(const Document& desired, const Document* last,
                                         std::string_view member) const override;

  std::string_view endpoint() const override { return "PUT /SophonFogSys/api/users"; }

  // The box documents no throttle header: a throttled answer pauses for the engine's default.
  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders&) const override {
    try {
      return classify_reply(http_status, body, kCodes);
    } catch (const std::exception& e) {
      return unreadable_response(http_status, fmt::format("could not read the body ({})", e.what()), {});
    }
  }
  std::span<const CodeRule> codes() const override { return kCodes; }

  // Not documented: a conservative default; [targets.sophon_person] rate in the job config overrides it.
  std::vector<RateTier> default_rate() const override { return {{10, 1}}; }
  bool rate_documented() const override { return false; }
};

// The codes of the person create (sophon-manual, docs/api-notes.md): the update's, and 40000
// BAD_REQUEST for a missing photo, group_name or identity_id (the box's code for a missing
// parameter; unconfirmed for the photo). 40011 answers an identity the box holds already.
constexpr std::array<CodeRule, 1> kCreateOwnCodes = {{
    {40000, 0, P, "BAD_REQUEST (no reg_photo, group_name or identity_id)"},
}};
constexpr auto kCreateCodes = join_codes(kCreateOwnCodes, kCodes);

// The create: a POST of the person with its photo inlined and the group(s) of option group_name
// (without one no create is sent: unusable()). Never ignore_exist: a person the box holds already
// is refused (40011), not overwritten.
class SophonPersonCreate final : public CreateOperation {
 public:
  explicit SophonPersonCreate(const TargetOptions& o)
      : group_name_(o.group_name), group_raw_(json_string(o.group_name)), extra_{{{"group_name", group_raw_}}} {}

  Result<Request> build_request(const Document& desired) const override;

  std::string_view endpoint() const override { return "POST /SophonFogSys/api/users"; }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders&) const override {
    try {
      return classify_reply(http_status, body, kCreateCodes);
    } catch (const std::exception& e) {
      return unreadable_response(http_status, fmt::format("could not read the body ({})", e.what()), {});
    }
  }
  std::span<const CodeRule> codes() const override { return kCreateCodes; }

  std::vector<RateTier> default_rate() const override { return {{10, 1}}; }
  bool rate_documented() const override { return false; }

  // The box creates no person without a photo (40000): a photo cell empty, or one the
  // projection left out as unusable.
  std::optional<Invalid> refuses(const Document& desired) const override {
    JsonMembers members;
    if (split_members(desired.body, members) && members.find(kPhotoMember) != nullptr) return std::nullopt;
    return Invalid{std::string(kPhotoMember), "no usable photo: the box creates no person without one (40000)"};
  }

  std::string unusable() const override {
    if (!group_name_.empty()) return {};
    return "targets.sophon_person.group_name is not set: the box files a created person under a group";
  }

 private:
  std::string group_name_;
  std::string group_raw_;  // group_name as a JSON string
  std::array<JsonMember, 1> extra_;
};

// The codes of the person query (sophon-manual, docs/api-notes.md): 40401 answers an identity the
// box does not hold, which the read reports absent.
constexpr std::array<CodeRule, 3> kReadCodes = {{
    {40000, 0, P, "BAD_REQUEST (neither identity_id nor group_name)"},
    {40401, 0, Disposition::kSuccess, "ID_NOT_FOUND: the box does not hold the person (read as absent)"},
    {50072, 0, Disposition::kRetry, "SERVER_PROCESS_FAILED"},
}};

// The read: a query of one person by identity_id, answered with
// {"data": {"identities_list": [{identity_id, group_name[], info, image_id?}]}}. The box answers
// no photo (an image id at most), so a document read holds identity_id and info, not reg_photo.
class SophonPersonRead final : public ReadOperation {
 public:
  std::string_view endpoint() const override { return "GET /SophonFogSys/api/users?identity_id=:identity_id"; }
  std::size_t batch_size() const override { return 1; }

  Result<Request> build_request(std::span<const std::string> keys) const override {
    if (auto ok = check_batch("sophon_person read", keys, batch_size()); !ok) return std::unexpected(std::move(ok.error()));
    Request req{.method = "GET", .target = "/SophonFogSys/api/users?identity_id="};
    append_url_escaped(req.target, keys.front());
    return req;
  }

  Result<ReadPage> read_page(std::span<const std::string> keys, std::string_view body) const override;

  // The box gives no photo back: the photo last sent is taken as the one it holds.
  bool sees_all() const override { return false; }
  void complete(Document& held, const Document& last_applied) const override;

  // The box documents no throttle header: a throttled answer pauses for the engine's default.
  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders&) const override {
    try {
      return classify_reply(http_status, body, kReadCodes);
    } catch (const std::exception& e) {
      return unreadable_response(http_status, fmt::format("could not read the body ({})", e.what()), {});
    }
  }
  std::span<const CodeRule> codes() const override { return kReadCodes; }

  // None documented: the update's conservative default; the job config overrides it.
  std::vector<RateTier> default_rate() const override { return {{10, 1}}; }
  bool rate_documented() const override { return false; }
};

Result<ReadPage> SophonPersonRead::read_page(std::span<const std::string> keys, std::string_view body) const {
  namespace dom = simdjson::dom;
  dom::parser parser;
  const simdjson::padded_string padded(body);
  dom::object root;
  if (parser.parse(padded).get_object().get(root) != simdjson::SUCCESS) {
    return fail(Error::Kind::kProtocol, "sophon_person read", "the answer is no JSON object");
  }
  ReadPage page;
  std::int64_t code = 0;
  if (root["error"]["code"].get_int64().get(code) == simdjson::SUCCESS) {
    if (code != 40401) return fail(Error::Kind::kProtocol, "sophon_person read", fmt::format("the answer's code is {}", code));
    page.absent.assign(keys.begin(), keys.end());
    return page;
  }
  dom::array list;
  if (root["data"]["identities_list"].get_array().get(list) != simdjson::SUCCESS) {
    return fail(Error::Kind::kProtocol, "sophon_person read", "the answer has no data.identities_list");
  }
  for (dom::element e : list) {
    dom::object person;
    if (e.get_object().get(person) != simdjson::SUCCESS) continue;
    const std::string_view key = held_string(person, "identity_id");
    if (!asked_for(keys, key)) continue;
    page.found.push_back(held_document(key, person, kRules, held_nested));
  }
  add_absent(keys, page);
  return page;
}

void SophonPersonRead::complete(Document& held, const Document& last_applied) const {
  JsonMembers has;
  JsonMembers had;
  if (!split_members(held.body, has) || !split_members(last_applied.body, had)) return;
  const JsonMember* photo = had.find(kPhotoMember);
  if (photo == nullptr || has.find(kPhotoMember) != nullptr || !has.push(*photo)) return;
  std::string body;
  write_members(body, has);
  held.body = std::move(body);
  held.seal();
}

class SophonPerson final : public TargetConnector {
 public:
  explicit SophonPerson(const TargetOptions& o)
      : photo_dir_(o.photo_dir), missing_(missing_policy(o.on_missing)), create_(o) {}

  std::string_view id() const override { return "sophon_person"; }
  Platform platform() const override { return Platform::kSophon; }
  Entity entity() const override { return Entity::kEmployees; }
  std::span<const Field> required_columns() const override { return kRequired; }

  std::span<const FieldRule> field_rules() const override { return kRules; }

  std::expected<Document, Invalid> project(const Record& r) const override {
    Document d;
    d.key.assign(r.get(Field::kEmployeeNo));
    d.body.reserve(128 + r.get(Field::kName).size() + r.get(Field::kPermissionIds).size());
    DocumentBuilder b(r, d.body);
    const bool ok = b.begin_object() && b.members(kRules) && photo(r, b, d) && b.end_object();
    if (!ok) return std::unexpected(b.take_invalid());
    d.seal();
    return d;
  }

  std::optional<Document> on_missing(const Document& last) const override {
    if (missing_ == MissingPolicy::kIgnore) return std::nullopt;
    const bool revoke = missing_ == MissingPolicy::kRevoke;
    auto body = with_info_member(last.body, revoke ? "permission_ids" : "type",
                                 revoke ? kRevokedPermissions : kBlacklistType);
    if (!body) return std::nullopt;
    Document d{last.key, std::move(*body)};
    d.seal();
    return d;
  }

  std::optional<Document> on_return(const Document& desired, const Document& before_leaving) const override;

  void keep_unset(Document& desired, const Document& last) const override;

  const UpdateOperation& update() const override { return update_; }
  const ReadOperation* read() const override { return &read_; }
  const CreateOperation* create() const override { return &create_; }

 private:
  static MissingPolicy missing_policy(std::string_view name) {
    if (name == "revoke") return MissingPolicy::kRevoke;
    if (name == "blacklist") return MissingPolicy::kBlacklist;
    return MissingPolicy::kIgnore;
  }

  // Checks the photo cell and writes the photo's content hash; the path goes to d.attachment. A
  // photo the box would refuse is left out and noted in d.omitted_*: the rest of the person is
  // still sent, and the box keeps the face it has.
  bool photo(const Record& r, DocumentBuilder& b, Document& d) const {
    const std::string_view cell = r.get(Field::kPhoto);
    if (cell.empty()) return true;
    std::string path = resolve_photo_path(cell, photo_dir_);
    const auto hash = hash_usable_photo(path, {kPhotoFormats, kPhotoMaxBytes, "the box takes"});
    if (!hash) {
      d.omitted_field.assign(kPhotoMember);
      d.omitted_rule = fmt::format("column {}: {}; the photo is not sent and the rest of the person is", field_name(Field::kPhoto), hash.error());
      return true;
    }
    b.writer().key(kPhotoMember).string(hash_text(*hash).view());
    d.attachment = std::move(path);
    return true;
  }

  std::string photo_dir_;  // base folder of relative photo paths
  MissingPolicy missing_;
  SophonPersonUpdate update_;
  SophonPersonRead read_;
  SophonPersonCreate create_;
};

// A person revoked or blacklisted as a leaver and back in the source: the type and groups its
// record leaves empty are the ones the person had before (or the box's defaults, which it then
// held), not the revoked ones keep_unset() would keep.
std::optional<Document> SophonPerson::on_return(const Document& desired, const Document& before_leaving) const {
  JsonMembers want;
  JsonMembers had;
  JsonMembers want_info;
  JsonMembers had_info;
  if (!split_members(desired.body, want) || !split_members(before_leaving.body, had)) return std::nullopt;
  JsonMember* wi = want.find(kInfoMember);
  const JsonMember* hi = had.find(kInfoMember);
  if (wi == nullptr || !split_members(wi->raw, want_info)) return std::nullopt;
  if (hi != nullptr && !split_members(hi->raw, had_info)) had_info.clear();
  bool given = false;
  for (std::size_t i = 0; i < kKeptInfo.size(); ++i) {
    if (want_info.find(kKeptInfo[i]) != nullptr) continue;
    const JsonMember* m = had_info.find(kKeptInfo[i]);
    given = want_info.push(m != nullptr ? *m : JsonMember{kKeptInfo[i], kDefaultInfo[i]}) || given;
  }
  if (!given) return std::nullopt;
  std::string info;
  write_members(info, want_info);
  wi->raw = info;
  Document d{desired.key, {}};
  write_members(d.body, want);
  d.attachment = desired.attachment;
  d.seal();
  return d;
}

void SophonPerson::keep_unset(Document& desired, const Document& last) const {
  JsonMembers want;
  JsonMembers had;
  JsonMembers want_info;
  JsonMembers had_info;
  if (!split_members(desired.body, want) || !split_members(last.body, had)) return;
  JsonMember* wi = want.find(kInfoMember);
  const JsonMember* hi = had.find(kInfoMember);
  if (wi == nullptr || hi == nullptr || !split_members(wi->raw, want_info) || !split_members(hi->raw, had_info)) return;
  bool kept = false;
  std::string info;
  for (const std::string_view key : kKeptInfo) {
    const JsonMember* m = had_info.find(key);
    if (want_info.find(key) != nullptr || m == nullptr) continue;
    kept = want_info.push(*m) || kept;
  }
  if (kept) {
    write_members(info, want_info);
    wi->raw = info;
  }
  // An empty or refused photo cell: the box keeps the face it has (an absent reg_photo keeps it).
  if (const JsonMember* m = had.find(kPhotoMember); m != nullptr && want.find(kPhotoMember) == nullptr) {
    kept = want.push(*m) || kept;
  }
  if (!kept) return;
  std::string body;
  write_members(body, want);
  desired.body = std::move(body);
  desired.seal();
}

Result<Request> SophonPersonUpdate::build_request(const Document& desired, const Document* last) const {
  Request req{.method = "PUT", .target = "/SophonFogSys/api/users"};
  JsonMembers members;
  if (!split_members(desired.body, members)) {
    return fail(Error::Kind::kInternal, fmt::format("sophon_person {}", desired.key), "the document is not a JSON object");
  }
  JsonMember* photo = members.find(kPhotoMember);
  if (photo == nullptr) {
    req.document_body = desired.body;
    return req;
  }
  // The box holds this photo already: send the rest alone (an absent reg_photo keeps the face).
  JsonMembers had;
  const JsonMember* had_photo = last != nullptr && split_members(last->body, had) ? had.find(kPhotoMember) : nullptr;
  if (had_photo != nullptr && had_photo->raw == photo->raw) {
    JsonMembers rest;
    for (const JsonMember& m : members) {
      if (m.key != kPhotoMember) rest.push(m);
    }
    write_members(req.built_body.emplace(), rest);
    return req;
  }
  Result<std::string> inline_photo = photo_bytes(desired, photo->raw);
  if (!inline_photo) return std::unexpected(std::move(inline_photo.error()));
  photo->raw = *inline_photo;
  std::string& body = req.built_body.emplace();
  body.reserve(desired.body.size() + inline_photo->size());
  write_members(body, members);
  return req;
}

// A photo the box refused (40004, 40006, 40007): the person as the box holds its face, the last
// applied photo (which build_request() then does not send) or none, so that name, type and groups
// land.
std::optional<Document> SophonPersonUpdate::without_member(const Document& desired, const Document* last,
                                                           std::string_view member) const {
  if (member != kPhotoMember) return std::nullopt;
  JsonMembers members;
  if (!split_members(desired.body, members) || members.find(kPhotoMember) == nullptr) return std::nullopt;
  JsonMembers had;
  const JsonMember* had_photo = last != nullptr && split_members(last->body, had) ? had.find(kPhotoMember) : nullptr;
  JsonMembers rest;
  for (const JsonMember& m : members) {
    if (m.key != kPhotoMember) rest.push(m);
  }
  if (had_photo != nullptr) rest.push(*had_photo);
  Document d{desired.key, {}};
  write_members(d.body, rest);
  d.seal();
  return d;
}

Result<Request> SophonPersonCreate::build_request(const Document& desired) const {
  const std::string what = fmt::format("sophon_person {}", desired.key);
  auto body = create_body(desired, std::span<const JsonMember>(extra_), what);
  if (!body) return std::unexpected(std::move(body.error()));
  JsonMembers members;
  if (!split_members(*body, members)) return fail(Error::Kind::kInternal, what, "the document is not a JSON object");
  Request req{.method = "POST", .target = "/SophonFogSys/api/users"};
  JsonMember* photo = members.find(kPhotoMember);
  if (photo == nullptr) {  // the box refuses it (40000): sent all the same, so the refusal is reported
    req.built_body = std::move(*body);
    return req;
  }
  Result<std::string> inline_photo = photo_bytes(desired, photo->raw);
  if (!inline_photo) return std::unexpected(std::move(inline_photo.error()));
  photo->raw = *inline_photo;
  std::string& out = req.built_body.emplace();
  out.reserve(body->size() + inline_photo->size());
  write_members(out, members);
  return req;
}

}  // namespace

Result<std::unique_ptr<TargetConnector>> make_sophon_person(const TargetOptions& options) {
  OptionUse use;
  use.photo_dir = true;
  use.revoke = true;
  use.group_name = true;
  if (auto ok = check_options("sophon_person", options, use); !ok) return std::unexpected(std::move(ok.error()));
  return std::make_unique<SophonPerson>(options);
}

}  // namespace hrsync
