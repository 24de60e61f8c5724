#include "connectors/targets/attendance_face.h"

#include <algorithm>
#include <array>

#include "connectors/targets/code_table.h"
#include "connectors/targets/document_builder.h"
#include "connectors/targets/feishu_envelope.h"
#include "connectors/targets/held_document.h"
#include "diff/json_writer.h"
#include "connectors/targets/option_check.h"

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

// The update: a POST of the user's face setting.
class AttendanceFaceUpdate final : public UpdateOperation {
 public:
  explicit AttendanceFaceUpdate(const TargetOptions& o)
      : target_("/open-apis/attendance/v1/user_settings/modify?employee_type=" + o.employee_type) {}

  Result<Request> build_request(const Document& desired, const Document*) const override {
    return Request{.method = "POST", .target = target_, .document_body = desired.body};
  }

  std::string_view endpoint() const override { return "POST /open-apis/attendance/v1/user_settings/modify"; }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kCodes);
  }
  std::span<const CodeRule> codes() const override { return kCodes; }

  std::vector<RateTier> default_rate() const override { return {{50, 1}}; }

 private:
  std::string target_;  // path and query
};

// The read: a query of the users' face settings, {"user_ids": [...]}, answered with
// data.user_settings[] {user_id, face_key?, face_key_update_time?} per user held. The official
// page and the Node SDK 1.74.0 send it as GET with a JSON body; hrsync sends POST, since some
// proxies and clients drop a GET's body: which the server takes is still to be checked
// (docs/api-notes.md). The attendance document's codes are the update's.
class AttendanceFaceRead final : public ReadOperation {
 public:
  AttendanceFaceRead(const TargetOptions& o, std::span<const FieldRule> rules)
      : target_("/open-apis/attendance/v1/user_settings/query?employee_type=" + o.employee_type), rules_(rules) {}

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
};

class AttendanceFace final : public TargetConnector {
 public:
  explicit AttendanceFace(const TargetOptions& o)
      : key_column_(o.employee_type == "employee_no" ? Field::kEmployeeNo : Field::kUserId),
        rules_(key_column_ == Field::kEmployeeNo ? std::span<const FieldRule>(kRulesByEmployeeNo)
                                                 : std::span<const FieldRule>(kRulesByUserId)),
        required_{key_column_, Field::kFaceKey},
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
    if (!(b.begin_object() && b.members(rules_) && b.end_object())) return std::unexpected(b.take_invalid());
    d.seal();
    return d;
  }

  std::optional<Document> on_missing(const Document&) const override { return std::nullopt; }

  const UpdateOperation& update() const override { return update_; }
  const ReadOperation* read() const override { return &read_; }

 private:
  Field key_column_;                // employee_no or user_id
  std::span<const FieldRule> rules_;  // kRulesByEmployeeNo or kRulesByUserId
  std::array<Field, 2> required_;   // the key column and face_key
  AttendanceFaceUpdate update_;
  AttendanceFaceRead read_;
};

}  // namespace

Result<std::unique_ptr<TargetConnector>> make_attendance_face(const TargetOptions& options) {
  OptionUse use;
  use.employee_type = true;
  if (auto ok = check_options("attendance_face", options, use); !ok) return std::unexpected(std::move(ok.error()));
  return std::make_unique<AttendanceFace>(options);
}

}  // namespace hrsync
