#include "connectors/targets/attendance_face.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "base/json_members.h"
#include "base/url_escape.h"
#include "connectors/targets/code_table.h"
#include "connectors/targets/create_body.h"
#include "connectors/targets/document_builder.h"
#include "connectors/targets/feishu_envelope.h"
#include "connectors/targets/held_document.h"
#include "diff/json_writer.h"
#include "connectors/targets/option_check.h"
#include "connectors/targets/photo_file.h"

namespace hrsync {
namespace {

constexpr Disposition P = Disposition::kPermanent;

// Every code of the API document. 1225000 (HTTP 500, e.g. "internal server error") is transient;
// 1220002 (tenant_id is empty: the document points at the tenant_access_token) asks for a fresh
// token, which the engine tries once; the others are faults of the request or of permissions.
// 1220004 answers a user_id that "is not exist or does not have permission": the user is not in
// the target, absent rather than failed (docs/api-notes.md).
constexpr std::array<CodeRule, 7> kDocumentCodes = {{
    {1220001, 400, P, "param is invalid (e.g. employee_type invalid)"},
    {1220002, 400, Disposition::kRefreshToken, "tenant_id is empty (check the tenant_access_token)"},
    not_held({1220004, 400, P, "param is invalid (e.g. user_id is not exist or does not have permission)"}),
    {1220005, 400, P, "no permission (attendance admin data scope)"},
    {1225000, 500, Disposition::kRetry, "internal server error"},
    {1227000, 400, P, "historical error code, no longer used"},
    {1220600, 400, P, "general error (see the attendance error messages)"},
}};

constexpr auto kCodes = join_codes(kDocumentCodes, kFeishuCommonCodes);

// The document's cells, in byte order, when option employee_type is employee_no: the key is
// user_setting.user_id. face_key_update_time is in seconds: ten digits (milliseconds are refused).
constexpr std::array<FieldRule, 3> kRulesByEmployeeNo = {{
    {.column = Field::kFaceKey, .object = "user_setting", .member = "face_key", .kind = FieldKind::kText, .need = Need::kRequired},
    {.column = Field::kFaceKeyUpdateTime, .object = "user_setting", .member = "face_key_update_time",
     .kind = FieldKind::kIntegerText, .min = 0, .max = 9999999999},
    {.column = Field::kEmployeeNo, .object = "user_setting", .member = "user_id", .kind = FieldKind::kText, .need = Need::kRequired},
}};
// The same when employee_type is employee_id: the key is the user_id column.
constexpr std::array<FieldRule, 3> kRulesByUserId = [] {
  std::array<FieldRule, 3> rules = kRulesByEmployeeNo;
  rules[2].column = Field::kUserId;
  return rules;
}();

// With face_from = "photo": the same without face_key, which the upload gives at send time; the
// document carries the photo's content hash instead (kPhotoMember, beside user_setting).
constexpr auto without_face_key(const std::array<FieldRule, 3>& rules) {
  return std::array<FieldRule, 2>{rules[1], rules[2]};
}
constexpr std::array<FieldRule, 2> kPhotoRulesByEmployeeNo = without_face_key(kRulesByEmployeeNo);
constexpr std::array<FieldRule, 2> kPhotoRulesByUserId = without_face_key(kRulesByUserId);

// The top-level member of a face_from = "photo" document: the photo's content hash
// ("xxh3:<16 hex>"), never sent (the upload's id goes as user_setting.face_key instead).
constexpr std::string_view kPhotoMember = "photo";
constexpr std::string_view kSettingMember = "user_setting";

// The photos hrsync uploads. The upload document gives no size or format limit: JPEG and PNG
// (what the face box takes, and what the emulator checks besides BMP) and at most 2 MiB, checked
// from the file's size and first bytes at plan time and again as the file is read to be sent.
constexpr std::uint64_t kPhotoMaxBytes = 2 * 1024 * 1024;
constexpr std::array<ImageFormat, 2> kPhotoFormats = {ImageFormat::kJpeg, ImageFormat::kPng};

// The upload's codes (the upload document, docs/api-notes.md "Faces from photos"): 1220001 for a
// missing file_name or file, or a file it cannot take; 1220002 asks for a fresh token; 1225000 and
// 1227000 (HTTP 500, system errors) are transient. None refuses the photo alone: a refused upload
// fails the entity, and its face setting is not sent.
constexpr std::array<CodeRule, 4> kUploadDocumentCodes = {{
    {1220001, 400, P, "param is invalid (no file_name, no file, or a file it does not take)"},
    {1220002, 400, Disposition::kRefreshToken, "tenant does not exist (check the tenant_access_token)"},
    {1225000, 500, Disposition::kRetry, "system error"},
    {1227000, 500, Disposition::kRetry, "management service system error"},
}};
constexpr auto kUploadCodes = join_codes(kUploadDocumentCodes, kFeishuCommonCodes);

// Documented: 50/s (the upload document). The uploads go through a lane of their own besides the
// target's endpoint limit, which every request of the target (uploads and modifies) takes.
constexpr std::array<RateTier, 1> kUploadTiers = {{{50, 1}}};
constexpr std::array<Lane, 1> kUploadLanes = {{{"upload", kUploadTiers, "photo uploads before a face setting"}}};

// What a photo's first bytes make of its upload file name ("带后缀的文件名": the name with its suffix).
std::string_view upload_file_name(ImageFormat f) { return f == ImageFormat::kPng ? "face.png" : "face.jpg"; }

// The photo `desired` names (Document::attachment), read as it is sent: bounded, and the photo the
// plan hashed (the document's kPhotoMember, as written).
Result<std::string> photo_bytes(const Document& desired) {
  const std::string what = fmt::format("attendance_face {}", desired.key);
  JsonMembers members;
  const JsonMember* planned = split_members(desired.body, members) ? members.find(kPhotoMember) : nullptr;
  if (planned == nullptr || desired.attachment.empty()) {
    return fail(Error::Kind::kInternal, what, "the document names no photo to upload (face_from = \"photo\")");
  }
  Result<std::string> bytes = read_whole_file(desired.attachment, kPhotoMaxBytes);
  if (!bytes) return std::unexpected(std::move(bytes.error()));
  const HashText sent = hash_text(hash_bytes(*bytes));
  if (planned->raw.size() != sent.view().size() + 2 || planned->raw.substr(1, sent.view().size()) != sent.view()) {
    return fail(Error::Kind::kIo, desired.attachment,
                fmt::format("the photo changed after the plan was made (now {}, planned {}): not sent; the next run "
                            "plans the photo the file holds then",
                            sent.view(), planned->raw));
  }
  return bytes;
}

// The upload: a multipart POST of the photo, answered with data.file.file_id, the id a face
// setting's face_key takes.
class AttendanceFaceUpload final : public PriorOperation {
 public:
  std::string_view name() const override { return "upload"; }
  std::string_view endpoint() const override { return "POST /open-apis/attendance/v1/files/upload"; }

  Result<Request> build_request(const Document& desired) const override {
    Result<std::string> bytes = photo_bytes(desired);
    if (!bytes) return std::unexpected(std::move(bytes.error()));
    const ImageFormat format = bytes->starts_with("\x89PNG") ? ImageFormat::kPng : ImageFormat::kJpeg;
    // A boundary the photo does not hold: derived from its hash, lengthened until it is absent.
    std::string boundary = fmt::format("hrsync-{:016x}", hash_bytes(*bytes));
    while (bytes->find(boundary) != std::string::npos) boundary += 'x';
    Request req{.method = "POST", .target = "/open-apis/attendance/v1/files/upload?file_name="};
    append_url_escaped(req.target, upload_file_name(format));
    req.lane = kUploadLanes[0].name;
    req.content_type = "multipart/form-data; boundary=" + boundary;
    std::string& body = req.built_body.emplace();
    body.reserve(bytes->size() + 2 * boundary.size() + 160);
    body += fmt::format("--{}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n"
                        "Content-Type: application/octet-stream\r\n\r\n",
                        boundary, upload_file_name(format));
    body += *bytes;
    body += fmt::format("\r\n--{}--\r\n", boundary);
    return req;
  }

  Result<std::string> read_given(std::string_view body) const override {
    simdjson::dom::parser parser;
    const simdjson::padded_string padded(body);
    auto data = feishu_data(parser, padded, "attendance_face upload");
    if (!data) return std::unexpected(std::move(data.error()));
    std::string_view id;
    if ((*data)["file"]["file_id"].get_string().get(id) != simdjson::SUCCESS || id.empty()) {
      return fail(Error::Kind::kProtocol, "attendance_face upload", "the answer has no data.file.file_id");
    }
    return std::string(id);
  }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kUploadCodes);
  }
  std::span<const CodeRule> codes() const override { return kUploadCodes; }
  std::vector<RateTier> default_rate() const override { return {kUploadTiers.begin(), kUploadTiers.end()}; }
  std::span<const Lane> lanes() const override { return kUploadLanes; }
};

// The update: a POST of the user's face setting. With face_from = "photo" the photo is uploaded
// first (prior()) and the setting sent with the upload's id as its face_key.
class AttendanceFaceUpdate final : public UpdateOperation {
 public:
  explicit AttendanceFaceUpdate(const TargetOptions& o)
      : target_("/open-apis/attendance/v1/user_settings/modify?employee_type=" + o.employee_type),
        from_photo_(o.face_from == "photo") {}

  Result<Request> build_request(const Document& desired, const Document*) const override {
    if (from_photo_) {
      return fail(Error::Kind::kInternal, fmt::format("attendance_face {}", desired.key),
                  "a face from a photo is sent with the upload's id (build_request_given)");
    }
    return Request{.method = "POST", .target = target_, .document_body = desired.body};
  }

  // `desired` without its photo hash, the upload's id `given` as user_setting.face_key.
  Result<Request> build_request_given(const Document& desired, const Document* last,
                                      std::string_view given) const override {
    if (!from_photo_) return build_request(desired, last);
    const std::string what = fmt::format("attendance_face {}", desired.key);
    JsonMembers top;
    JsonMembers setting;
    const JsonMember* in = split_members(desired.body, top) ? top.find(kSettingMember) : nullptr;
    if (in == nullptr || !split_members(in->raw, setting)) return fail(Error::Kind::kInternal, what, "the document has no user_setting");
    const std::string key = json_string(given);
    if (!setting.push({"face_key", key})) return fail(Error::Kind::kInternal, what, "user_setting is full");
    std::string setting_text;
    write_members(setting_text, setting);
    JsonMembers out;
    out.push({kSettingMember, setting_text});
    Request req{.method = "POST", .target = target_};
    write_members(req.built_body.emplace(), out);
    return req;
  }

  const PriorOperation* prior() const override { return from_photo_ ? &upload_ : nullptr; }

  std::string_view endpoint() const override { return "POST /open-apis/attendance/v1/user_settings/modify"; }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kCodes);
  }
  std::span<const CodeRule> codes() const override { return kCodes; }

  std::vector<RateTier> default_rate() const override { return {{50, 1}}; }

 private:
  std::string target_;  // path and query
  bool from_photo_;     // face_from = "photo"
  AttendanceFaceUpload upload_;
};

// The read: a query of the users' face settings, {"user_ids": [...]}, answered with
// data.user_settings[] {user_id, face_key?, face_key_update_time?} per user held. The official
// page and the Node SDK 1.74.0 send it as GET with a JSON body; hrsync sends POST, since some
// proxies and clients drop a GET's body: which the server takes is still to be checked
// (docs/api-notes.md). The attendance document's codes are the update's.
class AttendanceFaceRead final : public ReadOperation {
 public:
  AttendanceFaceRead(const TargetOptions& o, std::span<const FieldRule> rules)
      : target_("/open-apis/attendance/v1/user_settings/query?employee_type=" + o.employee_type),
        rules_(rules),
        from_photo_(o.face_from == "photo") {}

  // With face_from = "photo" the answer holds a face_key, not the photo it came from: the photo
  // last uploaded is taken as the one the setting holds.
  bool sees_all() const override { return !from_photo_; }
  void complete(Document& held, const Document& last_applied) const override {
    JsonMembers has;
    JsonMembers had;
    if (!from_photo_ || !split_members(held.body, has) || !split_members(last_applied.body, had)) return;
    const JsonMember* photo = had.find(kPhotoMember);
    if (photo == nullptr || has.find(kPhotoMember) != nullptr || !has.push(*photo)) return;
    std::string body;
    write_members(body, has);
    held.body = std::move(body);
    held.seal();
  }

  std::string_view endpoint() const override { return "POST /open-apis/attendance/v1/user_settings/query"; }
  // Not documented: 50, the contact batch get's size, until confirmed.
  std::size_t batch_size() const override { return 50; }

  Result<Request> build_request(std::span<const std::string> keys) const override {
    if (auto ok = check_batch("attendance_face read", keys, batch_size()); !ok) return std::unexpected(std::move(ok.error()));
    Request req{.method = "POST", .target = target_};
    std::string body;
    JsonWriter w(body);
    w.begin_object().key("user_ids").begin_array();
    for (const std::string& key : keys) w.string(key);
    w.end_array().end_object();
    req.built_body = std::move(body);
    return req;
  }

  Result<ReadPage> read_page(std::span<const std::string> keys, std::string_view body) const override {
    namespace dom = simdjson::dom;
    dom::parser parser;
    const simdjson::padded_string padded(body);
    auto data = feishu_data(parser, padded, "attendance_face read");
    if (!data) return std::unexpected(std::move(data.error()));
    dom::array settings;
    if ((*data)["user_settings"].get_array().get(settings) != simdjson::SUCCESS) {
      return fail(Error::Kind::kProtocol, "attendance_face read", "the answer has no data.user_settings");
    }
    ReadPage page;
    for (dom::element e : settings) {
      dom::object setting;
      if (e.get_object().get(setting) != simdjson::SUCCESS) continue;
      const std::string_view key = held_string(setting, "user_id");
      if (!asked_for(keys, key)) continue;
      page.found.push_back(held_document(key, setting, rules_, held_flat));
    }
    add_absent(keys, page);
    return page;
  }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kCodes);
  }
  std::span<const CodeRule> codes() const override { return kCodes; }

  // Documented (feishu:settings-query).
  std::vector<RateTier> default_rate() const override { return {{50, 1}}; }

 private:
  std::string target_;               // path and query
  std::span<const FieldRule> rules_;  // the projection's
  bool from_photo_;                   // face_from = "photo"
};

class AttendanceFace final : public TargetConnector {
 public:
  explicit AttendanceFace(const TargetOptions& o)
      : key_column_(o.employee_type == "employee_no" ? Field::kEmployeeNo : Field::kUserId),
        from_photo_(o.face_from == "photo"),
        rules_(rules_for(key_column_, from_photo_)),
        required_{key_column_, from_photo_ ? Field::kPhoto : Field::kFaceKey},
        photo_dir_(o.photo_dir),
        update_(o),
        read_(o, rules_) {}

  std::string_view id() const override { return "attendance_face"; }
  Platform platform() const override { return Platform::kFeishu; }
  Entity entity() const override { return Entity::kEmployees; }
  Field key_column() const override { return key_column_; }
  std::span<const Field> required_columns() const override { return required_; }

  std::span<const FieldRule> field_rules() const override { return rules_; }

  std::expected<Document, Invalid> project(const Record& r) const override {
    Document d;
    d.key.assign(r.get(key_column_));
    d.body.reserve(128 + r.get(Field::kFaceKey).size());
    DocumentBuilder b(r, d.body);
    if (!(b.begin_object() && photo(r, b, d) && b.members(rules_) && b.end_object())) {
      return std::unexpected(b.take_invalid());
    }
    d.seal();
    return d;
  }

  std::optional<Document> on_missing(const Document&) const override { return std::nullopt; }

  const UpdateOperation& update() const override { return update_; }
  const ReadOperation* read() const override { return &read_; }

 private:
  static std::span<const FieldRule> rules_for(Field key, bool from_photo) {
    if (from_photo) return key == Field::kEmployeeNo ? std::span<const FieldRule>(kPhotoRulesByEmployeeNo) : kPhotoRulesByUserId;
    return key == Field::kEmployeeNo ? std::span<const FieldRule>(kRulesByEmployeeNo) : kRulesByUserId;
  }

  // With face_from = "photo": checks the photo cell's file and writes its content hash; the path
  // goes to d.attachment. A row without a usable photo is invalid: there is no face to send.
  bool photo(const Record& r, DocumentBuilder& b, Document& d) const {
    if (!from_photo_) return true;
    const std::string_view cell = r.get(Field::kPhoto);
    if (cell.empty()) return b.fail(Field::kPhoto, kPhotoMember, "empty: face_from = \"photo\" needs a photo to upload");
    std::string path = resolve_photo_path(cell, photo_dir_);
    const auto hash = hash_usable_photo(path, {kPhotoFormats, kPhotoMaxBytes, "hrsync uploads"});
    if (!hash) return b.fail(Field::kPhoto, kPhotoMember, fmt::format("{}; no face is uploaded", hash.error()));
    b.writer().key(kPhotoMember).string(hash_text(*hash).view());
    d.attachment = std::move(path);
    return true;
  }

  Field key_column_;                // employee_no or user_id
  bool from_photo_;                 // face_from = "photo"
  std::span<const FieldRule> rules_;  // kRulesBy* or kPhotoRulesBy*
  std::array<Field, 2> required_;   // the key column, and face_key or photo
  std::string photo_dir_;           // base folder of relative photo paths
  AttendanceFaceUpdate update_;
  AttendanceFaceRead read_;
};

}  // namespace

Result<std::unique_ptr<TargetConnector>> make_attendance_face(const TargetOptions& options) {
  OptionUse use;
  use.employee_type = true;
  use.face_from = true;
  use.photo_dir = true;
  if (auto ok = check_options("attendance_face", options, use); !ok) return std::unexpected(std::move(ok.error()));
  return std::make_unique<AttendanceFace>(options);
}

}  // namespace hrsync
