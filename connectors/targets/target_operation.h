// TargetOperation: one operation a target's API offers, as pure code: its endpoint, its rate limit
// and lanes, its code table and the judging of its answers. UpdateOperation, the operation every
// target has, adds the request that applies a document; ReadOperation, the request that reads
// what the target holds for some keys and the reading of its answer into documents;
// CreateOperation, the request that makes a target hold an entity it lacks; PriorOperation, a
// request an update needs answered before it can be built (an upload whose id it sends).
//
// A connector (target_connector.h) is what a record becomes on its target (record_projection.h)
// and the operations its API offers: update(), read(), create(). An operation keeps its API's rules in
// tables (codes() with their backoffs, default_rate(), lanes()) that the tests walk row by row;
// the engine knows no code or lane of any API but by these. Another operation (a create)
// is another subclass of TargetOperation with a request of its own, which a connector that offers
// it returns from an accessor of its own (nullptr where the API has none): adding one to a target
// touches that target's files.
//
// Thread-safety: operations are immutable after construction; all methods are const and may be
// called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/http_headers.h"
#include "connectors/targets/rate_tier.h"
#include "connectors/targets/record_projection.h"
#include "diff/document.h"

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
// retry.max_delay_s, and never shorter than floor_s (so "some seconds" is never an instant). A
// code without one backs off from the job's retry.base_delay_s, doubling, from zero.
struct RetryDelay {
  double first_s = 0;  // the ceiling of the first backoff, in seconds
  double growth = 2;   // the factor from one retry's ceiling to the next
  double floor_s = 0;  // the shortest wait before any retry, in seconds
  bool operator==(const RetryDelay&) const = default;
};

// One row of a connector's code table.
struct CodeRule {
  std::int64_t code;
  int http_status;  // the HTTP status the document gives for it (0 when not given)
  Disposition disposition;
  std::string_view meaning;  // the document's description, for reports
  std::optional<RetryDelay> backoff{};  // kRetry codes only: a backoff of its own
  // kPermanent codes only: the one member of an update the code refuses, alone ("reg_photo": the
  // box finds no face); the rest of the entity is sent again at once without it
  // (UpdateOperation::without_member). Empty: the code refuses the whole request.
  std::string_view refuses_member{};
  // kPermanent codes only: the API answers it for an entity the target does not hold (a user
  // unknown to the tenant, a person the box lacks): the entity is absent, not failed (see
  // not_held()).
  bool means_absent = false;
};

// `rule`, saying its code means the target does not hold the entity (CodeRule::means_absent).
constexpr CodeRule not_held(CodeRule rule) {
  rule.means_absent = true;
  return rule;
}

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
  // The lane it goes through (a name from the operation's lanes()), "" for none: the same as
  // lane_of() for its documents.
  std::string_view lane;
  std::optional<std::string> built_body;  // a body of the request's own, when it sends another
  std::string content_type;               // "" for JSON; else the body's ("multipart/form-data; boundary=...")

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
  std::string_view refused_member;    // the member the code refuses alone (CodeRule::refuses_member)
  bool absent = false;                // the target does not hold the entity (CodeRule::means_absent)
  // What the answer's headers say of the throttle, as the connector's API documents them:
  std::optional<double> reset_s;                 // seconds until the window has room (maybe a Unix time)
  std::optional<std::uint32_t> announced_limit;  // the window's request limit the server counts by
};

class TargetOperation {
 public:
  virtual ~TargetOperation() = default;

  // What the operation is, as reports name it: "update".
  virtual std::string_view name() const = 0;

  // The endpoint every request goes to, as a plan names it: method and path, the key as a
  // placeholder ("PUT /open-apis/contact/v3/users/:user_id"). Builds nothing.
  virtual std::string_view endpoint() const = 0;

  // Classifies a response by status, body and header fields. Never throws, whatever the body
  // holds. The log id is the body's, else the X-Tt-Logid header's, else X-Request-Id's. An answer no table documents is classified by its HTTP status alone
  // (settle_undocumented() in code_table.h): 429 is rate-limited, 5xx is retried, anything else
  // is permanent. HTTP 413 is permanent whatever the body says.
  Verdict classify(int http_status, std::string_view body, const HttpHeaders& headers = {}) const;

  // The code table, for reports and for the test that walks it.
  virtual std::span<const CodeRule> codes() const = 0;

  // The endpoint's documented (or default) rate limit.
  virtual std::vector<RateTier> default_rate() const = 0;

  // True iff default_rate() is the API document's limit; false when it is a conservative default
  // for an endpoint whose limit no document gives (the job's `rate` may then go above it).
  virtual bool rate_documented() const { return true; }

  // The lanes its requests may go through besides the endpoint's limit; none for most.
  virtual std::span<const Lane> lanes() const { return {}; }

  // The lane called `name`, or nullptr.
  const Lane* find_lane(std::string_view name) const;

 protected:
  // classify() before the fallback for undocumented answers: reads the body and looks its code
  // up in the operation's table; reads the headers its API documents.
  virtual Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const = 0;
};

// A request that must be answered before an update of the same entity can be built: the update
// sends what its answer gives (an uploaded file's id). Its own endpoint, rate, lanes and codes; the
// engine sends it through the target's limiter and its lane, retries it like any request, and
// fails the entity with its verdict when it fails (the update is then not sent).
class PriorOperation : public TargetOperation {
 public:
  // The request to send before the update that applies `desired`. Fails only on I/O (an
  // unreadable photo) or when `desired` has nothing to send first (a kInternal error).
  virtual Result<Request> build_request(const Document& desired) const = 0;

  // What the update needs from an answer classify() called a success: a kProtocol error when the
  // body does not hold it.
  virtual Result<std::string> read_given(std::string_view body) const = 0;
};

// The update of one entity: the request that makes the target hold a document.
class UpdateOperation : public TargetOperation {
 public:
  std::string_view name() const final { return "update"; }

  // The request every update of this target needs answered first, nullptr for none (most).
  virtual const PriorOperation* prior() const { return nullptr; }

  // The request that applies `desired` with `given`, what the prior request's answer gave
  // (PriorOperation::read_given()). REQUIRES: prior() != nullptr. The default ignores `given`.
  virtual Result<Request> build_request_given(const Document& desired, const Document* last_applied,
                                              std::string_view given) const {
    (void)given;
    return build_request(desired, last_applied);
  }

  // The request that applies `desired`. `last_applied` is the snapshot's document, when there is
  // one (patch mode sends only what changed). Fails only on I/O (e.g. an unreadable photo).
  virtual Result<Request> build_request(const Document& desired, const Document* last_applied) const = 0;

  // The document to send again when an answer refused `member` of `desired` alone
  // (Verdict::refused_member): `desired` with that member as the target holds it, from
  // `last_applied` (or left out, which keeps it); nullopt when the operation cannot leave it out.
  virtual std::optional<Document> without_member(const Document& desired, const Document* last_applied,
                                                 std::string_view member) const {
    (void)desired;
    (void)last_applied;
    (void)member;
    return std::nullopt;
  }

  // The lane the request for `desired` goes through (a name from lanes()), "" for none; what
  // build_request() would say, without building the request.
  virtual std::string_view lane_of(const Document& desired, const Document* last_applied) const {
    (void)desired;
    (void)last_applied;
    return {};
  }
};

// The create of one entity the target lacks (a read found it absent): the request that makes the
// target hold `desired`, where the API can create one. A create re-sent after a crash must not make
// a second entity: the request carries the entity's own id (and, where the API takes one, a token
// derived from it). Unless its API documents another, its rate is the update's (the engine sends
// creates through the target's endpoint limit, with the updates) and it has no lane.
class CreateOperation : public TargetOperation {
 public:
  std::string_view name() const final { return "create"; }

  // The request that creates the entity `desired`. Fails only on I/O (an unreadable photo).
  virtual Result<Request> build_request(const Document& desired) const = 0;

  // What in `desired` the API would refuse to create (a person without a usable photo), so that
  // the plan lists the row and sends nothing; nullopt when the create can be sent.
  virtual std::optional<Invalid> refuses(const Document& desired) const {
    (void)desired;
    return std::nullopt;
  }

  // Why no create can be sent with the target's options (an option the create needs is not set),
  // for the job config's check; "" when creates can be sent.
  virtual std::string unusable() const { return {}; }
};

// What one read answer says: the documents the target holds, in the canonical form the
// connector's projection writes (sealed; only the members hrsync manages), and the keys asked
// for that the target does not hold.
struct ReadPage {
  std::vector<Document> found;
  std::vector<std::string> absent;
};

// The read of some entities: the request that asks the target what it holds for a batch of keys,
// and the reading of the answer. classify() judges the envelope first (a key the target does not
// hold is a success where the API answers a single get with a "not found" code); read_page()
// reads an answer classify() called a success.
class ReadOperation : public TargetOperation {
 public:
  std::string_view name() const final { return "read"; }

  // The most keys one request reads (1 for an API that reads one entity a call).
  virtual std::size_t batch_size() const = 0;

  // The request that reads `keys`; a kInternal error unless 1 <= keys.size() <= batch_size().
  virtual Result<Request> build_request(std::span<const std::string> keys) const = 0;

  // The documents the answer `body` to the request for `keys` holds, and the keys it lacks. A
  // body that is not such an answer is a kProtocol error (never an empty page).
  virtual Result<ReadPage> read_page(std::span<const std::string> keys, std::string_view body) const = 0;

  // False when the documents read lack members the update sends (a photo the target does not give
  // back): complete() then fills them in from what was last applied.
  virtual bool sees_all() const { return true; }

  // Fills into `held` (and reseals it) the members the read cannot see, from `last_applied`: the
  // target is taken to hold what hrsync last sent there. Most reads see everything.
  virtual void complete(Document& held, const Document& last_applied) const {
    (void)held;
    (void)last_applied;
  }
};

}  // namespace hrsync
