#include "connectors/targets/contact_user.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <span>
#include <vector>

#include "connectors/targets/code_table.h"
#include "connectors/targets/document_builder.h"
#include "connectors/targets/feishu_envelope.h"
#include "connectors/targets/held_document.h"
#include "connectors/targets/field_rules.h"
#include "base/json_members.h"
#include "connectors/targets/option_check.h"
#include "connectors/targets/patch_held.h"
#include "base/url_escape.h"
#include "connectors/targets/create_body.h"

namespace hrsync {
namespace {

constexpr Disposition P = Disposition::kPermanent;

// 44025 "update user lock error, wait some seconds and retry": concurrent updates of one user
// collide, so its backoff starts at seconds rather than the job's base delay, doubling each retry,
// and no retry comes sooner than a second ("some seconds": the full jitter alone could draw zero).
// The job config's retry.lock_delay_s replaces the first delay (and lowers the floor to it).
constexpr RetryDelay kUserLockBackoff{.first_s = 2.0, .growth = 2, .floor_s = 1.0};

// Every code of the API document, with its HTTP status and description. Only 44025 (concurrent
// update of one user) is transient; the others are faults of the request, the data or the
// tenant's settings and permissions, which a retry does not mend. 41050 ("the user operated on
// must be in the app's contact scope") is also what a user_id the tenant does not hold is answered
// (docs/api-notes.md): the user is not in the target, absent rather than failed.
constexpr std::array<CodeRule, 77> kDocumentCodes = {{
    {40001, 400, P, "param error"},
    {40016, 400, P, "dept name can not be null error"},
    {41001, 400, P, "mobile has already exist error"},
    {41002, 400, P, "email has already exist error"},
    {41003, 409, P, "user account conflict error"},
    {41004, 400, P, "mobile is invalid error"},
    {41005, 400, P, "email is invalid error"},
    {41006, 400, P, "no user name error"},
    {41009, 400, P, "no email or mobile error"},
    {41011, 400, P, "user id already exist error"},
    {41010, 400, P, "no mobile error"},
    {41014, 400, P, "user name sensitive error"},
    {41013, 400, P, "exceed user id update limit error"},
    {41015, 400, P, "idp type invalid error"},
    {41016, 400, P, "department has too many users error (more than 500)"},
    {41017, 400, P, "department is required error"},
    {41018, 400, P, "position info is invalid error"},
    {41019, 400, P, "position department is invalid error"},
    {41020, 400, P, "position code has already exist error"},
    {41021, 400, P, "position multiple main count error"},
    {41022, 400, P, "user tenant not match error"},
    {41023, 400, P, "update department conflict position department error"},
    {41024, 400, P, "update position department conflict department error"},
    {41025, 400, P, "order department invalid error"},
    {41028, 405, P, "user multi department need upgrade visibility error"},
    {41029, 400, P, "create or update user multi department error"},
    {41030, 400, P, "set leader to oneself error"},
    {41031, 504, P, "position feature not enable error"},
    {41032, 504, P, "user multi department feature not enable error"},
    {41033, 400, P, "user in too many departments error (more than 50)"},
    {41034, 400, P, "email prefix already exist error"},
    {41035, 400, P, "email prefix is invalid error"},
    {41036, 400, P, "avatar key is invalid error"},
    {41037, 400, P, "avatar key is sensitive error"},
    {41038, 400, P, "gender is invalid error"},
    {41040, 400, P, "user name is null error"},
    {41041, 400, P, "department id is not assigned error"},
    {41042, 400, P, "join time is invalid error"},
    {41043, 400, P, "employee id is invalid error (user id must be 1-64 bytes)"},
    {41044, 400, P, "Custom attribute is not set error"},
    {41045, 400, P, "Custom attribute id is not exist error"},
    {41046, 400, P, "Custom attribute value is not set error"},
    {41047, 400, P, "Custom attribute href text is null error"},
    {41048, 400, P, "Custom attribute href url is null error"},
    not_held({41050, 400, P, "no user authority error (the user is outside the app's contact scope, or not in the tenant)"}),
    {41051, 400, P, "user id info not provide error"},
    {40004, 403, P, "no dept authority error"},
    {41059, 400, P, "invalid employee type error (1-5)"},
    {41060, 400, P, "inactive employee type error"},
    {41063, 400, P, "job_title length exceed 100 character"},
    {41068, 400, P, "Number of email aliases exceeds the upper limit"},
    {41069, 400, P, "Business email is in the recycle bin"},
    {41070, 400, P, "name length exceed 64 character"},
    {41071, 400, P, "en_name length exceed 64 character"},
    {41072, 400, P, "nickname length exceed 64 character"},
    {44001, 400, P, "business email domain not available error"},
    {44002, 400, P, "update order must update department together"},
    {44006, 400, P, "name length exceed 64 character"},
    {44007, 400, P, "en_name length exceed 64 character"},
    {44008, 400, P, "nickname length exceed 64 character"},
    {44010, 400, P, "unJoined user not allow to update"},
    {44011, 400, P, "existed user not allow to update"},
    {42006, 400, P, "user has resigned error"},
    {44013, 400, P, "User enterprise Email password is not valid"},
    {44014, 400, P, "Can not update inactive user email when email equal enterprise"},
    {44015, 400, P, "can not update password when user already have password"},
    {44016, 400, P, "can not set enterprise email password"},
    {44017, 400, P, "Suite_Admin_Common_UnableToEditUpper"},
    {44018, 400, P, "lark not support +86 mobile"},
    {44019, 400, P, "feishu only support +86 mobile"},
    {44020, 400, P, "mobile and email need together exist"},
    {44024, 400, P, "User enterprise email has already been registered as a member's account"},
    {44025, 400, Disposition::kRetry, "update user lock error, wait some seconds and retry", kUserLockBackoff},
    {44035, 400, P, "departmentID is invalid"},
    {44036, 400, P, "freeze tenant founder is forbidden"},
    {44038, 400, P, "this user can not been update by security issues"},
    {41410, 400, P, "user primary dept must be the first department in the order"},
}};

constexpr auto kCodes = join_codes(kDocumentCodes, kFeishuCommonCodes);

constexpr std::array<Field, 5> kRequired = {Field::kUserId, Field::kName, Field::kMobile, Field::kDepartmentIds,
                                            Field::kEmployeeType};
// On Lark the mobile is optional ("该 mobile 字段在海外版飞书非必填").
constexpr std::array<Field, 4> kRequiredOnLark = {Field::kUserId, Field::kName, Field::kDepartmentIds,
                                                  Field::kEmployeeType};

// What the tenant holds unique across its users: a mobile (41001), and an address, whether a
// user holds it as email or as enterprise_email (41002, 44024).
constexpr std::array<Field, 1> kMobileCells = {Field::kMobile};
constexpr std::array<Field, 2> kAddressCells = {Field::kEmail, Field::kEnterpriseEmail};
constexpr std::array<UniqueRule, 2> kUnique = {{
    {kMobileCells, UniqueRule::Form::kMobile, "41001 mobile has already exist"},
    {kAddressCells, UniqueRule::Form::kCaseless, "41002 email has already exist"},
}};

// What a tenant takes as a user's mobile and e-mail, by the kind of tenant (option `tenant`). The
// API document's rules: a Feishu tenant requires a mobile (41010); Lark does not, but refuses +86
// numbers (44018) and needs a mobile or an e-mail (41009); a Feishu tenant without certification
// takes +86 numbers only (44019); a number outside mainland China needs an e-mail beside it
// (44020); a mainland number is 11 digits starting 1[3-9] (41004).
struct TenantRules {
  std::string_view tenant;      // the option's value
  bool mobile_required;         // 41010
  bool mainland_allowed;        // false: 44018
  bool foreign_allowed;         // false: 44019
};

constexpr std::array<TenantRules, 3> kTenants = {{
    {"feishu", true, true, true},
    {"uncertified", true, true, false},
    {"lark", false, false, true},
}};

const TenantRules& tenant_rules(std::string_view tenant) {
  for (const TenantRules& t : kTenants) {
    if (t.tenant == tenant) return t;
  }
  return kTenants[0];  // make_contact_user accepts only the table's values
}

// The user's cells: the key (in the path), then the document's members in byte order. Limits:
// user_id 1-64 bytes (41043); name, en_name, nickname 64 characters (41070-41072, 44006-44008);
// job_title 100 characters (41063); department_ids 1 to 50 (41033); employee_type 1-5 (41059);
// gender 0-2 (41038); join_time in seconds, the document's example being the int32 maximum (41042).
// The mobile is required on a Feishu tenant (41010), not on Lark (see TenantRules).
constexpr std::array<FieldRule, 19> kRules = {{
    {.column = Field::kUserId, .member = "user_id", .kind = FieldKind::kKey, .need = Need::kRequired, .max_bytes = 64},
    {.column = Field::kCity, .member = "city", .kind = FieldKind::kText},
    {.column = Field::kCountry, .member = "country", .kind = FieldKind::kText},
    {.column = Field::kDepartmentIds, .member = "department_ids", .kind = FieldKind::kIdList, .need = Need::kRequired,
     .max_items = 50},
    {.column = Field::kEmail, .member = "email", .kind = FieldKind::kEmail},
    {.column = Field::kEmployeeNo, .member = "employee_no", .kind = FieldKind::kText},
    {.column = Field::kEmployeeType, .member = "employee_type", .kind = FieldKind::kInteger, .need = Need::kRequired,
     .min = 1, .max = 5},
    {.column = Field::kEnName, .member = "en_name", .kind = FieldKind::kText, .max_chars = 64},
    {.column = Field::kEnterpriseEmail, .member = "enterprise_email", .kind = FieldKind::kEmail},
    {.column = Field::kGender, .member = "gender", .kind = FieldKind::kInteger, .min = 0, .max = 2},
    {.column = Field::kIsFrozen, .member = "is_frozen", .kind = FieldKind::kFlag},
    {.column = Field::kJobTitle, .member = "job_title", .kind = FieldKind::kText, .max_chars = 100},
    {.column = Field::kJoinTime, .member = "join_time", .kind = FieldKind::kInteger, .min = 0, .max = 2147483647},
    {.column = Field::kLeaderUserId, .member = "leader_user_id", .kind = FieldKind::kText},
    {.column = Field::kMobile, .member = "mobile", .kind = FieldKind::kMobile, .need = Need::kRequired},
    {.column = Field::kMobileVisible, .member = "mobile_visible", .kind = FieldKind::kFlag},
    {.column = Field::kName, .member = "name", .kind = FieldKind::kText, .need = Need::kRequired, .max_chars = 64},
    {.column = Field::kNickname, .member = "nickname", .kind = FieldKind::kText, .max_chars = 64},
    {.column = Field::kWorkStation, .member = "work_station", .kind = FieldKind::kText},
}};

// The rows of document members: all but the key.
constexpr std::span<const FieldRule> kMemberRules = std::span<const FieldRule>(kRules).subspan(1);

// Why a member emptied in HR stays on the user in patch mode.
constexpr std::string_view kCannotClear =
    "emptied in HR, but it cannot be cleared through PATCH (the user keeps its last value): clear it by hand";

// Members of the PUT document that hrsync never sends: no HR column holds them. A PUT, which
// "updates all user information", may reset them on every user it updates.
constexpr std::array<std::string_view, 3> kNeverSent = {"avatar_key", "orders", "custom_attrs"};

// Members whose change a PATCH must send through the 1/s lane.
bool is_lane_member(std::string_view key) { return key == "department_ids" || key == "is_frozen"; }

// docs/api-notes.md, "Rate limits": with PATCH, a change to department_ids or is_frozen is limited to 1/s.
constexpr std::array<RateTier, 1> kDeptOrFrozenTiers = {{{1, 1}}};
constexpr std::array<Lane, 1> kPatchLanes = {{
    {kDeptOrFrozenLane, kDeptOrFrozenTiers, "PATCH requests that carry department_ids or is_frozen"},
}};

// The members a PATCH sends for `desired`: those that differ from `last_applied` (in `changed`),
// or all of them (`want`) when there is no last document, either cannot be read, or nothing
// differs (then the request is a re-send). `had` holds the last document's members.
const JsonMembers& patch_members(const Document& desired, const Document* last_applied, JsonMembers& want,
                                 JsonMembers& had, JsonMembers& changed) {
  if (split_members(desired.body, want) && last_applied != nullptr && split_members(last_applied->body, had)) {
    for (const JsonMember& m : want) {
      const JsonMember* old = had.find(m.key);
      if (old == nullptr || old->raw != m.raw) changed.push(m);
    }
  }
  return changed.empty() ? want : changed;
}

// The lane of a PATCH that sends `sent`.
std::string_view lane_of_members(const JsonMembers& sent) {
  for (const JsonMember& m : sent) {
    if (is_lane_member(m.key)) return kDeptOrFrozenLane;
  }
  return {};
}

// The cell of document member `member`.
Field cell_of(std::string_view member) {
  for (const FieldRule& rule : kMemberRules) {
    if (rule.member == member) return rule.column;
  }
  return Field::kUserId;  // not a member: make_contact_user accepts members only
}

// The JSON text of member `key` of `body`, "" when it has none.
std::string_view member_raw(std::string_view body, std::string_view key) {
  JsonMembers members;
  if (!split_members(body, members)) return {};
  const JsonMember* m = members.find(key);
  return m != nullptr ? m->raw : std::string_view();
}

// The update: in patch mode a PATCH of the members that changed (through the lane when they
// hold department_ids or is_frozen), in put mode a PUT of the whole document.
class ContactUserUpdate final : public UpdateOperation {
 public:
  explicit ContactUserUpdate(const TargetOptions& o)
      : patch_(o.mode == "patch"),
        query_(fmt::format("?department_id_type={}&user_id_type={}", o.department_id_type, o.user_id_type)) {}

  Result<Request> build_request(const Document& desired, const Document* last_applied) const override;

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kCodes);
  }
  std::span<const CodeRule> codes() const override { return kCodes; }

  std::vector<RateTier> default_rate() const override { return {{50, 1}, {1000, 60}}; }

  // The lane exists in patch mode only: PUT requests are never sent through it.
  std::span<const Lane> lanes() const override {
    if (!patch_) return {};
    return kPatchLanes;
  }

  std::string_view lane_of(const Document& desired, const Document* last_applied) const override {
    if (!patch_) return {};
    JsonMembers want;
    JsonMembers had;
    JsonMembers changed;
    return lane_of_members(patch_members(desired, last_applied, want, had, changed));
  }

  std::string_view endpoint() const override {
    return patch_ ? "PATCH /open-apis/contact/v3/users/:user_id" : "PUT /open-apis/contact/v3/users/:user_id";
  }

 private:
  std::string path(std::string_view key) const {
    std::string out = "/open-apis/contact/v3/users/";
    append_url_escaped(out, key);
    out += query_;
    return out;
  }
  void build_patch(Request& req, const Document& desired, const Document* last_applied) const;

  bool patch_;         // PATCH with the changed members instead of PUT
  std::string query_;  // "?department_id_type=...&user_id_type=..."
};

// The create (docs/api-notes.md, "Creating what a target lacks"): a POST of the document with the
// custom user_id from HR, and a client_token derived from the target, the key and the document, so
// that a create re-sent after a crash is answered as the first was and makes no second user. Its
// refusals are the update's table: a mobile (41001) or an e-mail (41002) another user holds, a
// user_id held already (41011), a client_token used with another body (40001). Its limit is not
// documented: the update's.
class ContactUserCreate final : public CreateOperation {
 public:
  explicit ContactUserCreate(const TargetOptions& o)
      : query_(fmt::format("?user_id_type={}&department_id_type={}", o.user_id_type, o.department_id_type)) {}

  Result<Request> build_request(const Document& desired) const override {
    const std::string id = json_string(desired.key);
    const std::array<JsonMember, 1> extra = {{{"user_id", id}}};
    auto body = create_body(desired, extra, fmt::format("contact_user {}", desired.key));
    if (!body) return std::unexpected(std::move(body.error()));
    Request req{.method = "POST", .target = "/open-apis/contact/v3/users" + query_ + "&client_token="};
    append_url_escaped(req.target, client_token(desired));
    req.built_body = std::move(*body);
    return req;
  }

  std::string_view endpoint() const override { return "POST /open-apis/contact/v3/users"; }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kCodes);
  }
  std::span<const CodeRule> codes() const override { return kCodes; }

  std::vector<RateTier> default_rate() const override { return {{50, 1}, {1000, 60}}; }
  bool rate_documented() const override { return false; }

  // "hrsync-" and 32 hex digits: the same for the same key and document on every run.
  static std::string client_token(const Document& desired) {
    return fmt::format("hrsync-{:016x}{:016x}", content_hash("contact_user:" + desired.key), desired.hash);
  }

 private:
  std::string query_;  // "?user_id_type=...&department_id_type=..."
};

// The codes of the batch get: none is in docs/api/; 99992402 answers a bad parameter (more ids
// than a call takes), as every open API does (docs/api-notes.md).
constexpr std::array<CodeRule, 1> kReadCodes = {{
    {99992402, 400, Disposition::kPermanent, "field validation failed (e.g. more than 50 user_ids)"},
}};

constexpr auto kReadAllCodes = join_codes(kReadCodes, kFeishuCommonCodes);

// A member of a user object: is_frozen is documented under status, the others at the top.
simdjson::simdjson_result<simdjson::dom::element> held_user_member(simdjson::dom::object user, const FieldRule& rule) {
  if (rule.member == "is_frozen") {
    simdjson::dom::object status;
    if (user["status"].get_object().get(status) == simdjson::SUCCESS) return status["is_frozen"];
  }
  return held_nested(user, rule);
}

// The read: a batch get of up to 50 users, answered with data.items[], one user object per id
// held (the update document's members, user_id, status), ids not held left out.
class ContactUserRead final : public ReadOperation {
 public:
  ContactUserRead(const TargetOptions& o, const std::vector<FieldRule>& rules)
      : query_(fmt::format("&user_id_type={}&department_id_type={}", o.user_id_type, o.department_id_type)),
        id_member_(o.user_id_type),
        rules_(rules) {}

  std::string_view endpoint() const override { return "GET /open-apis/contact/v3/users/batch"; }
  // A tool built on the official Python SDK (docs/api-notes.md); unconfirmed.
  std::size_t batch_size() const override { return 50; }

  Result<Request> build_request(std::span<const std::string> keys) const override {
    if (auto ok = check_batch("contact_user read", keys, batch_size()); !ok) return std::unexpected(std::move(ok.error()));
    Request req{.method = "GET", .target = "/open-apis/contact/v3/users/batch"};
    char sep = '?';
    for (const std::string& key : keys) {
      req.target += sep;
      req.target += "user_ids=";
      append_url_escaped(req.target, key);
      sep = '&';
    }
    req.target += query_;
    return req;
  }

  Result<ReadPage> read_page(std::span<const std::string> keys, std::string_view body) const override;

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kReadAllCodes);
  }
  std::span<const CodeRule> codes() const override { return kReadAllCodes; }

  // Not found: the update's 50/s and 1000/min until confirmed (docs/api-notes.md).
  std::vector<RateTier> default_rate() const override { return {{50, 1}, {1000, 60}}; }

 private:
  std::string query_;      // "&user_id_type=...&department_id_type=..."
  std::string id_member_;  // the member of a user object holding the key: user_id, open_id or union_id
  const std::vector<FieldRule>& rules_;  // the connector's rows in effect
};

Result<ReadPage> ContactUserRead::read_page(std::span<const std::string> keys, std::string_view body) const {
  namespace dom = simdjson::dom;
  dom::parser parser;
  const simdjson::padded_string padded(body);
  auto data = feishu_data(parser, padded, "contact_user read");
  if (!data) return std::unexpected(std::move(data.error()));
  ReadPage page;
  dom::array items;
  if ((*data)["items"].get_array().get(items) == simdjson::SUCCESS) {  // none held: no items
    for (dom::element e : items) {
      dom::object user;
      if (e.get_object().get(user) != simdjson::SUCCESS) continue;
      const std::string_view key = held_string(user, id_member_);
      if (!asked_for(keys, key)) continue;
      page.found.push_back(held_document(key, user, rules_, held_user_member));
    }
  }
  add_absent(keys, page);
  return page;
}

class ContactUser final : public TargetConnector {
 public:
  explicit ContactUser(const TargetOptions& o)
      : patch_(o.mode == "patch"), freeze_(o.on_missing == "freeze"), tenant_(tenant_rules(o.tenant)), update_(o), read_(o, rules_), create_(o) {
    for (const FieldRule& rule : kMemberRules) {
      if (!o.fields.empty() && std::find(o.fields.begin(), o.fields.end(), rule.member) == o.fields.end()) {
        unowned_.push_back(rule.column);
      }
    }
    // The rows in effect: the key and the members hrsync owns, the mobile as the tenant needs it.
    for (FieldRule rule : kRules) {
      if (rule.kind != FieldKind::kKey && !owns(rule.column)) continue;
      if (rule.column == Field::kMobile && !tenant_.mobile_required) rule.need = Need::kOptional;
      rules_.push_back(rule);
    }
    // The columns a row needs: the key and the required members hrsync owns.
    for (Field f : tenant_.mobile_required ? std::span<const Field>(kRequired) : std::span<const Field>(kRequiredOnLark)) {
      if (f == Field::kUserId || owns(f)) required_.push_back(f);
    }
  }

  std::string_view id() const override { return "contact_user"; }
  Platform platform() const override { return Platform::kFeishu; }
  Entity entity() const override { return Entity::kEmployees; }
  Field key_column() const override { return Field::kUserId; }
  std::span<const UniqueRule> unique_values() const override { return kUnique; }
  std::span<const Field> required_columns() const override { return required_; }

  std::span<const FieldRule> field_rules() const override { return rules_; }
  std::expected<Document, Invalid> project(const Record& r) const override;
  std::vector<std::string> plan_notes() const override;
  std::optional<Document> on_missing(const Document& last_applied) const override;
  std::optional<Document> on_return(const Document& desired, const Document& before_leaving) const override;
  std::optional<Held> held_after(const Document& desired, const Document& last_applied) const override;

  const UpdateOperation& update() const override { return update_; }
  const ReadOperation* read() const override { return &read_; }
  const CreateOperation* create() const override { return &create_; }

 private:
  std::optional<Invalid> check_mobile(const Record& r) const;
  std::expected<Document, Invalid> project_owned(const Record& r) const;
  bool owns(Field f) const { return std::find(unowned_.begin(), unowned_.end(), f) == unowned_.end(); }

  bool patch_;         // PATCH with the changed members instead of PUT
  bool freeze_;        // on_missing = freeze
  const TenantRules& tenant_;  // which mobile numbers the tenant takes
  std::vector<Field> unowned_;  // members option `fields` leaves out: never sent, cells read as empty
  std::vector<FieldRule> rules_;  // kRules as the options make them (field_rules())
  std::vector<Field> required_;   // the tenant's required columns hrsync owns (required_columns())
  ContactUserUpdate update_;
  ContactUserRead read_;  // reads with rules_, which the constructor fills
  ContactUserCreate create_;
};

// A user cannot lead themselves (41030).
std::optional<Invalid> check_leader(std::string_view key, std::string_view leader) {
  if (leader != key) return std::nullopt;
  return Invalid{"leader_user_id", "the user's own user_id (a user cannot lead themselves)"};
}

// 41040: a name of white space only is no name, whatever its length.
std::optional<Invalid> check_name(std::string_view name) {
  if (name.empty() || !is_blank_text(name)) return std::nullopt;
  return Invalid{"name", "only white space (41040 user name is null)"};
}


// Room for the document of `r`, so that writing it never reallocates: the member names and
// punctuation (about 250 bytes) and the cells, with room for a few escapes.
std::size_t body_capacity(const Record& r) {
  std::size_t cells = 0;
  for (const FieldRule& rule : kMemberRules) cells += r.get(rule.column).size();
  return 288 + cells + cells / 8;
}

// The tenant's rules on the mobile and e-mail together (see TenantRules), once the builder has
// read the mobile (a required one is there, and any is a number). A rule is checked only when
// hrsync owns every member it involves: a member option `fields` leaves out is kept on the user,
// unknown here, and may well satisfy it.
std::optional<Invalid> ContactUser::check_mobile(const Record& r) const {
  const std::string_view cell = r.get(Field::kMobile);
  const bool has_email = !r.get(Field::kEmail).empty();
  const bool email_known = owns(Field::kEmail);
  if (cell.empty()) {
    if (tenant_.mobile_required || has_email) return std::nullopt;  // required: not owned, or the builder said so
    if (!owns(Field::kMobile) || !email_known) return std::nullopt;
    return Invalid{"mobile", "neither a mobile nor an e-mail (41009 no email or mobile error)"};
  }
  ShortText mobile;
  if (!normalise_mobile(cell, mobile)) return std::nullopt;
  if (is_mainland_mobile(mobile.view())) {
    if (!is_valid_mainland_mobile(mobile.view())) {
      return Invalid{"mobile", "a mainland China number must be 11 digits starting 1[3-9] (41004 mobile is invalid)"};
    }
    if (!tenant_.mainland_allowed) return Invalid{"mobile", "a +86 number, which a Lark tenant refuses (44018)"};
    return std::nullopt;
  }
  if (!tenant_.foreign_allowed) {
    return Invalid{"mobile", "not a +86 number, which a tenant without Feishu certification refuses (44019)"};
  }
  if (!has_email && email_known) return Invalid{"email", "required with a mobile outside mainland China (44020)"};
  return std::nullopt;
}

std::expected<Document, Invalid> ContactUser::project(const Record& r) const {
  if (unowned_.empty()) return project_owned(r);
  Record owned = r;
  for (Field f : unowned_) owned.at(f).clear();
  return project_owned(owned);
}

std::vector<std::string> ContactUser::plan_notes() const {
  if (patch_) return {};
  std::string members = fmt::format("{}", fmt::join(kNeverSent, ", "));
  for (Field f : unowned_) members += fmt::format(", {}", field_name(f));
  return {fmt::format("PUT replaces the user: {} are documented members hrsync does not send, and a PUT may reset "
                      "them, as it resets a member whose column the source lacks, on every user it updates; "
                      "mode = \"patch\" sends only what changed and leaves them",
                      members)};
}

// The table's rules first, then the documented rules across cells (41030, 41040, the tenant's).
std::expected<Document, Invalid> ContactUser::project_owned(const Record& r) const {
  Document d;
  d.body.reserve(body_capacity(r));
  DocumentBuilder b(r, d.body);
  if (!(b.begin_object() && b.members(rules_) && b.end_object())) return std::unexpected(b.take_invalid());
  const std::string_view key = r.get(Field::kUserId);
  if (auto bad = check_leader(key, r.get(Field::kLeaderUserId))) return std::unexpected(std::move(*bad));
  if (auto bad = check_name(r.get(Field::kName))) return std::unexpected(std::move(*bad));
  if (auto bad = check_mobile(r)) return std::unexpected(std::move(*bad));
  d.key.assign(key);
  d.seal();
  return d;
}

std::optional<Document> ContactUser::on_missing(const Document& last_applied) const {
  if (!freeze_) return std::nullopt;
  Document d;
  d.key = last_applied.key;
  d.attachment = last_applied.attachment;
  JsonMembers members;
  if (!split_members(last_applied.body, members)) {
    // A damaged snapshot document: freeze with what is known; a PUT of it fails visibly.
    d.body = R"({"is_frozen":true})";
    d.seal();
    return d;
  }
  if (JsonMember* frozen = members.find("is_frozen")) {
    frozen->raw = "true";
  } else if (!members.push(JsonMember{"is_frozen", "true"})) {
    return std::nullopt;  // unreachable for a contact_user document (18 members at most)
  }
  d.body.reserve(last_applied.body.size() + 20);
  write_members(d.body, members);
  d.seal();
  return d;
}

// A user frozen as a leaver and back in the source: a record without is_frozen does not unfreeze
// it in patch mode (a PATCH leaves what it does not carry), so "is_frozen": false is sent. In put
// mode the PUT, which sets what it carries and resets the rest, unfreezes it already.
std::optional<Document> ContactUser::on_return(const Document& desired, const Document&) const {
  if (!patch_) return std::nullopt;
  JsonMembers members;
  if (!split_members(desired.body, members) || members.find("is_frozen") != nullptr) return std::nullopt;
  if (!members.push(JsonMember{"is_frozen", "false"})) return std::nullopt;
  Document d;
  d.key = desired.key;
  d.attachment = desired.attachment;
  d.body.reserve(desired.body.size() + 20);
  write_members(d.body, members);
  d.seal();
  return d;
}

Result<Request> ContactUserUpdate::build_request(const Document& desired, const Document* last_applied) const {
  Request req;
  req.method = patch_ ? "PATCH" : "PUT";
  req.target = path(desired.key);
  if (!patch_) {
    req.document_body = desired.body;
    return req;
  }
  build_patch(req, desired, last_applied);
  return req;
}

// The members patch_members() picks, and the lane when department_ids or is_frozen is among them.
void ContactUserUpdate::build_patch(Request& req, const Document& desired, const Document* last_applied) const {
  JsonMembers want;
  JsonMembers had;
  JsonMembers changed;
  req.lane = lane_of_members(patch_members(desired, last_applied, want, had, changed));
  if (changed.empty()) {
    req.document_body = desired.body;
    return;
  }
  std::string& body = req.built_body.emplace();
  body.reserve(desired.body.size());
  write_members(body, changed);
}

// Patch mode: a member of `last_applied` that `desired` leaves out (its cell emptied in HR) is not
// sent, since a PATCH cannot clear by omission; the user keeps it. PUT replaces the user: what is
// sent is what it holds.
std::optional<Held> ContactUser::held_after(const Document& desired, const Document& last_applied) const {
  if (!patch_) return std::nullopt;
  auto held = held_by_patch(desired, last_applied, kCannotClear);
  // A member option `fields` leaves out is not hrsync's to clear: kept, but not listed. Nor is
  // "is_frozen": false (a returning leaver's): the user stays unfrozen, as a record without the
  // cell asks.
  if (held) {
    const bool unfrozen = member_raw(last_applied.body, "is_frozen") == "false";
    std::erase_if(held->kept, [&](const Invalid& kept) {
      return !owns(cell_of(kept.field)) || (unfrozen && kept.field == "is_frozen");
    });
  }
  return held;
}

// Option `fields`: members of the document only, and in put mode every member the PUT requires.
Result<void> check_fields(const TargetOptions& options) {
  std::vector<std::string_view> members;
  for (const FieldRule& rule : kMemberRules) members.push_back(rule.member);
  for (const std::string& name : options.fields) {
    if (std::find(members.begin(), members.end(), name) != members.end()) continue;
    return fail(Error::Kind::kConfig, "targets.contact_user.fields",
                fmt::format("\"{}\" is not a field contact_user sends; it takes {}", name, fmt::join(members, ", ")));
  }
  if (options.fields.empty() || options.mode == "patch") return {};
  std::vector<std::string_view> missing;
  const bool lark = options.tenant == "lark";
  for (Field f : lark ? std::span<const Field>(kRequiredOnLark) : std::span<const Field>(kRequired)) {
    if (f == Field::kUserId) continue;  // the key, in the path
    if (std::find(options.fields.begin(), options.fields.end(), field_name(f)) == options.fields.end()) {
      missing.push_back(field_name(f));
    }
  }
  if (missing.empty()) return {};
  return fail(Error::Kind::kConfig, "targets.contact_user.fields",
              fmt::format("a PUT requires {}: list them, or use mode = \"patch\" to send some fields only",
                          fmt::join(missing, ", ")));
}

}  // namespace

Result<std::unique_ptr<TargetConnector>> make_contact_user(const TargetOptions& options) {
  OptionUse use;
  use.mode = use.freeze = use.user_id_type = use.department_id_type = use.tenant = use.fields = true;
  if (auto ok = check_options("contact_user", options, use); !ok) return std::unexpected(std::move(ok.error()));
  if (auto ok = check_fields(options); !ok) return std::unexpected(std::move(ok.error()));
  return std::make_unique<ContactUser>(options);
}

}  // namespace hrsync
