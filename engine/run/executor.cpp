#include "engine/run/executor.h"

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include "engine/net/async_event.h"
#include "engine/run/concurrency_cap.h"
#include "engine/run/retry_budget.h"
#include "engine/run/retry_decision.h"

namespace hrsync {
namespace {

const TargetConfig& config_for(const JobConfig& config, std::string_view id) {
  static const TargetConfig kDefaults;
  for (const TargetConfig& t : config.targets) {
    if (t.id == id) return t;
  }
  return kDefaults;
}

// One response (or transport error): the connector's verdict on it, and the token it carried.
struct Judged {
  Verdict verdict;
  std::uint64_t token_serial = 0; // the token the request carried
};

}  // namespace

bool RunSummary::any_stopped() const {
  return std::any_of(targets.begin(), targets.end(), [](const TargetResult& t) { return t.stop != TargetStop::kNone; });
}

bool RunSummary::any_failed() const {
  return std::any_of(targets.begin(), targets.end(),
                     [](const TargetResult& t) { return t.counts.failed + t.counts.skipped > 0; });
}

// The state of one run: targets, the retry budget, the jitter source, the workers.
class Executor::Run {
 public:
  Run(Executor& executor, const Plan& plan)
      : x_(executor),
        policy_(executor.config_.retry, RetryPolicyOptions{.max_throttled = executor.options_.max_throttled,
                                                           .default_reset_s = executor.options_.default_reset_s,
                                                           .unix_now = executor.options_.unix_now}),
        rng_(executor.options_.seed) {
    targets_.reserve(plan.targets.size());
    for (const TargetPlan& tp : plan.targets) {
      targets_.emplace_back(tp, config_for(x_.config_, tp.id), x_.options_.limiter, x_.config_.retry);
    }
  }

  net::awaitable<RunSummary> go() {
    io_ = co_await net::this_coro::executor;
    AsyncEvent all_done(io_);
    all_done_ = &all_done;
    last_publish_ = x_.clock_.now();
    for (Target& t : targets_) grow(t);
    for (Target& t : targets_) {
      if (t.workers_left == 0) finish_target(t);  // nothing to send, or stopped already
    }
    publish(true);
    if (pending_ == 0) all_done.set();
    co_await all_done.wait();
    all_done_ = nullptr;
    if (first_error_) std::rethrow_exception(first_error_);
    publish(true);
    co_return summary();
  }

 private:
  struct Target {
    Target(const TargetPlan& tp, const TargetConfig& tc, const RateLimiterOptions& limiter, const RetryConfig& retry)
        : plan(tp),
          config(tc),
          connector(*tp.connector),
          limiter_options(limiter),
          endpoint(tc.rate.empty() ? tp.connector->update().default_rate() : tc.rate, limiter),
          budget(retry.budget, retry.token_ratio),
          window(tc.failure_window, 0),
          cap(ConcurrencyCap::of(tc.concurrency, fastest_rate(endpoint.tiers()))) {
      progress.target = tp.id;
      progress.planned = tp.calls();
      note_cap();
    }

    // The cap in force, onto the progress counters.
    void note_cap() {
      progress.concurrency = cap.limit();
      progress.concurrency_peak = cap.peak();
      progress.concurrency_auto = cap.automatic();
    }

    const TargetPlan& plan;
    const TargetConfig& config;
    const TargetConnector& connector;
    RateLimiterOptions limiter_options;
    RateLimiter endpoint;
    std::map<std::string_view, RateLimiter, std::less<>> lanes;  // by the connector's lane names
    std::size_t next = 0;          // the next work item to start
    std::size_t workers_left = 0;  // workers started and not yet finished (their completion ran)
    unsigned active = 0;           // workers that have not left their loop
    unsigned busy = 0;             // workers applying an entity
    bool finished = false;         // finish_target() ran
    TargetProgress progress;
    std::uint64_t published_requests = 0;  // progress.requests at the previous publication
    Clock::time_point first_send{};
    Clock::time_point last_answer{};
    TargetStop stop = TargetStop::kNone;
    std::string stop_reason;
    RetryBudget budget;
    std::vector<std::uint8_t> window;  // 1 = failed for the service, over the last failure_window finished entities
    std::size_t window_pos = 0;
    std::size_t window_failures = 0;
    std::uint64_t resets_bounded = 0;  // throttle resets beyond RetryConfig::max_pause_s
    double largest_reset_s = 0;        // the largest of those
    std::vector<LoweredLimit> lowered;  // limits the server announced lower than configured
    ConcurrencyCap cap;                 // the most workers at once
  };

  // A worker applies entities one after the other; it leaves when the work is done, the target
  // stopped, or the target has more workers than its cap now allows.
  net::awaitable<void> worker(Target& t) {
    Work slot;  // an entry read from the target's stream, while this worker applies it
    while (t.stop == TargetStop::kNone && t.active <= t.cap.limit()) {
      const Work* work = next_work(t, slot);
      if (work == nullptr) break;
      ++t.busy;
      co_await apply(t, *work);
      --t.busy;
    }
    --t.active;
  }

  // Starts workers until the target has as many as its cap allows, or one for each entity not
  // yet taken.
  void grow(Target& t) {
    while (t.stop == TargetStop::kNone && t.active < t.cap.limit() &&
           t.active - t.busy < t.plan.calls() - std::min<std::uint64_t>(t.next, t.plan.calls())) {
      ++t.active;
      ++t.workers_left;
      ++pending_;
      net::co_spawn(io_, worker(t), [this, target = &t](std::exception_ptr e) {
        if (e && !first_error_) first_error_ = e;
        if (--target->workers_left == 0) finish_target(*target);
        if (--pending_ == 0 && all_done_ != nullptr) all_done_->set();
      });
    }
  }

  // An answer came `round_trip` after its request: the cap is sized again, and workers started
  // when it grew.
  void measured(Target& t, Clock::duration round_trip) {
    t.cap.observe(std::chrono::duration<double>(round_trip).count(), fastest_rate(t.endpoint.tiers()));
    t.note_cap();
    grow(t);
  }

  // The target's next entry: from its held work, then from its stream (read into `slot`); null at
  // the end. A stream that fails stops the target.
  const Work* next_work(Target& t, Work& slot) {
    if (t.next < t.plan.work.size()) return &t.plan.work[t.next++];
    if (!t.plan.stream) return nullptr;
    if (t.plan.stream->next(slot)) {
      ++t.next;
      return &slot;
    }
    if (!t.plan.stream->status()) {
      stop(t, TargetStop::kConfig, "its work could not be read: " + t.plan.stream->status().error().str());
    }
    return nullptr;
  }

  // The limiter of the connector's lane `name` (the update's, or its prior request's;
  // TargetConfig::lane_rate replacing its tiers), or nullptr for a request in no lane it lists.
  RateLimiter* lane_for(Target& t, std::string_view name) {
    if (name.empty()) return nullptr;
    auto it = t.lanes.find(name);
    if (it == t.lanes.end()) {
      const UpdateOperation& update = t.connector.update();
      const Lane* lane = update.find_lane(name);
      if (lane == nullptr && update.prior() != nullptr) lane = update.prior()->find_lane(name);
      if (lane == nullptr) return nullptr;
      std::span<const RateTier> tiers = t.config.lane_rate.empty() ? lane->tiers : t.config.lane_rate;
      it = t.lanes.emplace(lane->name, RateLimiter(tiers, t.limiter_options)).first;
    }
    return &it->second;
  }

  // What after_answer() leaves to its caller.
  enum class Step : std::uint8_t {
    kFinished,  // the entity is finished (applied, failed, or its target stopped)
    kAgain,     // send the same request again (after the wait it set)
    kAnswered,  // a prior request succeeded: the update may be built
  };

  // The HTTP request for `request`: its body is the plan document's own unless the connector
  // built another, and `work` outlives it.
  static HttpRequest http_of(const Request& request) {
    HttpRequest http{.method = request.method, .target = request.target, .body = request.body()};
    if (!request.content_type.empty()) http.content_type = request.content_type;
    return http;
  }

  // Fails `outcome` with `error`, for a request that could not be built (nothing was sent).
  void unbuilt(Target& t, Outcome& outcome, const Error& error) {
    outcome.verdict.code = -1;
    outcome.verdict.message = error.str();
    finish(t, outcome, OutcomeStatus::kFailed);
  }

  // Sends `http` once, after the limiters let it go; nullopt when the target stopped, before or
  // because of it (`outcome` is then finished). `body` takes the answer's body. The credential
  // comes first (Transport::ready()), so a token being fetched holds the request before its rate
  // slot; a request held after it all the same (a connection opened) moves its slot to when it left.
  net::awaitable<std::optional<Judged>> send_once(Target& t, const TargetOperation& operation, const HttpRequest& http,
                                                  RateLimiter* lane, Outcome& outcome, Clock::time_point& sent_at,
                                                  std::string* body = nullptr) {
    Result<void> ready = co_await x_.transport_.ready(t.connector.platform());
    Slots slots;
    if (ready && t.stop == TargetStop::kNone) {
      slots = co_await pace(t, lane);
    }
    if (t.stop != TargetStop::kNone) {
      finish_stopped(t, outcome);
      co_return std::nullopt;
    }
    ++t.progress.in_flight;
    if (t.first_send == Clock::time_point{}) t.first_send = x_.clock_.now();
    sent_at = x_.clock_.now();
    // An if, not a conditional expression: with a co_await inside one, g++ 12 built a crash here.
    Result<HttpResponse> response = std::unexpected(Error{});
    if (ready) {
      response = co_await x_.transport_.send(t.connector.platform(), http);
    } else {
      response = std::unexpected(std::move(ready.error()));
    }
    if (response && response->written > sent_at) {
      t.endpoint.sent(slots.endpoint, response->written);
      if (lane != nullptr) lane->sent(slots.lane, response->written);
      sent_at = response->written;
    }
    --t.progress.in_flight;
    t.last_answer = x_.clock_.now();
    if (response) measured(t, t.last_answer - sent_at);
    if (!response && (response.error().kind == Error::Kind::kAuth || response.error().kind == Error::Kind::kConfig)) {
      // Nothing reached the API: the target cannot go on.
      stop(t, response.error().kind == Error::Kind::kAuth ? TargetStop::kAuth : TargetStop::kConfig,
           response.error().str());
      finish_stopped(t, outcome);
      co_return std::nullopt;
    }
    ++outcome.attempts;
    ++t.progress.requests;
    Judged answer = judge(operation, response);
    if (body != nullptr && response) *body = std::move(response->body);
    co_return answer;
  }

  // Sends the request the update of `work` needs answered first (UpdateOperation::prior()), with
  // the same retries as any request; what its answer gives, or nullopt when the entity finished
  // (the prior request failed, with its verdict, or the target stopped).
  net::awaitable<std::optional<std::string>> prior_step(Target& t, const Work& work, Outcome& outcome) {
    const PriorOperation& prior = *t.connector.update().prior();
    Result<Request> request = prior.build_request(work.desired);
    if (!request) {
      unbuilt(t, outcome, request.error());
      co_return std::nullopt;
    }
    RateLimiter* lane = lane_for(t, request->lane);
    const HttpRequest http = http_of(*request);
    RetryAttempts attempts;
    for (;;) {
      Clock::time_point sent_at{};
      std::string body;
      std::optional<Judged> answer = co_await send_once(t, prior, http, lane, outcome, sent_at, &body);
      if (!answer) co_return std::nullopt;
      Clock::duration wait = Clock::duration::zero();
      const Step step = after_answer(t, outcome, std::move(*answer), attempts, sent_at, lane, wait, false);
      if (step == Step::kFinished) co_return std::nullopt;
      if (step == Step::kAnswered) {
        Result<std::string> given = prior.read_given(body);
        if (given) co_return std::move(*given);
        outcome.verdict.disposition = Disposition::kPermanent;
        outcome.verdict.message = given.error().str();
        finish(t, outcome, OutcomeStatus::kFailed, true);  // an answer the API does not document
        co_return std::nullopt;
      }
      if (wait > Clock::duration::zero()) co_await x_.clock_.sleep_until(x_.clock_.now() + wait);
    }
  }

  // The update's request for `desired`, with what the prior request gave when the update has one.
  static Result<Request> update_request(const Target& t, const Document& desired, const Document* last,
                                        const std::optional<std::string>& given) {
    const UpdateOperation& update = t.connector.update();
    return given ? update.build_request_given(desired, last, *given) : update.build_request(desired, last);
  }

  // Sends one entity until it is applied, refused, out of tries, or its target stops. An update
  // whose operation has a prior request sends that first (prior_step()).
  net::awaitable<void> apply(Target& t, const Work& work) {
    Outcome outcome{.target = t.plan.id, .work = &work};
    const Document* last = work.last_applied ? &*work.last_applied : nullptr;
    const CreateOperation* create = work.action == Work::Action::kCreate ? t.connector.create() : nullptr;
    if (work.action == Work::Action::kCreate && create == nullptr) {
      outcome.verdict.code = -1;
      outcome.verdict.message = fmt::format("{} has no create operation", t.plan.id);
      co_return finish(t, outcome, OutcomeStatus::kFailed);
    }
    const TargetOperation& operation = create != nullptr ? static_cast<const TargetOperation&>(*create)
                                                         : static_cast<const TargetOperation&>(t.connector.update());
    std::optional<std::string> given;  // what the prior request's answer gave
    if (create == nullptr && t.connector.update().prior() != nullptr) {
      given = co_await prior_step(t, work, outcome);
      if (!given) co_return;
    }
    Result<Request> request = create != nullptr ? create->build_request(work.desired) : update_request(t, work.desired, last, given);
    if (!request) co_return unbuilt(t, outcome, request.error());
    RateLimiter* lane = lane_for(t, request->lane);
    HttpRequest http = http_of(*request);
    std::optional<Document> rest;  // the document sent again without a member the target refused alone
    RetryAttempts attempts;
    for (;;) {
      Clock::time_point sent_at{};  // when the latest request went out
      std::optional<Judged> answer = co_await send_once(t, operation, http, lane, outcome, sent_at);
      if (!answer) co_return;
      Clock::duration wait = Clock::duration::zero();
      if (create == nullptr && !rest && (rest = refused_part(t, work, last, answer->verdict))) {
        // The target refused one member alone (the box's photo): the rest goes again at once.
        request = update_request(t, *rest, last, given);
        if (!request) co_return unbuilt(t, outcome, request.error());
        outcome.refused = std::move(answer->verdict);
        lane = lane_for(t, request->lane);
        http = http_of(*request);
        attempts = RetryAttempts{};
        continue;
      }
      if (after_answer(t, outcome, std::move(*answer), attempts, sent_at, lane, wait) == Step::kFinished) co_return;
      if (wait > Clock::duration::zero()) co_await x_.clock_.sleep_until(x_.clock_.now() + wait);
    }
  }

  // The document to send again when `v` refuses one member of the update `work` alone
  // (Verdict::refused_member), from the connector (UpdateOperation::without_member); nullopt
  // otherwise.
  std::optional<Document> refused_part(const Target& t, const Work& work, const Document* last, const Verdict& v) const {
    if (v.disposition != Disposition::kPermanent || v.refused_member.empty()) return std::nullopt;
    return t.connector.update().without_member(work.desired, last, v.refused_member);
  }

  // Acts on one answer as the retry policy decides (retry_decision.h): finishes the entity
  // (kFinished), or asks to send it again (kAgain), after `wait` (a backoff) when that is set. An
  // answer that applies a prior request (`last_step` false) does not finish it: kAnswered.
  Step after_answer(Target& t, Outcome& outcome, Judged answer, RetryAttempts& a, Clock::time_point sent_at,
                    RateLimiter* lane, Clock::duration& wait, bool last_step = true) {
    outcome.verdict = std::move(answer.verdict);
    RetryDecision d = policy_.decide(outcome.verdict, a, t.budget, t.plan.id, rng_);
    if (d.pause) pause_lane(t, lane != nullptr ? *lane : t.endpoint, sent_at, *d.pause);
    switch (d.kind) {
      case RetryDecision::Kind::kApplied:
        if (!last_step) return Step::kAnswered;
        outcome.verdict.message.clear();
        outcome.commit = outcome.work->holds ? &*outcome.work->holds : &outcome.work->desired;
        return done(t, outcome, OutcomeStatus::kApplied);
      case RetryDecision::Kind::kGiveUp:
        outcome.verdict.message = std::move(d.reason);
        return done(t, outcome, OutcomeStatus::kFailed, d.sick);
      case RetryDecision::Kind::kAbsent:
        // Only an update can find the entity gone; a create answered so is refused like any other.
        outcome.verdict.message = std::move(d.reason);
        return done(t, outcome, outcome.work->action == Work::Action::kCreate ? OutcomeStatus::kFailed
                                                                              : OutcomeStatus::kAbsent);
      case RetryDecision::Kind::kRefreshToken:
        x_.transport_.token_rejected(t.connector.platform(), answer.token_serial);
        return Step::kAgain;
      case RetryDecision::Kind::kPauseLane:
        return Step::kAgain;
      case RetryDecision::Kind::kRetryAfter:
        ++t.progress.retries;
        wait = d.delay;
        return Step::kAgain;
    }
    return Step::kFinished;
  }

  // A throttled answer: the lane (the request's own, else the target's endpoint) takes the limit
  // the server announced when lower than its tier, and pauses as the policy says.
  void pause_lane(Target& t, RateLimiter& limiter, Clock::time_point sent_at, const LanePause& pause) {
    ++t.progress.throttled;
    if (pause.announced_limit) lowered(t, limiter, limiter.lower_limit(*pause.announced_limit));
    if (pause.bounded) {
      ++t.resets_bounded;
      t.largest_reset_s = std::max(t.largest_reset_s, pause.asked_s.value_or(0));
    }
    const Clock::time_point now = x_.clock_.now();
    limiter.throttled(sent_at, now, now + seconds_to_duration(pause.seconds));
  }

  // Notes a tier of `limiter` (the target's endpoint or one of its lanes) the server lowered, or
  // announced lower without it being taken yet.
  void lowered(Target& t, const RateLimiter& limiter, std::optional<RateLimiter::Lowered> change) {
    if (!change) return;
    std::string lane;
    for (const auto& [name, l] : t.lanes) {
      if (&l == &limiter) lane = name;
    }
    LoweredLimit* known = nullptr;
    for (LoweredLimit& l : t.lowered) {
      if (l.lane == lane && l.configured == change->configured) known = &l;
    }
    if (!known) {
      t.lowered.push_back(LoweredLimit{std::move(lane), change->configured, change->configured, change->announced});
      known = &t.lowered.back();
    }
    known->asked = std::min(known->asked, change->announced);
    if (change->unconfirmed) {
      known->unconfirmed = known->announced == known->configured;
      return;
    }
    known->unconfirmed = false;
    known->announced = change->after;
    known->floored = known->floored || change->floored;
  }

  // finish(), for after_answer(): the entity is done, nothing more to send. `sick`: the failure
  // says the service is unwell (see note_finished()).
  Step done(Target& t, Outcome& outcome, OutcomeStatus status, bool sick = false) {
    finish(t, outcome, status, sick);
    return Step::kFinished;
  }

  Judged judge(const TargetOperation& operation, Result<HttpResponse>& response) const {
    Judged a;
    if (!response) {
      // Network trouble, or a reply that was not HTTP, may pass; an answer too large, or one
      // whose header is malformed, is the server's answer and the same on every try: it fails
      // the entity at once, and counts for the service (as an answer no code table knows does).
      const Error::Kind kind = response.error().kind;
      const bool deterministic = kind == Error::Kind::kOversize || kind == Error::Kind::kMalformed;
      a.verdict.disposition = deterministic ? Disposition::kPermanent : Disposition::kRetry;
      a.verdict.documented = !deterministic;
      a.verdict.code = -1;
      a.verdict.message = response.error().str();
      return a;
    }
    a.verdict = operation.classify(response->status, response->body, response->headers);
    a.token_serial = response->token_serial;
    return a;
  }

  // The rate slots one request took: its tickets at the target's limiter and at its lane's.
  struct Slots {
    std::uint64_t endpoint = 0;
    std::uint64_t lane = 0;
  };

  // Waits until the target's limiter, and the lane's if any, let a request start, and takes the
  // slot at the moment the request goes out (none when the target stopped meanwhile).
  net::awaitable<Slots> pace(Target& t, RateLimiter* lane) {
    for (;;) {
      Clock::time_point now = x_.clock_.now();
      Clock::time_point start = t.endpoint.earliest(now);
      if (lane != nullptr) start = std::max(start, lane->earliest(now));
      if (start <= now) {
        Slots slots{.endpoint = t.endpoint.take(now)};
        if (lane != nullptr) slots.lane = lane->take(now);
        co_return slots;
      }
      co_await x_.clock_.sleep_until(start);
      if (t.stop != TargetStop::kNone) co_return Slots{};
    }
  }

  void finish_stopped(Target& t, Outcome& outcome) {
    if (outcome.attempts == 0) {
      outcome.verdict.code = 0;
      outcome.verdict.message = "not sent: " + t.stop_reason;
      return finish(t, outcome, OutcomeStatus::kSkipped);
    }
    outcome.verdict.message = fmt::format("{} (not retried: {})", outcome.verdict.message, t.stop_reason);
    finish(t, outcome, OutcomeStatus::kFailed);
  }

  void finish(Target& t, Outcome& outcome, OutcomeStatus status, bool sick = false) {
    outcome.status = status;
    ++t.progress.done;
    switch (status) {
      case OutcomeStatus::kApplied: ++t.progress.applied; break;
      case OutcomeStatus::kFailed: ++t.progress.failed; break;
      case OutcomeStatus::kSkipped: ++t.progress.skipped; break;
      case OutcomeStatus::kAbsent: ++t.progress.absent; break;
    }
    if (auto recorded = x_.sink_.record(outcome); !recorded) not_recorded(recorded.error());
    if (status != OutcomeStatus::kSkipped) note_finished(t, status == OutcomeStatus::kFailed && sick);
    publish(false);
  }

  // Quarantine: more than max_failure_ratio of the last failure_window finished entities failed
  // in a way that says the service is unwell (`sick`): network errors, 5xx and other transient
  // answers until the tries or the retry budget ran out, endless throttling, a token refused
  // twice, an answer no code table knows. A documented permanent refusal of one entity's data
  // (a field the API refuses, an unknown user, a photo the box rejects) fails that entity and takes
  // a place in the window as a healthy answer: rows that fail every night never stop the rest.
  void note_finished(Target& t, bool sick) {
    if (t.window.empty()) return;
    t.window_failures -= t.window[t.window_pos];
    t.window[t.window_pos] = sick ? 1 : 0;
    t.window_failures += t.window[t.window_pos];
    t.window_pos = (t.window_pos + 1) % t.window.size();
    double share = static_cast<double>(t.window_failures) / static_cast<double>(t.window.size());
    if (t.stop == TargetStop::kNone && share > t.config.max_failure_ratio) {
      stop(t, TargetStop::kQuarantined,
           fmt::format("target {} quarantined: {} of its last {} finished entities failed for the service (network "
                       "errors, server errors, timeouts; max_failure_ratio {})",
                       t.plan.id, t.window_failures, t.window.size(), t.config.max_failure_ratio));
    }
  }

  void stop(Target& t, TargetStop why, std::string reason) {
    if (t.stop != TargetStop::kNone) return;
    t.stop = why;
    t.stop_reason = std::move(reason);
    t.progress.stopped = true;
  }

  // The sink could not record: no target starts another call. The first error is kept.
  void not_recorded(const Error& error) {
    if (record_error_) return;
    record_error_ = error;
    for (Target& t : targets_) {
      if (t.finished) continue;  // nothing left to stop
      // Short: it is repeated in every entity left unsent; the error itself is the run's.
      stop(t, TargetStop::kNotRecorded, "the outcomes could not be recorded (see the run's error)");
    }
  }

  // After the last worker: the entities never started are skipped.
  void finish_target(Target& t) {
    t.finished = true;
    Work slot;
    for (const Work* work = next_work(t, slot); work != nullptr; work = next_work(t, slot)) {
      Outcome outcome{.target = t.plan.id, .work = work};
      finish_stopped(t, outcome);
    }
    if (auto flushed = x_.sink_.target_finished(t.plan.id); !flushed) not_recorded(flushed.error());
  }

  void publish(bool force) {
    if (x_.board_ == nullptr) return;
    Clock::time_point now = x_.clock_.now();
    if (!force && now - last_publish_ < x_.options_.progress_interval) return;
    double seconds = std::chrono::duration<double>(now - last_publish_).count();
    snapshot_.clear();
    for (Target& t : targets_) {
      std::uint64_t sent = t.progress.requests - t.published_requests;
      t.progress.rate = seconds > 0 ? static_cast<double>(sent) / seconds : 0.0;
      t.published_requests = t.progress.requests;
      snapshot_.push_back(t.progress);
    }
    last_publish_ = now;
    x_.board_->publish(snapshot_);
  }

  RunSummary summary() const {
    RunSummary out;
    out.record_error = record_error_;
    for (const Target& t : targets_) {
      out.retries_used += t.budget.retries();
      double seconds = std::chrono::duration<double>(t.last_answer - t.first_send).count();
      TargetResult r{t.progress, t.stop, t.stop_reason, std::max(seconds, 0.0)};
      r.resets_bounded = t.resets_bounded;
      r.largest_reset_s = t.largest_reset_s;
      r.lowered_limits = t.lowered;
      out.targets.push_back(std::move(r));
    }
    return out;
  }

  Executor& x_;
  net::any_io_executor io_;
  AsyncEvent* all_done_ = nullptr;     // set when the last worker finishes
  std::size_t pending_ = 0;            // workers of every target not finished
  std::exception_ptr first_error_;
  RetryPolicy policy_;
  std::mt19937_64 rng_;
  std::vector<Target> targets_;
  std::vector<TargetProgress> snapshot_;
  Clock::time_point last_publish_{};
  std::optional<Error> record_error_;
};

Executor::Executor(const JobConfig& config, Transport& transport, Clock& clock, OutcomeSink& sink,
                   ExecutorOptions options, ProgressBoard* board)
    : config_(config), transport_(transport), clock_(clock), sink_(sink), options_(options), board_(board) {}

Executor::~Executor() = default;

net::awaitable<RunSummary> Executor::run(const Plan& plan) {
  Run run(*this, plan);
  co_return co_await run.go();
}

}  // namespace hrsync
