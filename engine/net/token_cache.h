// TokenCache: one access token (Feishu's tenant_access_token), shared by every request.
//
// get() returns the cached token while it is fresh. Once it is within `refresh_ahead` of its expiry
// (or past half its lifetime, for a short-lived one), get() starts fetching a new one beside the
// calls and keeps returning the current token, which is still valid: no call waits for a refresh,
// so requests the rate limiter spaced out are not held and then let go together (a burst a
// gateway counting arrivals would throttle). Only when there is no token, or it is in the last
// half of that lead, does get() wait for the fetch: a single fetch, however many requests ask at
// once — the others wait for its result (single flight). A refresh beside the calls that fails is
// tried again a second later. A fetch that fails is returned to every request waiting for it, and the next
// get() tries again; the caller decides whether to stop (the executor stops the target).
//
// A fetch the endpoint throttles (TokenGrant::throttled) is waited out inside the same flight: the
// cache sleeps the pause options.throttle_pause gives for the announced reset and asks again, up to
// options.throttle_attempts requests in all; the requests waiting for the token just wait longer.
// Only when every one of them is throttled does the flight fail, as kNetwork (not a refusal: the
// caller retries the call like one lost on the network).
//
// invalidate(serial) drops a token that a business call rejected (the connector classified it kRefreshToken), so
// the next get() fetches a new one; the caller then retries its call once. Invalidating a token
// that was already replaced does nothing, so many requests rejected together cost one fetch.
//
// Time comes from a Clock. The fetch function owns the credentials; the cache never sees them.
//
// Thread-safety: none; use from the thread that runs the io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "base/error.h"
#include "engine/net/clock.h"

namespace hrsync {

// What a token endpoint returned: a token and its lifetime, or, when `throttled`, no token but the
// reset the endpoint announced.
struct TokenGrant {
  std::string token;
  std::chrono::seconds expire{0};  // lifetime from now, as returned (Feishu: `expire`)
  bool throttled = false;          // the endpoint throttled the request: ask again after the reset
  std::optional<double> reset_s;   // when throttled: the announced reset, as read (seconds; may be absurd)
  std::string message;             // when throttled: what the endpoint answered
};

// The pause after a throttled token request with this announced reset, when the caller names none:
// the reset, at most kTokenPauseMax; kTokenPauseDefault when none was announced.
inline constexpr std::chrono::seconds kTokenPauseDefault{1};
inline constexpr std::chrono::seconds kTokenPauseMax{60};

// A cached token and its serial (1, 2, ... in fetch order), the handle for invalidate().
struct Token {
  std::string value;
  std::uint64_t serial = 0;
};

using TokenFetch = std::function<net::awaitable<Result<TokenGrant>>()>;

struct TokenCacheOptions {
  std::chrono::seconds refresh_ahead{300};  // refresh this long before expiry (at most half the lifetime)
  // Told every token the endpoint hands out, so that the run can keep it out of what it stores and
  // prints (engine/run/redactor.h).
  std::function<void(const std::string& token)> on_token;
  // Token requests in a row the endpoint may throttle before the fetch fails.
  int throttle_attempts = 6;
  // The pause after a throttle that announced `reset_s` (the run bounds it as for any throttled
  // answer, engine/run/throttle_pause.h); unset: see kTokenPauseDefault.
  std::function<Clock::duration(std::optional<double> reset_s)> throttle_pause;
};

class TokenCache {
 public:
  // REQUIRES: `clock` outlives the cache.
  TokenCache(TokenFetch fetch, Clock& clock, TokenCacheOptions options = {});
  ~TokenCache();

  // The current token, fetching one first when needed.
  net::awaitable<Result<Token>> get();

  // Drops the token with `serial` if it is still the cached one.
  void invalidate(std::uint64_t serial);

  // Fetches started so far (for tests and reports).
  std::uint64_t fetches() const { return fetches_; }

  // Token requests the endpoint throttled so far (for tests and reports).
  std::uint64_t throttled() const { return throttled_; }

 private:
  struct Flight;
  bool fresh(Clock::time_point now) const;
  bool usable(Clock::time_point now) const;
  net::awaitable<Result<Token>> fetch_now();
  net::awaitable<void> refresh_beside();
  net::awaitable<Result<TokenGrant>> fetch_waiting_out_throttles();
  net::awaitable<Result<TokenGrant>> fetch_once();
  Clock::duration pause_after(const std::optional<double>& reset_s) const;

  TokenFetch fetch_;
  Clock& clock_;
  TokenCacheOptions options_;
  Token token_;                       // serial 0: none
  Clock::time_point refresh_at_{};    // get() fetches again from this time on, beside the calls
  Clock::time_point wait_from_{};     // from this time on (or with no token) get() waits for the fetch
  std::shared_ptr<Flight> flight_;    // the fetch in progress, if any
  std::uint64_t fetches_ = 0;
  std::uint64_t throttled_ = 0;
};

}  // namespace hrsync
