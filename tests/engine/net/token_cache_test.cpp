#include "engine/net/token_cache.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "engine/net/feishu_token.h"
#include "engine/net/manual_clock.h"

namespace hrsync {
namespace {

using namespace std::chrono_literals;

// A token endpoint that answers after `latency` of virtual time with t-1, t-2, ... or, when
// `refuse` is set, with an error.
struct FakeEndpoint {
  ManualClock& clock;
  std::chrono::seconds expire{7200};
  Clock::duration latency = 200ms;
  bool refuse = false;
  int throttle_first = 0;            // the first this many requests are throttled...
  std::optional<double> reset_s{5};  // ...announcing this reset
  int calls = 0;

  TokenFetch fetch() {
    return [this]() -> net::awaitable<Result<TokenGrant>> {
      int n = ++calls;
      co_await clock.sleep_until(clock.now() + latency);
      if (refuse) co_return fail(Error::Kind::kAuth, "token endpoint", "token refused: code 10014: app secret invalid");
      if (n <= throttle_first) co_return TokenGrant{.throttled = true, .reset_s = reset_s, .message = "code 99991400"};
      co_return TokenGrant{.token = "t-" + std::to_string(n), .expire = expire};
    };
  }
};

class TokenCacheTest : public ::testing::Test {
 protected:
  // Runs get() once in a coroutine, in virtual time, and returns its result.
  Result<Token> get_now(TokenCache& cache) {
    std::optional<Result<Token>> out;
    net::co_spawn(io, [&]() -> net::awaitable<void> { out = co_await cache.get(); }, net::detached);
    EXPECT_TRUE(clock.run(io));
    return out.value();
  }

  ManualClock clock;
  net::io_context io;
  FakeEndpoint endpoint{clock};
};

TEST_F(TokenCacheTest, ManyWaitersShareOneFetch) {
  TokenCache cache(endpoint.fetch(), clock);
  std::vector<std::string> got;
  for (int i = 0; i < 25; ++i) {
    net::co_spawn(io, [&]() -> net::awaitable<void> {
      Result<Token> token = co_await cache.get();
      got.push_back(token ? token->value : token.error().str());
    }, net::detached);
  }
  ASSERT_TRUE(clock.run(io));
  EXPECT_EQ(endpoint.calls, 1);
  EXPECT_EQ(cache.fetches(), 1u);
  ASSERT_EQ(got.size(), 25u);
  for (const std::string& token : got) EXPECT_EQ(token, "t-1");
}

TEST_F(TokenCacheTest, KeepsTheTokenUntilRefreshAheadOfExpiry) {
  TokenCache cache(endpoint.fetch(), clock, TokenCacheOptions{.refresh_ahead = 300s});
  Clock::time_point asked = clock.now();
  EXPECT_EQ(get_now(cache)->value, "t-1");
  clock.advance(asked + 7200s - 300s - 1s - clock.now());
  EXPECT_EQ(get_now(cache)->value, "t-1");
  EXPECT_EQ(endpoint.calls, 1);
  clock.advance(1s);  // 5 min before expiry: refreshed beside the calls, this one keeps t-1
  EXPECT_EQ(get_now(cache)->value, "t-1");
  EXPECT_EQ(endpoint.calls, 2);
  EXPECT_EQ(get_now(cache)->value, "t-2");
  EXPECT_EQ(endpoint.calls, 2);
}

// A stall is a burst waiting to happen: calls held while the token is fetched leave together.
// So at the refresh point no call waits: each goes on with the token in hand, still valid, while
// one fetch runs beside them; only a token in the last half of its lead makes calls wait.
TEST_F(TokenCacheTest, NoCallWaitsForARefreshWhileTheTokenInHandIsValid) {
  endpoint.expire = 6s;  // refreshed at 3 s, waited for from 4.5 s
  endpoint.latency = 500ms;
  TokenCache cache(endpoint.fetch(), clock, TokenCacheOptions{.refresh_ahead = 300s});
  const Clock::time_point asked = clock.now();
  ASSERT_TRUE(get_now(cache).has_value());
  clock.advance(asked + 3s - clock.now());
  std::vector<Clock::duration> waited;
  std::vector<std::string> got;
  for (int i = 0; i < 10; ++i) {
    net::co_spawn(io, [&]() -> net::awaitable<void> {
      const Clock::time_point start = clock.now();
      Result<Token> t = co_await cache.get();
      waited.push_back(clock.now() - start);
      got.push_back(t ? t->value : "error");
      co_await clock.sleep_until(clock.now() + 100ms);  // the next call a little later
      const Clock::time_point again = clock.now();
      Result<Token> u = co_await cache.get();
      waited.push_back(clock.now() - again);
      got.push_back(u ? u->value : "error");
    }, net::detached);
  }
  ASSERT_TRUE(clock.run(io));
  for (const Clock::duration w : waited) EXPECT_EQ(w, Clock::duration::zero());
  EXPECT_EQ(std::count(got.begin(), got.end(), "t-1"), 20);  // the refresh lands after 500 ms
  EXPECT_EQ(endpoint.calls, 2);  // one refresh for all of them
  EXPECT_EQ(get_now(cache)->value, "t-2");
  // In the last half of the lead (t-2 was asked for at 3 s: from 7.5 s on), a call waits for the fetch.
  clock.advance(asked + 3s + 5s - clock.now());
  const Clock::time_point before = clock.now();
  EXPECT_EQ(get_now(cache)->value, "t-3");
  EXPECT_GT(clock.now(), before);
}

TEST_F(TokenCacheTest, AShortLivedTokenIsRefreshedAtHalfItsLifetime) {
  endpoint.expire = 120s;  // less than twice refresh_ahead
  TokenCache cache(endpoint.fetch(), clock, TokenCacheOptions{.refresh_ahead = 300s});
  Clock::time_point asked = clock.now();
  EXPECT_EQ(get_now(cache)->value, "t-1");
  clock.advance(asked + 59s - clock.now());
  EXPECT_EQ(get_now(cache)->value, "t-1");
  EXPECT_EQ(endpoint.calls, 1);
  clock.advance(1s);
  EXPECT_EQ(get_now(cache)->value, "t-1");  // refreshed beside this call
  EXPECT_EQ(endpoint.calls, 2);
  EXPECT_EQ(get_now(cache)->value, "t-2");
}

TEST_F(TokenCacheTest, InvalidateDropsTheRejectedTokenOnly) {
  TokenCache cache(endpoint.fetch(), clock);
  Result<Token> first = get_now(cache);
  ASSERT_TRUE(first);
  cache.invalidate(first->serial);
  Result<Token> second = get_now(cache);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->value, "t-2");
  EXPECT_NE(second->serial, first->serial);
  // A late rejection of the old token must not drop the new one.
  cache.invalidate(first->serial);
  EXPECT_EQ(get_now(cache)->value, "t-2");
  EXPECT_EQ(endpoint.calls, 2);
}

TEST_F(TokenCacheTest, ManyRejectionsOfOneTokenCostOneFetch) {
  TokenCache cache(endpoint.fetch(), clock);
  Result<Token> first = get_now(cache);
  ASSERT_TRUE(first);
  int fresh = 0;
  for (int i = 0; i < 10; ++i) {
    net::co_spawn(io, [&]() -> net::awaitable<void> {
      cache.invalidate(first->serial);
      Result<Token> token = co_await cache.get();
      if (token && token->value == "t-2") ++fresh;
    }, net::detached);
  }
  ASSERT_TRUE(clock.run(io));
  EXPECT_EQ(fresh, 10);
  EXPECT_EQ(endpoint.calls, 2);
}

TEST_F(TokenCacheTest, AFailureReachesEveryWaiterAndTheNextGetTriesAgain) {
  endpoint.refuse = true;
  TokenCache cache(endpoint.fetch(), clock);
  int failures = 0;
  for (int i = 0; i < 5; ++i) {
    net::co_spawn(io, [&]() -> net::awaitable<void> {
      Result<Token> token = co_await cache.get();
      if (!token && token.error().kind == Error::Kind::kAuth &&
          token.error().message.find("code 10014") != std::string::npos) {
        ++failures;
      }
    }, net::detached);
  }
  ASSERT_TRUE(clock.run(io));
  EXPECT_EQ(failures, 5);
  EXPECT_EQ(endpoint.calls, 1);
  endpoint.refuse = false;
  EXPECT_EQ(get_now(cache)->value, "t-2");
}

TEST_F(TokenCacheTest, ANonPositiveExpireIsAnError) {
  endpoint.expire = 0s;
  TokenCache cache(endpoint.fetch(), clock);
  Result<Token> token = get_now(cache);
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().kind, Error::Kind::kAuth);
  EXPECT_NE(token.error().message.find("expire"), std::string::npos);
}

TEST_F(TokenCacheTest, AThrottledFetchWaitsTheResetAndEveryWaiterGetsTheToken) {
  endpoint.throttle_first = 2;
  TokenCache cache(endpoint.fetch(), clock);
  const Clock::time_point start = clock.now();
  std::vector<std::string> got;
  for (int i = 0; i < 10; ++i) {
    net::co_spawn(io, [&]() -> net::awaitable<void> {
      Result<Token> token = co_await cache.get();
      got.push_back(token ? token->value : token.error().str());
    }, net::detached);
  }
  ASSERT_TRUE(clock.run(io));
  ASSERT_EQ(got.size(), 10u);
  for (const std::string& token : got) EXPECT_EQ(token, "t-3");
  EXPECT_EQ(endpoint.calls, 3);
  EXPECT_EQ(cache.fetches(), 1u) << "one flight, however many throttles";
  EXPECT_EQ(cache.throttled(), 2u);
  // Two resets of 5 s and three answers of 200 ms.
  EXPECT_EQ(clock.now() - start, 10s + 3 * 200ms);
}

TEST_F(TokenCacheTest, ThrottlePausesAreBounded) {
  endpoint.throttle_first = 1;
  endpoint.reset_s = 1e9;  // absurd: the default pause stops at kTokenPauseMax
  TokenCache cache(endpoint.fetch(), clock);
  const Clock::time_point start = clock.now();
  EXPECT_EQ(get_now(cache)->value, "t-2");
  EXPECT_EQ(clock.now() - start, kTokenPauseMax + 2 * 200ms);

  // No reset announced: the default pause; a caller's pause function replaces both.
  endpoint.calls = 0;
  endpoint.reset_s.reset();
  std::vector<std::optional<double>> asked;
  TokenCache bounded(endpoint.fetch(), clock, TokenCacheOptions{.throttle_pause = [&](std::optional<double> reset_s) {
    asked.push_back(reset_s);
    return Clock::duration(3s);
  }});
  TokenCache plain(endpoint.fetch(), clock);
  Clock::time_point at = clock.now();
  EXPECT_EQ(get_now(plain)->value, "t-2");
  EXPECT_EQ(clock.now() - at, kTokenPauseDefault + 2 * 200ms);
  endpoint.calls = 0;
  at = clock.now();
  EXPECT_EQ(get_now(bounded)->value, "t-2");
  EXPECT_EQ(clock.now() - at, 3s + 2 * 200ms);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_FALSE(asked[0].has_value());
}

TEST_F(TokenCacheTest, AnEndpointThatThrottlesEveryTryFailsAsANetworkErrorAndTheNextGetTriesAgain) {
  endpoint.throttle_first = 1000;
  TokenCache cache(endpoint.fetch(), clock, TokenCacheOptions{.throttle_attempts = 4});
  Result<Token> token = get_now(cache);
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().kind, Error::Kind::kNetwork) << "not a refusal: the calls retry";
  EXPECT_NE(token.error().message.find("throttled 4 times"), std::string::npos) << token.error().str();
  EXPECT_EQ(endpoint.calls, 4);
  endpoint.throttle_first = 0;
  EXPECT_EQ(get_now(cache)->value, "t-5");
}

TEST(FeishuTokenReply, AThrottleIsAGrantToWaitOutNotARefusal) {
  const char* body = R"({"code":99991400,"msg":"request trigger frequency limit"})";
  for (int status : {400, 429}) {
    auto grant = parse_feishu_token_reply(status, HttpHeaders{{"x-ogw-ratelimit-reset", "4"}}, body, "x");
    ASSERT_TRUE(grant) << grant.error().str();
    EXPECT_TRUE(grant->throttled);
    EXPECT_TRUE(grant->token.empty());
    ASSERT_TRUE(grant->reset_s.has_value());
    EXPECT_DOUBLE_EQ(*grant->reset_s, 4);
  }
}

TEST(FeishuTokenReply, ReadsTokenAndExpireAtTopLevel) {
  auto grant = parse_feishu_token_reply(200, R"({"code":0,"msg":"ok","tenant_access_token":"t-abc","expire":5400})", "x");
  ASSERT_TRUE(grant) << grant.error().str();
  EXPECT_EQ(grant->token, "t-abc");
  EXPECT_EQ(grant->expire, 5400s);
}

TEST(FeishuTokenReply, ARefusalNamesCodeAndMessage) {
  auto grant = parse_feishu_token_reply(400, R"({"code":10014,"msg":"app secret invalid"})", "https://h/open-apis/auth");
  ASSERT_FALSE(grant);
  EXPECT_EQ(grant.error().kind, Error::Kind::kAuth);
  EXPECT_EQ(grant.error().where, "https://h/open-apis/auth");
  EXPECT_NE(grant.error().message.find("10014"), std::string::npos);
  EXPECT_NE(grant.error().message.find("app secret invalid"), std::string::npos);
}

TEST(FeishuTokenReply, RefusesRepliesWithoutWhatItNeeds) {
  for (const char* body : {"", "not json", "[]", R"({"msg":"x"})", R"({"code":0,"expire":7200})",
                           R"({"code":0,"tenant_access_token":"t-1"})", R"({"code":0,"tenant_access_token":"t-1","expire":-5})",
                           R"({"code":0,"data":{"tenant_access_token":"t-1","expire":7200}})"}) {
    auto grant = parse_feishu_token_reply(200, body, "x");
    EXPECT_FALSE(grant) << body;
  }
}

}  // namespace
}  // namespace hrsync
