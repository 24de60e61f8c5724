#include "connectors/targets/contact_group.h"

#include <array>

#include "connectors/targets/code_table.h"
#include "connectors/targets/document_builder.h"
#include "connectors/targets/feishu_envelope.h"
#include "connectors/targets/held_document.h"
#include "connectors/targets/option_check.h"
#include "connectors/targets/patch_held.h"
#include "base/url_escape.h"
#include "connectors/targets/create_body.h"

namespace hrsync {
namespace {

constexpr Disposition P = Disposition::kPermanent;

// Every code of the API document. 40003 (internal error, HTTP 500) is transient; the others are
// faults of the request or missing permissions. 42002 answers a group_id the tenant does not hold
// (as the group get's table reads it): the group is not in the target, absent rather than failed.
constexpr std::array<CodeRule, 16> kDocumentCodes = {{
    {40003, 500, Disposition::kRetry, "internal error"},
    not_held({42002, 400, P, "invalid group_id (the tenant does not hold the group)"}),
    {42013, 400, P, "group name exceed limit (100 characters)"},
    {42014, 400, P, "group description exceed limit (500 characters)"},
    {42009, 403, P, "no userGroup authority error"},
    {42015, 400, P, "user group disable"},
    {47009, 400, P, "duplicated name error"},
    {40001, 400, P, "parameter invalid"},
    {42018, 400, P, "exist invalid dynamic group rule"},
    {42019, 400, P, "exist invalid dynamic group rule expression"},
    {42020, 400, P, "exist unsupported dynamic group rule expression field"},
    {42021, 400, P, "exist unsupported dynamic group operation"},
    {42022, 400, P, "exist invalid expression value or values"},
    {42024, 400, P, "no permission to create a dynamic group"},
    {42025, 400, P, "invalid joinner rule"},
    {42026, 400, P, "department scope exceed limit"},
}};

constexpr auto kCodes = join_codes(kDocumentCodes, kFeishuCommonCodes);

constexpr std::array<Field, 1> kRequired = {Field::kGroupId};

// Why a member emptied in HR stays on the group.
constexpr std::string_view kCannotClear =
    "emptied in HR, but it cannot be cleared through PATCH (the group keeps its last value): clear it by hand";

// The group's cells: the key (in the path) and the document's members, in byte order. Limits:
// 42013 (name, 100 characters) and 42014 (description, 500 characters).
constexpr std::array<FieldRule, 3> kRules = {{
    {.column = Field::kGroupId, .member = "group_id", .kind = FieldKind::kKey, .need = Need::kRequired},
    {.column = Field::kDescription, .member = "description", .kind = FieldKind::kText, .max_chars = 500},
    {.column = Field::kName, .member = "name", .kind = FieldKind::kText, .max_chars = 100},
}};

// The update: a PATCH of the group with the document's members.
class ContactGroupUpdate final : public UpdateOperation {
 public:
  explicit ContactGroupUpdate(const TargetOptions& o) : query_("?department_id_type=" + o.department_id_type) {}

  Result<Request> build_request(const Document& desired, const Document*) const override {
    Request req;
    req.method = "PATCH";
    req.target = "/open-apis/contact/v3/group/";
    append_url_escaped(req.target, desired.key);
    req.target += query_;
    req.document_body = desired.body;
    return req;
  }

  std::string_view endpoint() const override { return "PATCH /open-apis/contact/v3/group/:group_id"; }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kCodes);
  }
  std::span<const CodeRule> codes() const override { return kCodes; }

  std::vector<RateTier> default_rate() const override { return {{100, 60}}; }

 private:
  std::string query_;  // "?department_id_type=..."
};

// The codes of the group get (feishu:group-get): 42002 answers a group the tenant does not hold,
// which the read reports absent.
constexpr std::array<CodeRule, 3> kReadCodes = {{
    {40003, 500, Disposition::kRetry, "internal error"},
    {42002, 400, Disposition::kSuccess, "invalid group_id: the tenant does not hold the group (read as absent)"},
    {42009, 403, P, "no userGroup authority error"},
}};

constexpr auto kReadAllCodes = join_codes(kReadCodes, kFeishuCommonCodes);

// The read: a GET of one group, answered with data.group {id, name, description, type}.
class ContactGroupRead final : public ReadOperation {
 public:
  std::string_view endpoint() const override { return "GET /open-apis/contact/v3/group/:group_id"; }
  std::size_t batch_size() const override { return 1; }

  Result<Request> build_request(std::span<const std::string> keys) const override {
    if (auto ok = check_batch("contact_group read", keys, batch_size()); !ok) return std::unexpected(std::move(ok.error()));
    Request req;
    req.method = "GET";
    req.target = "/open-apis/contact/v3/group/";
    append_url_escaped(req.target, keys.front());
    return req;
  }

  Result<ReadPage> read_page(std::span<const std::string> keys, std::string_view body) const override {
    namespace dom = simdjson::dom;
    dom::parser parser;
    const simdjson::padded_string padded(body);
    ReadPage page;
    if (feishu_code_is(parser, padded, 42002)) {  // not held
      page.absent.assign(keys.begin(), keys.end());
      return page;
    }
    auto data = feishu_data(parser, padded, "contact_group read");
    if (!data) return std::unexpected(std::move(data.error()));
    dom::object group;
    if ((*data)["group"].get_object().get(group) != simdjson::SUCCESS) {
      return fail(Error::Kind::kProtocol, "contact_group read", "the answer has no data.group");
    }
    page.found.push_back(held_document(keys.front(), group, kRules, held_nested));
    return page;
  }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kReadAllCodes);
  }
  std::span<const CodeRule> codes() const override { return kReadAllCodes; }

  // Documented (feishu:group-get).
  std::vector<RateTier> default_rate() const override { return {{50, 1}, {1000, 60}}; }
};

// The create (docs/api-notes.md, "Creating what a target lacks"): a POST of the document with the
// HR group_id and type 1 (an assigned group). Its refusals are the update's table: no name or a
// group_id held already (40001), a name held already (47009), the lengths (42013, 42014). Its
// limit is not documented: the update's.
class ContactGroupCreate final : public CreateOperation {
 public:
  Result<Request> build_request(const Document& desired) const override {
    const std::string id = json_string(desired.key);
    const std::array<JsonMember, 2> extra = {{{"group_id", id}, {"type", "1"}}};
    auto body = create_body(desired, extra, "contact_group " + desired.key);
    if (!body) return std::unexpected(std::move(body.error()));
    Request req{.method = "POST", .target = "/open-apis/contact/v3/group"};
    req.built_body = std::move(*body);
    return req;
  }

  std::string_view endpoint() const override { return "POST /open-apis/contact/v3/group"; }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kCodes);
  }
  std::span<const CodeRule> codes() const override { return kCodes; }

  std::vector<RateTier> default_rate() const override { return {{100, 60}}; }
  bool rate_documented() const override { return false; }
};

class ContactGroup final : public TargetConnector {
 public:
  explicit ContactGroup(const TargetOptions& o) : update_(o) {}

  std::string_view id() const override { return "contact_group"; }
  Platform platform() const override { return Platform::kFeishu; }
  Entity entity() const override { return Entity::kGroups; }
  std::span<const Field> required_columns() const override { return kRequired; }

  std::span<const FieldRule> field_rules() const override { return kRules; }

  std::expected<Document, Invalid> project(const Record& r) const override {
    Document d;
    d.body.reserve(64 + r.get(Field::kName).size() + r.get(Field::kDescription).size());
    DocumentBuilder b(r, d.body);
    if (!(b.begin_object() && b.members(kRules) && b.end_object())) return std::unexpected(b.take_invalid());
    d.key.assign(r.get(Field::kGroupId));
    d.seal();
    return d;
  }

  std::optional<Document> on_missing(const Document&) const override { return std::nullopt; }

  // The PATCH leaves an absent member unchanged: a name or description emptied in HR stays.
  std::optional<Held> held_after(const Document& desired, const Document& last_applied) const override {
    return held_by_patch(desired, last_applied, kCannotClear);
  }

  const UpdateOperation& update() const override { return update_; }
  const ReadOperation* read() const override { return &read_; }
  const CreateOperation* create() const override { return &create_; }

 private:
  ContactGroupUpdate update_;
  ContactGroupRead read_;
  ContactGroupCreate create_;
};

}  // namespace

Result<std::unique_ptr<TargetConnector>> make_contact_group(const TargetOptions& options) {
  OptionUse use;
  use.department_id_type = true;
  if (auto ok = check_options("contact_group", options, use); !ok) return std::unexpected(std::move(ok.error()));
  return std::make_unique<ContactGroup>(options);
}

}  // namespace hrsync
