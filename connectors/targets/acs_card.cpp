#include "connectors/targets/acs_card.h"

#include <array>

#include "connectors/targets/code_table.h"
#include "connectors/targets/document_builder.h"
#include "connectors/targets/feishu_envelope.h"
#include "connectors/targets/held_document.h"
#include "connectors/targets/option_check.h"
#include "base/url_escape.h"

namespace hrsync {
namespace {

// Every code of the API document (it gives one): 1490101, a user no access group holds, is not in
// the target (absent rather than failed; docs/api-notes.md).
constexpr std::array<CodeRule, 1> kDocumentCodes = {{
    not_held({1490101, 400, Disposition::kPermanent, "user not found (check that the user is in an access group)"}),
}};

constexpr auto kCodes = join_codes(kDocumentCodes, kFeishuCommonCodes);

// The card_no column must be there (a source without it is a wrong export), though a cell of it may
// be empty: `card` is optional in the document.
constexpr std::array<Field, 2> kRequired = {Field::kUserId, Field::kCardNo};

// The document of a user without a card: a PATCH of it would set nothing.
constexpr std::string_view kNoCard = "{}";

// Why a card stays on the device: the PATCH sets a card and has no way to clear one.
constexpr std::string_view kCardEmptied =
    "emptied in HR, but the access-control PATCH cannot clear a card (the device keeps it): remove it by hand";
constexpr std::string_view kCardLeft =
    "gone from the source, but the access-control PATCH cannot clear a card (the device keeps it): remove it by hand";

// The user's cells: the key (in the path) and the card, the document's "int": a non-negative int32.
constexpr std::array<FieldRule, 2> kRules = {{
    {.column = Field::kUserId, .member = "user_id", .kind = FieldKind::kKey, .need = Need::kRequired},
    {.column = Field::kCardNo, .object = "feature", .member = "card", .kind = FieldKind::kInteger, .min = 0, .max = 2147483647},
}};

// The update: a PATCH of the user's card.
class AcsCardUpdate final : public UpdateOperation {
 public:
  explicit AcsCardUpdate(const TargetOptions& o) : query_("?user_id_type=" + o.user_id_type) {}

  Result<Request> build_request(const Document& desired, const Document*) const override {
    Request req;
    req.method = "PATCH";
    req.target = "/open-apis/acs/v1/users/";
    append_url_escaped(req.target, desired.key);
    req.target += query_;
    req.document_body = desired.body;
    return req;
  }

  std::string_view endpoint() const override { return "PATCH /open-apis/acs/v1/users/:user_id"; }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kCodes);
  }
  std::span<const CodeRule> codes() const override { return kCodes; }

  // Not documented: a conservative default; [targets.acs_card] rate in the job config overrides it.
  std::vector<RateTier> default_rate() const override { return {{20, 1}}; }
  bool rate_documented() const override { return false; }

 private:
  std::string query_;  // "?user_id_type=..."
};

// The codes of the user get (feishu:acs-users): 1490101 answers a user the access-control
// devices do not hold, which the read reports absent.
constexpr std::array<CodeRule, 1> kReadCodes = {{
    {1490101, 400, Disposition::kSuccess, "user not found: not in an access group (read as absent)"},
}};

constexpr auto kReadAllCodes = join_codes(kReadCodes, kFeishuCommonCodes);

// The read: a GET of one user, answered with data.user {user_id, feature: {card?}}.
class AcsCardRead final : public ReadOperation {
 public:
  explicit AcsCardRead(const TargetOptions& o) : query_("?user_id_type=" + o.user_id_type) {}

  std::string_view endpoint() const override { return "GET /open-apis/acs/v1/users/:user_id"; }
  std::size_t batch_size() const override { return 1; }

  Result<Request> build_request(std::span<const std::string> keys) const override {
    if (auto ok = check_batch("acs_card read", keys, batch_size()); !ok) return std::unexpected(std::move(ok.error()));
    Request req;
    req.method = "GET";
    req.target = "/open-apis/acs/v1/users/";
    append_url_escaped(req.target, keys.front());
    req.target += query_;
    return req;
  }

  Result<ReadPage> read_page(std::span<const std::string> keys, std::string_view body) const override {
    namespace dom = simdjson::dom;
    dom::parser parser;
    const simdjson::padded_string padded(body);
    ReadPage page;
    if (feishu_code_is(parser, padded, 1490101)) {  // not held
      page.absent.assign(keys.begin(), keys.end());
      return page;
    }
    auto data = feishu_data(parser, padded, "acs_card read");
    if (!data) return std::unexpected(std::move(data.error()));
    dom::object user;
    if ((*data)["user"].get_object().get(user) != simdjson::SUCCESS) {
      return fail(Error::Kind::kProtocol, "acs_card read", "the answer has no data.user");
    }
    Document d = held_document(keys.front(), user, kRules, held_nested);
    if (d.body == R"({"feature":{}})") {  // a user without a card, as the projection writes it
      d.body = kNoCard;
      d.seal();
    }
    page.found.push_back(std::move(d));
    return page;
  }

  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    return classify_feishu(http_status, body, headers, kReadAllCodes);
  }
  std::span<const CodeRule> codes() const override { return kReadAllCodes; }

  // Not documented: the update's conservative default; the job config overrides it.
  std::vector<RateTier> default_rate() const override { return {{20, 1}}; }
  bool rate_documented() const override { return false; }

 private:
  std::string query_;  // "?user_id_type=..."
};

class AcsCard final : public TargetConnector {
 public:
  explicit AcsCard(const TargetOptions& o) : update_(o), read_(o) {}

  std::string_view id() const override { return "acs_card"; }
  Platform platform() const override { return Platform::kFeishu; }
  Entity entity() const override { return Entity::kEmployees; }
  Field key_column() const override { return Field::kUserId; }
  std::span<const Field> required_columns() const override { return kRequired; }

  std::span<const FieldRule> field_rules() const override { return kRules; }

  std::expected<Document, Invalid> project(const Record& r) const override {
    Document d;
    const bool card = !r.get(Field::kCardNo).empty();
    if (card) d.body.reserve(40);
    DocumentBuilder b(r, d.body);
    if (!(b.begin_object() && b.members(kRules) && b.end_object())) return std::unexpected(b.take_invalid());
    if (!card) d.body = kNoCard;  // not {"feature":{}}: a user without a card
    d.key.assign(r.get(Field::kUserId));
    d.seal();
    return d;
  }

  std::optional<Document> on_missing(const Document&) const override { return std::nullopt; }

  bool sets_nothing(const Document& desired) const override { return desired.body == kNoCard; }

  // A card emptied in HR stays on the device: the snapshot keeps it, and the plan lists it.
  std::optional<Held> held_after(const Document& desired, const Document& last_applied) const override {
    if (desired.body != kNoCard || last_applied.body == kNoCard) return std::nullopt;
    Held held{.document = last_applied, .kept = {Invalid{"feature.card", std::string(kCardEmptied)}}};
    held.document.key = desired.key;
    return held;
  }

  std::vector<Invalid> kept_on_missing(const Document& last_applied) const override {
    if (last_applied.body == kNoCard) return {};
    return {Invalid{"feature.card", std::string(kCardLeft)}};
  }

  const UpdateOperation& update() const override { return update_; }
  const ReadOperation* read() const override { return &read_; }

 private:
  AcsCardUpdate update_;
  AcsCardRead read_;
};

}  // namespace

Result<std::unique_ptr<TargetConnector>> make_acs_card(const TargetOptions& options) {
  OptionUse use;
  use.user_id_type = true;
  if (auto ok = check_options("acs_card", options, use); !ok) return std::unexpected(std::move(ok.error()));
  return std::make_unique<AcsCard>(options);
}

}  // namespace hrsync
