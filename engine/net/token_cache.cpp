#include "engine/net/token_cache.h"

#include <algorithm>
#include <exception>
#include <optional>

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

net::awaitable<Result<Token>> TokenCache::get() {
  if (fresh(clock_.now())) co_return token_;
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
  Result<TokenGrant> grant = fail(Error::Kind::kInternal, "token fetch", "no result");
  try {
    grant = co_await fetch_();
  } catch (const std::exception& e) {
    grant = fail(Error::Kind::kInternal, "token fetch", e.what());
  }
  if (grant && !grant->token.empty() && options_.on_token) options_.on_token(grant->token);
  if (grant && grant->expire.count() <= 0) {
    grant = fail(Error::Kind::kAuth, "token endpoint",
                 fmt::format("returned a token with expire {} (seconds); expected a positive lifetime",
                             grant->expire.count()));
  }
  if (grant) {
    // Refresh `refresh_ahead` before expiry, or at half the lifetime when that comes first.
    auto lead = std::min<Clock::duration>(options_.refresh_ahead, grant->expire / 2);
    token_ = Token{std::move(grant->token), fetches_};
    refresh_at_ = asked_at + grant->expire - lead;
    flight->result = token_;
  } else {
    flight->result = std::unexpected(grant.error());
  }
  flight_.reset();
  flight->done.set();
  co_return *flight->result;
}

void TokenCache::invalidate(std::uint64_t serial) {
  if (serial == 0 || serial != token_.serial) return;
  token_ = Token{};
  refresh_at_ = {};
}

}  // namespace hrsync
