#include "engine/net/token_cache.h"

#include <algorithm>
#include <exception>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include "engine/net/async_event.h"

namespace hrsync {

// One fetch and the requests waiting for it.
struct TokenCache::Flight {
  explicit Flight(const net::any_io_executor& executor) : done(executor) {}
  AsyncEvent done;
  std::optional<Result<Token>> result;
};

TokenCache::TokenCache(TokenFetch fetch, Clock& clock, TokenCacheOptions options)
    : fetch_(std::move(fetch)), clock_(clock), options_(options) {}

TokenCache::~TokenCache() = default;

bool TokenCache::fresh(Clock::time_point now) const { return token_.serial != 0 && now < refresh_at_; }

bool TokenCache::usable(Clock::time_point now) const { return token_.serial != 0 && now < wait_from_; }

net::awaitable<Result<Token>> TokenCache::get() {
  const Clock::time_point now = clock_.now();
  if (fresh(now)) co_return token_;
  if (usable(now)) {
    // Refresh beside the calls; this one goes on with the token it has.
    if (!flight_) net::co_spawn(co_await net::this_coro::executor, refresh_beside(), net::detached);
    co_return token_;
  }
  if (flight_) {
    std::shared_ptr<Flight> flight = flight_;
    co_await flight->done.wait();
    co_return *flight->result;
  }
  co_return co_await fetch_now();
}

net::awaitable<Result<Token>> TokenCache::fetch_now() {
  auto flight = std::make_shared<Flight>(co_await net::this_coro::executor);
  flight_ = flight;
  ++fetches_;
  Clock::time_point asked_at = clock_.now();
  Result<TokenGrant> grant = co_await fetch_waiting_out_throttles();
  if (grant && !grant->token.empty() && options_.on_token) options_.on_token(grant->token);
  if (grant && grant->expire.count() <= 0) {
    grant = fail(Error::Kind::kAuth, "token endpoint",
                 fmt::format("returned a token with expire {} (seconds); expected a positive lifetime",
                             grant->expire.count()));
  }
  if (grant) {
    // Refresh `refresh_ahead` before expiry, or at half the lifetime when that comes first; wait
    // for the fetch only in the last half of that lead.
    auto lead = std::min<Clock::duration>(options_.refresh_ahead, grant->expire / 2);
    token_ = Token{std::move(grant->token), fetches_};
    refresh_at_ = asked_at + grant->expire - lead;
    wait_from_ = asked_at + grant->expire - lead / 2;
    flight->result = token_;
  } else {
    flight->result = std::unexpected(grant.error());
    // The token in hand, if still usable, serves on; the next refresh beside the calls in a second.
    if (usable(clock_.now())) refresh_at_ = std::min(wait_from_, clock_.now() + std::chrono::seconds(1));
  }
  flight_.reset();
  flight->done.set();
  co_return *flight->result;
}

net::awaitable<void> TokenCache::refresh_beside() {
  if (flight_) co_return;
  (void)co_await fetch_now();
}

// Asks the endpoint, and again after each throttle's pause, up to throttle_attempts times.
net::awaitable<Result<TokenGrant>> TokenCache::fetch_waiting_out_throttles() {
  const int attempts = std::max(1, options_.throttle_attempts);
  for (int attempt = 1;; ++attempt) {
    Result<TokenGrant> grant = co_await fetch_once();
    if (!grant || !grant->throttled) co_return grant;
    ++throttled_;
    if (attempt >= attempts) {
      co_return fail(Error::Kind::kNetwork, "token endpoint",
                     fmt::format("throttled {} times in a row: {}", attempt, grant->message));
    }
    co_await clock_.sleep_until(clock_.now() + pause_after(grant->reset_s));
  }
}

net::awaitable<Result<TokenGrant>> TokenCache::fetch_once() {
  try {
    co_return co_await fetch_();
  } catch (const std::exception& e) {
    co_return fail(Error::Kind::kInternal, "token fetch", e.what());
  }
}

Clock::duration TokenCache::pause_after(const std::optional<double>& reset_s) const {
  if (options_.throttle_pause) return std::max<Clock::duration>(options_.throttle_pause(reset_s), Clock::duration::zero());
  if (!reset_s) return kTokenPauseDefault;
  return std::min<Clock::duration>(seconds_to_duration(*reset_s), kTokenPauseMax);
}

void TokenCache::invalidate(std::uint64_t serial) {
  if (serial == 0 || serial != token_.serial) return;
  token_ = Token{};
  refresh_at_ = {};
  wait_from_ = {};
}

}  // namespace hrsync
