// TargetConnector: everything hrsync knows about one target API, as pure code.
//
// A connector projects an HR record into the exact request document its API takes and checks it
// against every field rule of the API document; builds the HTTP request for a document; and
// classifies a response by the document's error codes. It holds no socket, no clock and no
// snapshot: the engine sends, waits and stores. Each connector keeps its API's rules in tables
// (field_rules() with the documented limits of each cell, codes() with their backoffs,
// default_rate(), lanes()) that the tests walk row by row; the engine knows no code or lane of
// any API but by these.
//
// Thread-safety: connectors are immutable after construction; all methods are const and may be
// called from any thread.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/http_headers.h"
#include "connectors/targets/field_table.h"
#include "connectors/targets/rate_tier.h"
#include "diff/document.h"
#include "diff/record.h"

namespace hrsync {

// What to do about a response: the five classes every API code folds into.
enum class Disposition : std::uint8_t {
  kSuccess,       // applied
  kRetry,         // transient (lock, internal error): back off and retry
  kRateLimited,   // throttled: pause the lane for the reset time, then retry
  kRefreshToken,  // token invalid or expired: drop it, fetch a new one, retry once
  kPermanent,     // the request itself is wrong or forbidden: record, do not retry
};

std::string_view disposition_name(Disposition d);

// The backoff a transient code asks for when its document says how to wait (e.g. "wait some
// seconds and retry"): full jitter below first_s * growth^retry, capped by the job's
// retry.max_delay_s. A code without one backs off from the job's retry.base_delay_s, doubling.
struct RetryDelay {
  double first_s = 0;  // the ceiling of the first backoff, in seconds
  double growth = 2;   // the factor from one retry's ceiling to the next
  bool operator==(const RetryDelay&) const = default;
};

// One row of a connector's code table.
struct CodeRule {
  std::int64_t code;
  int http_status;  // the HTTP status the document gives for it (0 when not given)
  Disposition disposition;
  std::string_view meaning;  // the document's description, for reports
  std::optional<RetryDelay> backoff{};  // kRetry codes only: a backoff of its own
};

// A record that breaks a documented rule for one target.
struct Invalid {
  std::string field;  // "name", "feature.card"
  std::string rule;   // "longer than 64 characters (70)"
};

// A value the API holds unique across its entities, besides the key: two records giving the same
// value are both invalid for the target (engine/plan/key_owners.h), since the API would refuse
// the second one every night and which one is right cannot be guessed.
struct UniqueRule {
  enum class Form : std::uint8_t {
    kExact,     // byte for byte
    kMobile,    // normalise_mobile: "13011111111" and "+8613011111111" are one number
    kCaseless,  // ASCII letter case ignored (e-mail addresses)
  };
  std::span<const Field> fields;  // the cells giving it; one value space across them
  Form form = Form::kExact;
  std::string_view rule;          // what the API answers, for the plan ("41001 mobile has already exist")
};

// The form of `cell` that `rule` compares (written to `scratch` when it differs from `cell`).
std::string_view unique_form(const UniqueRule& rule, std::string_view cell, std::string& scratch);

// A rate lane: requests of one kind that a limit of their own holds, besides the endpoint's.
struct Lane {
  std::string_view name;            // as reports and the job config's lane_rate name it
  std::span<const RateTier> tiers;  // its documented limit
  std::string_view carries;         // which requests go through it, for reports
};

// The HTTP request for one document. A request that sends the document's body unchanged refers
// to it (document_body) rather than copying it: it is valid while that Document lives, which the
// executor's Work does for as long as the request. A connector that sends another body (a PATCH
// of the changed members, a photo inlined) keeps it in built_body. body() is what is sent.
struct Request {
  std::string method;  // "PUT", "PATCH", "POST"
  std::string target;  // path and query: "/open-apis/contact/v3/users/u1?user_id_type=user_id"
  std::string_view document_body;  // the Document's body, when sent unchanged
  // The lane it goes through (a name from the connector's lanes()), "" for none: the same as
  // lane_of() for its documents.
  std::string_view lane;
  std::optional<std::string> built_body;  // a body of the request's own, when it sends another

  // The JSON sent.
  std::string_view body() const { return built_body ? std::string_view(*built_body) : document_body; }
};

// The classification of one response.
struct Verdict {
  Disposition disposition = Disposition::kPermanent;
  std::int64_t code = 0;  // the API's code (Feishu `code`, Sophon `error.code`); -1 when unreadable
  std::string message;    // the API's msg, or what was wrong with the response
  std::string log_id;     // Feishu error.log_id when the body has one
  bool documented = true; // false when the code is in no table (see classify())
  std::optional<RetryDelay> backoff;  // the code's own backoff (CodeRule::backoff)
  // What the answer's headers say of the throttle, as the connector's API documents them:
  std::optional<double> reset_s;                 // seconds until the window has room (maybe a Unix time)
  std::optional<std::uint32_t> announced_limit;  // the window's request limit the server counts by
};

// What a target holds once a request is applied, when that is not the document sent: members the
// request cannot clear keep their last applied value.
struct Held {
  Document document;          // what the target holds afterwards (sealed)
  std::vector<Invalid> kept;  // each member kept, and why hrsync cannot clear it: a person must
};

// Which credentials and base URL a target uses.
enum class Platform : std::uint8_t { kFeishu, kSophon };

// Options a job config may set for one target. Connectors read what applies to them and reject
// values they do not know (make_target returns the error).
struct TargetOptions {
  std::string mode = "patch";                  // contact_user: patch (the document recommends it) | put
  std::string on_missing = "ignore";           // ignore | freeze (contact_user) | revoke | blacklist (sophon_person)
  std::string employee_type = "employee_no";   // attendance_face: employee_id | employee_no
  std::string user_id_type = "user_id";        // contact_user, acs_card: open_id | union_id | user_id
  std::string department_id_type = "open_department_id";  // contact_user, contact_group
  std::string photo_dir;                       // sophon_person: base folder of relative photo paths
  // contact_user: the kind of tenant, which decides the mobile rules: feishu (certified),
  // uncertified (a Feishu tenant without certification: +86 numbers only) or lark (mobile
  // optional, +86 refused).
  std::string tenant = "feishu";
  // contact_user: the document members hrsync owns and sends; empty for every member it can send.
  // A member left out is neither sent nor checked, and its cell is read as empty.
  std::vector<std::string> fields;
};

class TargetConnector {
 public:
  virtual ~TargetConnector() = default;

  virtual std::string_view id() const = 0;  // "contact_user"
  virtual Platform platform() const = 0;
  virtual Entity entity() const = 0;        // which kind of source it reads

  // The record column holding the entity's key on this target (Document::key comes from it).
  // The planner marks an invalid record's key as seen, so an invalid row never looks missing.
  virtual Field key_column() const { return key_field(entity()); }

  // Values besides the key that no two entities may share on this target.
  virtual std::span<const UniqueRule> unique_values() const { return {}; }

  // Columns without which no record can be valid for this target; a source lacking one of them
  // stops the run before any call.
  virtual std::span<const Field> required_columns() const = 0;

  // The document this target should hold for `r`, or the broken rule.
  virtual std::expected<Document, Invalid> project(const Record& r) const = 0;

  // The cells project() reads and their documented limits, in document order: the table project()
  // writes the document from (field_table.h), as this connector's options make it. Rules that
  // span cells (documented codes such as contact_user's 41004 or 44020) are not rows of it.
  virtual std::span<const FieldRule> field_rules() const { return {}; }

  // The document to apply to an entity that left the source (its last applied document given),
  // or nullopt when the target's on_missing policy leaves it alone.
  virtual std::optional<Document> on_missing(const Document& last_applied) const = 0;

  // Fills into `desired` (and reseals it) the members its record left empty that the target would
  // otherwise reset to a default, from `last_applied`: sophon_person keeps the last applied person
  // type, permission groups and photo. The planner calls it for every change before diffing the
  // two documents, so an empty cell is no change. Most targets keep nothing.
  virtual void keep_unset(Document& desired, const Document& last_applied) const {
    (void)desired;
    (void)last_applied;
  }

  // What the target holds once `desired` is applied over `last_applied`, when that is not `desired`
  // itself: a member `desired` leaves out that the request cannot clear (a PATCH sets what it
  // carries and leaves the rest) keeps its last applied value. The snapshot records that document,
  // so the member stays a difference in every later plan, listed with the reason until the source
  // gives it a value again or a person clears it. Most targets hold what they are sent.
  virtual std::optional<Held> held_after(const Document& desired, const Document& last_applied) const {
    (void)desired;
    (void)last_applied;
    return std::nullopt;
  }

  // What an entity that left the source keeps on the target when on_missing() leaves it alone and
  // only a person can remove it (acs_card: the card, which its PATCH cannot clear). Most targets
  // keep nothing a person must see to.
  virtual std::vector<Invalid> kept_on_missing(const Document& last_applied) const {
    (void)last_applied;
    return {};
  }

  // True iff `desired` sets nothing on the target (acs_card for a row without a card): an entity
  // the target never held costs no call for it.
  virtual bool sets_nothing(const Document& desired) const {
    (void)desired;
    return false;
  }

  // What the plan says once per run about this target, whatever the entities: a side effect of
  // its requests the API documents (contact_user's PUT may reset members hrsync does not send).
  virtual std::vector<std::string> plan_notes() const { return {}; }

  // The request that applies `desired`. `last_applied` is the snapshot's document, when there is
  // one (patch mode sends only what changed). Fails only on I/O (e.g. an unreadable photo).
  virtual Result<Request> build_request(const Document& desired, const Document* last_applied) const = 0;

  // The endpoint every request goes to, as a plan names it: method and path, the key as a
  // placeholder ("PUT /open-apis/contact/v3/users/:user_id"). Builds nothing.
  virtual std::string_view endpoint() const = 0;

  // The lane the request for `desired` goes through (a name from lanes()), "" for none; what
  // build_request() would say, without building the request.
  virtual std::string_view lane_of(const Document& desired, const Document* last_applied) const {
    (void)desired;
    (void)last_applied;
    return {};
  }

  // Classifies a response by status, body and header fields. Never throws, whatever the body
  // holds. An answer no table documents is classified by its HTTP status alone
  // (settle_undocumented() in code_table.h): 429 is rate-limited, 5xx is retried, anything else
  // is permanent.
  Verdict classify(int http_status, std::string_view body, const HttpHeaders& headers = {}) const;

  // The code table, for reports and for the test that walks it.
  virtual std::span<const CodeRule> codes() const = 0;

  // The endpoint's documented (or default) rate limit.
  virtual std::vector<RateTier> default_rate() const = 0;

  // The lanes its requests may go through besides the endpoint's limit; none for most targets.
  virtual std::span<const Lane> lanes() const { return {}; }

  // The lane called `name`, or nullptr.
  const Lane* find_lane(std::string_view name) const;

 protected:
  // classify() before the fallback for undocumented answers: reads the body and looks its code
  // up in the connector's table; reads the headers its API documents.
  virtual Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const = 0;
};

// The five target ids, in the order reports list them.
std::span<const std::string_view> target_ids();

// The connector for `id` with `options`, or a kConfig error naming the bad id or option.
Result<std::unique_ptr<TargetConnector>> make_target(std::string_view id, const TargetOptions& options);

}  // namespace hrsync
