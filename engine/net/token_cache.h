// TokenCache: one access token (Feishu's tenant_access_token), shared by every request.
//
// get() returns the cached token while it is fresh. When there is none, or it is within
// `refresh_ahead` of its expiry (or past half its lifetime, for a short-lived one), get() fetches
// a new one: a single fetch, however many requests ask at once — the others wait for its result
// (single flight). A fetch that fails is returned to every request waiting for it, and the next
// get() tries again; the caller decides whether to stop (the executor stops the target).
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
#include <string>

#include <boost/asio/awaitable.hpp>

#include "base/error.h"
#include "engine/net/clock.h"

namespace hrsync {

// What a token endpoint returned.
struct TokenGrant {
  std::string token;
  std::chrono::seconds expire{0};  // lifetime from now, as returned (Feishu: `expire`)
};

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

 private:
  struct Flight;
  bool fresh(Clock::time_point now) const;
  net::awaitable<Result<Token>> fetch_now();

  TokenFetch fetch_;
  Clock& clock_;
  TokenCacheOptions options_;
  Token token_;                       // serial 0: none
  Clock::time_point refresh_at_{};    // get() fetches again from this time on
  std::shared_ptr<Flight> flight_;    // the fetch in progress, if any
  std::uint64_t fetches_ = 0;
};

}  // namespace hrsync
