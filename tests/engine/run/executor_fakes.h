// Fakes for the executor tests: a connector with a small code table, a scripted transport that
// runs in virtual time and records what it saw, and a sink that keeps every outcome.
#pragma once

#include <algorithm>
#include <charconv>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "connectors/targets/code_table.h"
#include "engine/net/clock.h"
#include "engine/run/outcome_sink.h"
#include "engine/plan/plan.h"
#include "engine/net/transport.h"
#include "tests/engine/run/busiest_window.h"

namespace hrsync::testing {

// Codes of the fake API. The body of a response is the decimal code.
inline constexpr std::int64_t kOk = 0;
inline constexpr std::int64_t kLock = 44025;          // retry, with the lock backoff
inline constexpr std::int64_t kBusy = 1;              // retry
inline constexpr std::int64_t kBadParam = 40001;      // permanent
inline constexpr std::int64_t kThrottled = 99991400;  // rate limited
inline constexpr std::int64_t kTokenInvalid = 99991663;
inline constexpr std::int64_t kNotHeld = 1490101;     // permanent: the target does not hold the entity

// The fake API's upload, a request its update needs answered first (FakeUpdate with a prior):
// POST /fake/up-<key> through the "upload" lane (1/s); a success answer gives "fid-<body>". Keys
// starting with "?" cannot be built into an upload.
class FakeUpload final : public PriorOperation {
 public:
  std::string_view name() const override { return "upload"; }
  std::string_view endpoint() const override { return "POST /fake/up-:key"; }

  Result<Request> build_request(const Document& desired) const override {
    if (desired.key.starts_with('?')) return fail(Error::Kind::kIo, "face.jpg", "cannot read the photo");
    Request req{"POST", "/fake/up-" + desired.key, {}, "upload"};
    req.built_body = "photo of " + desired.key;
    req.content_type = "multipart/form-data; boundary=b";
    return req;
  }
  Result<std::string> read_given(std::string_view body) const override {
    if (body == "0") return "fid-" + std::string(body);
    return fail(Error::Kind::kProtocol, "fake upload", "no file id");
  }
  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders&) const override {
    Verdict v;
    std::int64_t code = -1;
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), code);
    v.code = ec == std::errc() && end == body.data() + body.size() ? code : -1;
    v.message = "upload msg " + std::string(body) + " (HTTP " + std::to_string(http_status) + ")";
    apply_rule(v, find_code(codes(), v.code));
    return v;
  }
  std::span<const CodeRule> codes() const override {
    static const CodeRule kTable[] = {
        {0, 200, Disposition::kSuccess, "ok"},
        {1, 500, Disposition::kRetry, "busy"},
        {40001, 400, Disposition::kPermanent, "bad param"},
        {99991400, 429, Disposition::kRateLimited, "too many requests"},
    };
    return kTable;
  }
  std::vector<RateTier> default_rate() const override { return {{1, 1}}; }
  std::span<const Lane> lanes() const override {
    static constexpr RateTier kOnePerSecond[] = {{1, 1}};
    static constexpr Lane kLanes[] = {{"upload", kOnePerSecond, "uploads"}};
    return kLanes;
  }
};

// The fake API's update. Keys starting with "L" go through the "dept_or_frozen" lane; keys
// starting with "!" cannot be built into a request. With a prior (`with_upload`), every update is
// preceded by a FakeUpload and sends its answer's id as its body.
class FakeUpdate final : public UpdateOperation {
 public:
  explicit FakeUpdate(std::vector<RateTier> rate, bool with_upload = false)
      : rate_(std::move(rate)), with_upload_(with_upload) {}

  const PriorOperation* prior() const override { return with_upload_ ? &upload_ : nullptr; }
  Result<Request> build_request_given(const Document& desired, const Document* last, std::string_view given) const override {
    Result<Request> req = build_request(desired, last);
    if (req) req->built_body = std::string(given);
    return req;
  }

  Result<Request> build_request(const Document& desired, const Document*) const override {
    if (desired.key.starts_with('!')) return fail(Error::Kind::kIo, "photo.jpg", "cannot read the photo");
    return Request{"PUT", "/fake/" + desired.key, desired.body, lane_of(desired, nullptr)};
  }

  // The fake API's throttle headers: "reset" (seconds) and "limit" (the window's limit).
  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override {
    Verdict v;
    std::int64_t code = -1;
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), code);
    v.code = ec == std::errc() && end == body.data() + body.size() ? code : -1;
    v.message = "msg " + std::string(body) + " (HTTP " + std::to_string(http_status) + ")";
    apply_rule(v, find_code(codes(), v.code));
    if (auto reset = headers.find("reset")) v.reset_s = std::stod(std::string(*reset));
    if (auto limit = headers.find("limit")) v.announced_limit = static_cast<std::uint32_t>(std::stoul(std::string(*limit)));
    return v;
  }

  std::span<const CodeRule> codes() const override {
    static const CodeRule kTable[] = {
        {kOk, 200, Disposition::kSuccess, "ok"},
        {kLock, 400, Disposition::kRetry, "update user lock error",
         RetryDelay{.first_s = 2.0, .growth = 2, .floor_s = 1.0}},  // contact_user's row
        {kBusy, 500, Disposition::kRetry, "busy"},
        {kBadParam, 400, Disposition::kPermanent, "bad param"},
        {kThrottled, 429, Disposition::kRateLimited, "too many requests"},
        {kTokenInvalid, 400, Disposition::kRefreshToken, "tenant token invalid"},
        not_held({kNotHeld, 400, Disposition::kPermanent, "user not found"}),
    };
    return kTable;
  }

  std::vector<RateTier> default_rate() const override { return rate_; }

  std::span<const Lane> lanes() const override {
    static constexpr RateTier kOnePerSecond[] = {{1, 1}};
    static constexpr Lane kLanes[] = {{"dept_or_frozen", kOnePerSecond, "keys starting with L"}};
    return kLanes;
  }

  std::string_view lane_of(const Document& desired, const Document*) const override {
    return desired.key.starts_with('L') ? "dept_or_frozen" : "";
  }

  std::string_view endpoint() const override { return "PUT /fake/:key"; }

 private:
  std::vector<RateTier> rate_;
  bool with_upload_;
  FakeUpload upload_;
};

class FakeConnector final : public TargetConnector {
 public:
  FakeConnector(std::string id, Platform platform, std::vector<RateTier> rate, bool with_upload = false)
      : id_(std::move(id)), platform_(platform), update_(std::move(rate), with_upload) {}

  std::string_view id() const override { return id_; }
  Platform platform() const override { return platform_; }
  Entity entity() const override { return Entity::kEmployees; }
  std::span<const Field> required_columns() const override { return {}; }
  std::expected<Document, Invalid> project(const Record&) const override {
    return std::unexpected(Invalid{"all", "not used"});
  }
  std::optional<Document> on_missing(const Document&) const override { return std::nullopt; }
  const UpdateOperation& update() const override { return update_; }

 private:
  std::string id_;
  Platform platform_;
  FakeUpdate update_;
};

// One scripted answer.
struct Step {
  int status = 200;
  std::string body = "0";
  std::optional<double> reset_s;       // the "reset" header
  std::optional<std::uint32_t> limit;  // the "limit" header
  std::optional<Error::Kind> error;    // a transport error instead of a response
};

inline Step code(std::int64_t c, int status = 200) { return Step{status, std::to_string(c)}; }

// Answers each request after `latency` of virtual time: the next scripted step of its key, or
// success when the script is used up. A credential being fetched (`credential_at`) holds ready()
// and send() until then; `hold` holds a request inside send(), before its write (a connection
// being opened); a response says when its request was written.
class FakeTransport final : public Transport {
 public:
  struct Sent {
    std::string key;
    Clock::time_point at;          // when the request went out
    Clock::time_point answered;    // when its answer came back
    std::string answer;            // body, or "error"
    std::uint64_t token_serial;
    std::string body = {};          // the request's body
    std::string content_type = {};  // the request's Content-Type
  };

  FakeTransport(Clock& clock, Clock::duration latency) : clock_(clock), latency_(latency) {}

  // The round trip of the requests sent from now on.
  void set_latency(Clock::duration latency) { latency_ = latency; }

  std::map<std::string, std::deque<Step>> script;
  std::optional<Error> every_send_fails;   // e.g. the token cannot be fetched
  std::vector<Sent> sent;
  std::size_t started = 0;                 // requests sent so far, answered or not
  std::size_t max_in_flight = 0;
  std::size_t max_in_flight_per_key = 0;
  std::uint64_t token_serial = 1;
  int tokens_rejected = 0;
  Clock::time_point credential_at{};                            // no credential before this time
  std::function<Clock::duration(std::string_view key)> hold;    // inside send(), before the write
  std::size_t ready_calls = 0;
  std::deque<Error> ready_errors;  // what the next ready() calls fail with (a token endpoint down)

  net::awaitable<Result<void>> ready(Platform) override {
    ++ready_calls;
    if (every_send_fails) co_return std::unexpected(*every_send_fails);
    if (!ready_errors.empty()) {
      Error e = ready_errors.front();
      ready_errors.pop_front();
      co_return std::unexpected(std::move(e));
    }
    if (clock_.now() < credential_at) co_await clock_.sleep_until(credential_at);
    co_return Result<void>{};
  }

  net::awaitable<Result<HttpResponse>> send(Platform, const HttpRequest& request) override {
    std::string key(request.target.substr(std::string_view("/fake/").size()));
    if (every_send_fails) co_return std::unexpected(*every_send_fails);
    if (clock_.now() < credential_at) co_await clock_.sleep_until(credential_at);
    if (hold) co_await clock_.sleep_until(clock_.now() + hold(key));
    Clock::time_point at = clock_.now();
    ++started;
    ++in_flight_;
    max_in_flight = std::max(max_in_flight, in_flight_);
    max_in_flight_per_key = std::max(max_in_flight_per_key, ++in_flight_by_key_[key]);
    std::uint64_t serial = token_serial;
    co_await clock_.sleep_until(at + latency_);
    --in_flight_;
    --in_flight_by_key_[key];
    Step step;
    if (auto it = script.find(key); it != script.end() && !it->second.empty()) {
      step = it->second.front();
      it->second.pop_front();
    }
    sent.push_back(Sent{key, at, clock_.now(), step.error ? "error" : step.body, serial, std::string(request.body),
                        std::string(request.content_type)});
    if (step.error) co_return fail(*step.error, "127.0.0.1:1", "connection reset by peer during read");
    HttpResponse response{.status = step.status, .body = step.body, .token_serial = serial, .written = at};
    response.headers.add("X-Tt-Logid", "log-" + key);
    if (step.reset_s) response.headers.add("reset", fmt::format("{}", *step.reset_s));
    if (step.limit) response.headers.add("limit", std::to_string(*step.limit));
    co_return response;
  }

  void token_rejected(Platform, std::uint64_t serial) override {
    ++tokens_rejected;
    if (serial == token_serial) ++token_serial;
  }

  // The most requests sent in any half-open window [t, t + window).
  std::size_t most_sent_in_any(Clock::duration window) const {
    std::vector<Clock::time_point> at;
    for (const Sent& s : sent) at.push_back(s.at);
    return busiest_window(std::move(at), window);
  }

  std::vector<Sent> sends_of(std::string_view key) const {
    std::vector<Sent> out;
    for (const Sent& s : sent) {
      if (s.key == key) out.push_back(s);
    }
    return out;
  }

 private:
  Clock& clock_;
  Clock::duration latency_;
  std::size_t in_flight_ = 0;
  std::map<std::string, std::size_t> in_flight_by_key_;
};

// Keeps a copy of every outcome.
class RecordingSink final : public OutcomeSink {
 public:
  struct Row {
    std::string target;
    std::string key;
    OutcomeStatus status;
    std::int64_t code;
    std::string message;
    std::string log_id;
    unsigned attempts;
    bool documented;
    const Document* commit;
  };

  std::vector<Row> rows;
  std::vector<std::string> finished_targets;

  Result<void> record(const Outcome& o) override {
    rows.push_back(Row{std::string(o.target), std::string(o.key()), o.status, o.verdict.code, o.verdict.message, o.verdict.log_id,
                       o.attempts, o.verdict.documented, o.commit});
    return {};
  }
  Result<void> target_finished(std::string_view target) override {
    finished_targets.emplace_back(target);
    return {};
  }

  const Row* find(std::string_view target, std::string_view key) const {
    for (const Row& r : rows) {
      if (r.target == target && r.key == key) return &r;
    }
    return nullptr;
  }

  std::size_t count(OutcomeStatus status) const {
    std::size_t n = 0;
    for (const Row& r : rows) n += r.status == status ? 1 : 0;
    return n;
  }
};

}  // namespace hrsync::testing
