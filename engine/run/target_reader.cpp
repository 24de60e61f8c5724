#include "engine/run/target_reader.h"

#include <algorithm>
#include <exception>
#include <random>
#include <span>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include "engine/net/async_event.h"
#include "engine/run/concurrency_cap.h"
#include "engine/run/retry_budget.h"
#include "engine/run/retry_decision.h"

namespace hrsync {
namespace {

// The read of one ask while it goes.
struct Reading {
  Reading(const ReadAsk& a, const RetryConfig& retry, const RateLimiterOptions& pacing)
      : ask(a),
        op(*a.connector->read()),
        limiter(a.config->read_rate.empty() ? op.default_rate() : a.config->read_rate, pacing),
        budget(retry.budget, retry.token_ratio),
        batch(std::max<std::size_t>(op.batch_size(), 1)) {
    result.target = std::string(a.connector->id());
    progress.target = result.target + " read";
    progress.planned = (a.keys.size() + batch - 1) / batch;
  }

  const ReadAsk& ask;
  const ReadOperation& op;
  RateLimiter limiter;
  RetryBudget budget;
  std::size_t batch;
  std::size_t next = 0;  // the first key not yet taken by a worker
  TargetRead result;
  TargetProgress progress;
  Clock::time_point first_send{};
  Clock::time_point last_answer{};
};

class ReadRun {
 public:
  ReadRun(const JobConfig& config, Transport& transport, Clock& clock, const std::vector<ReadAsk>& asks,
          const ReaderOptions& options, ProgressBoard* board)
      : transport_(transport),
        clock_(clock),
        policy_(config.retry, RetryPolicyOptions{.max_throttled = options.max_throttled,
                                                 .default_reset_s = options.default_reset_s,
                                                 .unix_now = options.unix_now}),
        rng_(options.seed),
        board_(board) {
    readings_.reserve(asks.size());
    for (const ReadAsk& ask : asks) readings_.emplace_back(ask, config.retry, options.limiter);
  }

  net::awaitable<std::vector<TargetRead>> go() {
    net::any_io_executor io = co_await net::this_coro::executor;
    AsyncEvent all_done(io);
    std::exception_ptr first_error;
    std::size_t pending = 0;
    std::vector<std::size_t> workers;
    for (Reading& r : readings_) {
      workers.push_back(static_cast<std::size_t>(
          std::min<std::uint64_t>(ConcurrencyCap::of(r.ask.config->concurrency, fastest_rate(r.limiter.tiers())).limit(),
                                  r.progress.planned)));
      pending += workers.back();
    }
    if (pending == 0) all_done.set();
    publish();
    for (std::size_t i = 0; i < readings_.size(); ++i) {
      for (std::size_t w = 0; w < workers[i]; ++w) {
        net::co_spawn(io, worker(readings_[i]), [&](std::exception_ptr e) {
          if (e && !first_error) first_error = e;
          if (--pending == 0) all_done.set();
        });
      }
    }
    co_await all_done.wait();
    if (first_error) std::rethrow_exception(first_error);
    std::vector<TargetRead> out;
    for (Reading& r : readings_) {
      r.result.seconds = std::max(std::chrono::duration<double>(r.last_answer - r.first_send).count(), 0.0);
      r.result.retries = r.progress.retries;
      std::sort(r.result.absent.begin(), r.result.absent.end());
      out.push_back(std::move(r.result));
    }
    publish();
    co_return out;
  }

 private:
  net::awaitable<void> worker(Reading& r) {
    while (!r.result.failed && r.next < r.ask.keys.size()) {
      const std::size_t first = r.next;
      const std::size_t count = std::min(r.batch, r.ask.keys.size() - first);
      r.next += count;
      co_await read_batch(r, std::span<const std::string>(r.ask.keys).subspan(first, count));
    }
  }

  // Reads one batch until it is read, or the target's read fails.
  net::awaitable<void> read_batch(Reading& r, std::span<const std::string> keys) {
    Result<Request> request = r.op.build_request(keys);
    if (!request) co_return fail_read(r, request.error().str());
    const HttpRequest http{.method = request->method, .target = request->target, .body = request->body()};
    RetryAttempts attempts;
    for (;;) {
      // The credential first, so a token being fetched holds the read before its rate slot.
      Result<void> ready = co_await transport_.ready(r.ask.connector->platform());
      std::uint64_t slot = 0;
      if (ready) {
        slot = co_await pace(r);
      }
      if (r.result.failed) co_return;
      if (r.first_send == Clock::time_point{}) r.first_send = clock_.now();
      const Clock::time_point sent_at = clock_.now();
      ++r.progress.in_flight;
      // An if, not a conditional expression around a co_await (see the executor's send_once()).
      Result<HttpResponse> response = std::unexpected(Error{});
      if (ready) {
        response = co_await transport_.send(r.ask.connector->platform(), http);
      } else {
        response = std::unexpected(std::move(ready.error()));
      }
      if (response && response->written > sent_at) r.limiter.sent(slot, response->written);
      --r.progress.in_flight;
      r.last_answer = clock_.now();
      if (!response && (response.error().kind == Error::Kind::kAuth || response.error().kind == Error::Kind::kConfig)) {
        co_return fail_read(r, response.error().str());
      }
      ++r.result.calls;
      ++r.progress.requests;
      const Verdict verdict = judge(r, response);
      RetryDecision d = policy_.decide(verdict, attempts, r.budget, r.result.target, rng_);
      if (d.pause) {
        ++r.result.throttled;
        ++r.progress.throttled;
        if (d.pause->announced_limit) r.limiter.lower_limit(*d.pause->announced_limit);
        const Clock::time_point now = clock_.now();
        r.limiter.throttled(sent_at, now, now + seconds_to_duration(d.pause->seconds));
      }
      switch (d.kind) {
        case RetryDecision::Kind::kApplied:
          co_return take_page(r, keys, response->body);
        case RetryDecision::Kind::kAbsent:  // no read table says "not held" of a page: a failed read
        case RetryDecision::Kind::kGiveUp:
          co_return fail_read(r, fmt::format("a read of {} key(s) from {} failed: {}", keys.size(), keys.front(),
                                             d.reason));
        case RetryDecision::Kind::kRefreshToken:
          transport_.token_rejected(r.ask.connector->platform(), response ? response->token_serial : 0);
          break;
        case RetryDecision::Kind::kPauseLane:
          break;
        case RetryDecision::Kind::kRetryAfter:
          ++r.progress.retries;
          co_await clock_.sleep_until(clock_.now() + d.delay);
          break;
      }
    }
  }

  Verdict judge(const Reading& r, const Result<HttpResponse>& response) const {
    if (response) return r.op.classify(response->status, response->body, response->headers);
    Verdict v;
    const Error::Kind kind = response.error().kind;
    const bool deterministic = kind == Error::Kind::kOversize || kind == Error::Kind::kMalformed;
    v.disposition = deterministic ? Disposition::kPermanent : Disposition::kRetry;
    v.documented = !deterministic;
    v.code = -1;
    v.message = response.error().str();
    return v;
  }

  void take_page(Reading& r, std::span<const std::string> keys, std::string_view body) {
    Result<ReadPage> page = r.op.read_page(keys, body);
    if (!page) return fail_read(r, fmt::format("an answer to a read of {} key(s) from {} could not be read: {}",
                                               keys.size(), keys.front(), page.error().str()));
    // An answer listing one key twice: the first document counts (each key is asked once, so a
    // duplicate can only come within one page).
    const auto first = static_cast<std::ptrdiff_t>(r.result.found.size());
    for (Document& d : page->found) {
      const auto same = [&](const Document& kept) { return kept.key == d.key; };
      if (std::any_of(r.result.found.begin() + first, r.result.found.end(), same)) continue;
      r.result.found.push_back(std::move(d));
    }
    for (std::string& k : page->absent) r.result.absent.push_back(std::move(k));
    ++r.progress.done;
    ++r.progress.applied;
    publish();
  }

  void fail_read(Reading& r, std::string why) {
    if (!r.result.failed) r.result.failed = std::move(why);
    r.progress.stopped = true;
    ++r.progress.failed;
    publish();
  }

  // Waits for the read's rate slot and returns its ticket (0 when the read failed meanwhile).
  net::awaitable<std::uint64_t> pace(Reading& r) {
    for (;;) {
      const Clock::time_point now = clock_.now();
      const Clock::time_point start = r.limiter.earliest(now);
      if (start <= now) co_return r.limiter.take(now);
      co_await clock_.sleep_until(start);
      if (r.result.failed) co_return 0;
    }
  }

  void publish() {
    if (board_ == nullptr) return;
    std::vector<TargetProgress> rows;
    for (const Reading& r : readings_) rows.push_back(r.progress);
    board_->publish(rows);
  }

  Transport& transport_;
  Clock& clock_;
  RetryPolicy policy_;
  std::mt19937_64 rng_;
  ProgressBoard* board_;
  std::vector<Reading> readings_;
};

}  // namespace

net::awaitable<std::vector<TargetRead>> read_targets(const JobConfig& config, Transport& transport, Clock& clock,
                                                     const std::vector<ReadAsk>& asks, ReaderOptions options,
                                                     ProgressBoard* board) {
  ReadRun run(config, transport, clock, asks, options, board);
  co_return co_await run.go();
}

}  // namespace hrsync
