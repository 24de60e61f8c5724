#include "connectors/targets/acs_card.h"

#include <array>

#include "connectors/targets/code_table.h"
#include "connectors/targets/document_builder.h"
#include "connectors/targets/feishu_envelope.h"
#include "connectors/targets/option_check.h"
#include "base/url_escape.h"

namespace hrsync {
namespace {

// Every code of the API document (it gives one).
constexpr std::array<CodeRule, 1> kDocumentCodes = {{
    {1490101, 400, Disposition::kPermanent, "user not found (check that the user is in an access group)"},
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

 private:
  std::string query_;  // "?user_id_type=..."
};

class AcsCard final : public TargetConnector {
 public:
  explicit AcsCard(const TargetOptions& o) : update_(o) {}

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

 private:
  AcsCardUpdate update_;
};

}  // namespace

Result<std::unique_ptr<TargetConnector>> make_acs_card(const TargetOptions& options) {
  OptionUse use;
  use.user_id_type = true;
  if (auto ok = check_options("acs_card", options, use); !ok) return std::unexpected(std::move(ok.error()));
  return std::make_unique<AcsCard>(options);
}

}  // namespace hrsync
