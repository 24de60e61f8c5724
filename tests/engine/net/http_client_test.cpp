#include "engine/net/http_client.h"

#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "engine/net/async_event.h"
#include "engine/net/feishu_token.h"
#include "engine/net/http_transport.h"
#include "engine/net/manual_clock.h"
#include "tests/engine/net/test_http_server.h"

namespace hrsync {
namespace {

using namespace std::chrono_literals;
using namespace hrsync::testing;

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// Runs `task` on `io` until it completes and returns its result.
template <class T>
T run_until_done(net::io_context& io, net::awaitable<T> task) {
  std::optional<T> out;
  net::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    out = std::move(value);
    io.stop();
  });
  io.restart();
  io.run();
  return std::move(out.value());
}

class HttpClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<HttpClient> client_for(const TestHttpServer& server, HttpClientOptions options = {},
                                         const std::string& path = "") {
    auto url = parse_base_url("http://127.0.0.1:" + std::to_string(server.port()) + path);
    EXPECT_TRUE(url);
    auto client = HttpClient::create(io.get_executor(), *url, options);
    EXPECT_TRUE(client) << client.error().str();
    return std::move(*client);
  }

  Result<HttpResponse> send(HttpClient& client, const HttpRequest& request) {
    return run_until_done(io, client.send(request));
  }

  // Sends `count` requests at once and returns how many succeeded.
  int send_concurrently(HttpClient& client, int count) {
    return run_until_done(io, [&]() -> net::awaitable<int> {
      AsyncEvent done(co_await net::this_coro::executor);
      int pending = count;
      int ok = 0;
      HttpRequest request{.method = "GET", .target = "/x"};
      for (int i = 0; i < count; ++i) {
        net::co_spawn(io, [&]() -> net::awaitable<void> {
          Result<HttpResponse> r = co_await client.send(request);
          if (r && r->status == 200) ++ok;
          if (--pending == 0) done.set();
        }, net::detached);
      }
      co_await done.wait();
      co_return ok;
    }());
  }

  net::io_context io;
  HttpRequest get{.method = "GET", .target = "/x"};
};

TEST_F(HttpClientTest, SendsTheRequestAndReadsTheResponse) {
  TestHttpServer server(io, [](const SeenRequest&) {
    Reply r;
    r.status = 429;
    r.body = R"({"code":99991400,"msg":"request trigger frequency limit"})";
    r.headers = {{"X-Tt-Logid", "20240101abcdef"}, {"x-ogw-ratelimit-reset", "3"}, {"x-ogw-ratelimit-limit", "40"}};
    return r;
  });
  auto client = client_for(server);
  std::string body = R"({"name":"张三"})";
  Result<HttpResponse> response = send(*client, HttpRequest{.method = "PATCH",
                                                             .target = "/open-apis/contact/v3/users/u1?user_id_type=user_id",
                                                             .body = body,
                                                             .authorization = "Bearer t-1"});
  ASSERT_TRUE(response) << response.error().str();
  EXPECT_EQ(response->status, 429);
  EXPECT_TRUE(contains(response->body, "99991400"));
  EXPECT_EQ(response->headers.find("X-Tt-Logid"), "20240101abcdef");
  // The header fields are kept as sent, for the connector to read; names without case.
  EXPECT_EQ(response->headers.find("X-OGW-RATELIMIT-RESET"), "3");
  EXPECT_EQ(response->headers.find("x-ogw-ratelimit-limit"), "40");
  ASSERT_EQ(server.requests.size(), 1u);
  const SeenRequest& seen = server.requests[0];
  EXPECT_EQ(seen.method, "PATCH");
  EXPECT_EQ(seen.target, "/open-apis/contact/v3/users/u1?user_id_type=user_id");
  EXPECT_EQ(seen.body, body);
  EXPECT_EQ(seen.authorization, "Bearer t-1");
  EXPECT_EQ(seen.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(seen.host, "127.0.0.1:" + std::to_string(server.port()));
}

TEST_F(HttpClientTest, TheHeadersSentAreKeptAndNoneIsMadeUp) {
  TestHttpServer server(io, [](const SeenRequest&) {
    Reply r;
    r.headers = {{"X-Request-Id", "req-7"}};
    return r;
  });
  auto client = client_for(server);
  Result<HttpResponse> response = send(*client, get);
  ASSERT_TRUE(response) << response.error().str();
  EXPECT_EQ(response->headers.find("x-request-id"), "req-7");
  EXPECT_FALSE(response->headers.find("x-ogw-ratelimit-reset").has_value());
}

TEST_F(HttpClientTest, AnAnswerWithManyHeadersKeepsABoundedNumber) {
  TestHttpServer server(io, [&](const SeenRequest&) {
    Reply r;
    for (int i = 0; i < 200; ++i) r.headers.emplace_back("X-Trace-" + std::to_string(i), "v");
    return r;
  });
  auto client = client_for(server);
  Result<HttpResponse> response = send(*client, get);
  ASSERT_TRUE(response) << response.error().str();
  EXPECT_EQ(response->headers.size(), HttpHeaders::kMaxFields);
  EXPECT_EQ(response->headers.find("x-trace-0"), "v");
}

TEST_F(HttpClientTest, PathPrefixGoesBeforeTheTarget) {
  TestHttpServer server(io, [](const SeenRequest&) { return Reply{}; });
  auto client = client_for(server, {}, "/gateway/");
  ASSERT_TRUE(send(*client, HttpRequest{.method = "PUT", .target = "/SophonFogSys/api/users"}));
  ASSERT_EQ(server.requests.size(), 1u);
  EXPECT_EQ(server.requests[0].target, "/gateway/SophonFogSys/api/users");
}

TEST_F(HttpClientTest, KeepAliveConnectionIsReused) {
  TestHttpServer server(io, [](const SeenRequest&) { return Reply{}; });
  auto client = client_for(server);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(send(*client, get));
  EXPECT_EQ(server.connections, 1u);
  EXPECT_EQ(server.requests.size(), 10u);
  EXPECT_EQ(client->stats().connections_opened, 1u);
  EXPECT_EQ(client->stats().idle, 1u);
}

TEST_F(HttpClientTest, AResponseSaysWhenItsRequestWasWrittenOnTheClockItWasGiven) {
  TestHttpServer server(io, [](const SeenRequest&) { return Reply{}; });
  ManualClock clock;
  clock.advance(5s);
  HttpClientOptions options;
  options.clock = &clock;
  auto stamped = client_for(server, options);
  Result<HttpResponse> response = send(*stamped, get);
  ASSERT_TRUE(response) << response.error().str();
  EXPECT_EQ(response->written, clock.now());
  auto unstamped = client_for(server);
  Result<HttpResponse> plain = send(*unstamped, get);
  ASSERT_TRUE(plain) << plain.error().str();
  EXPECT_EQ(plain->written, Clock::time_point{});
}

TEST_F(HttpClientTest, ConnectionCloseIsHonoured) {
  TestHttpServer server(io, [](const SeenRequest&) {
    Reply r;
    r.keep_alive = false;
    return r;
  });
  auto client = client_for(server);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(send(*client, get));
  EXPECT_EQ(server.connections, 3u);
  EXPECT_EQ(client->stats().open, 0u);
  EXPECT_EQ(client->stats().stale_resends, 0u);
}

TEST_F(HttpClientTest, ThePoolIsBounded) {
  TestHttpServer server(io, [](const SeenRequest&) { return Reply{}; });
  HttpClientOptions options;
  options.max_connections = 2;
  auto client = client_for(server, options);
  EXPECT_EQ(send_concurrently(*client, 12), 12);
  EXPECT_EQ(server.connections, 2u);
  EXPECT_EQ(client->stats().open, 2u);
}

TEST_F(HttpClientTest, AReusedConnectionClosedByThePeerIsResentOnce) {
  TestHttpServer server(io, [](const SeenRequest&) {
    Reply r;
    r.close_after = true;  // says keep-alive, then hangs up
    return r;
  });
  auto client = client_for(server);
  ASSERT_TRUE(send(*client, get));
  Result<HttpResponse> second = send(*client, get);
  ASSERT_TRUE(second) << second.error().str();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(server.connections, 2u);
  EXPECT_EQ(server.requests.size(), 2u);
  EXPECT_EQ(client->stats().stale_resends, 1u);
}

TEST_F(HttpClientTest, TheResendHappensOnlyOnce) {
  int calls = 0;
  TestHttpServer server(io, [&](const SeenRequest&) {
    Reply r;
    if (++calls == 1) {
      r.close_after = true;
    } else {
      r.kind = Reply::Kind::kCloseWithoutReply;
    }
    return r;
  });
  auto client = client_for(server);
  ASSERT_TRUE(send(*client, get));
  Result<HttpResponse> second = send(*client, get);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, Error::Kind::kNetwork);
  EXPECT_EQ(second.error().where, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_TRUE(contains(second.error().message, "during read")) << second.error().message;
  EXPECT_EQ(client->stats().stale_resends, 1u);
  EXPECT_EQ(server.connections, 2u);
}

TEST_F(HttpClientTest, AFreshConnectionClosedWithoutAReplyIsNotResent) {
  TestHttpServer server(io, [](const SeenRequest&) { return Reply{.kind = Reply::Kind::kCloseWithoutReply}; });
  auto client = client_for(server);
  Result<HttpResponse> response = send(*client, get);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kNetwork);
  EXPECT_TRUE(contains(response.error().message, "closed by the peer during read")) << response.error().message;
  EXPECT_EQ(server.requests.size(), 1u);
  EXPECT_EQ(client->stats().stale_resends, 0u);
  EXPECT_EQ(client->stats().open, 0u);
}

TEST_F(HttpClientTest, ASilentServerTimesOutDuringRead) {
  TestHttpServer server(io, [](const SeenRequest&) { return Reply{.kind = Reply::Kind::kNeverAnswer}; });
  HttpClientOptions options;
  options.request_timeout = 50ms;
  auto client = client_for(server, options);
  Result<HttpResponse> response = send(*client, get);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kNetwork);
  EXPECT_TRUE(contains(response.error().message, "timeout after 0.05 s during read")) << response.error().message;
  EXPECT_EQ(client->stats().open, 0u);  // a timed-out connection is not reused
}

TEST_F(HttpClientTest, RefusedConnectNamesHostAndPort) {
  std::uint16_t port = unused_port();
  auto client = HttpClient::create(io.get_executor(), *parse_base_url("http://127.0.0.1:" + std::to_string(port)));
  ASSERT_TRUE(client);
  Result<HttpResponse> response = send(**client, get);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kNetwork);
  EXPECT_EQ(response.error().where, "127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(contains(response.error().message, "connect failed: Connection refused")) << response.error().message;
}

TEST_F(HttpClientTest, AReplyThatIsNotHttpIsAProtocolError) {
  TestHttpServer server(io, [](const SeenRequest&) { return Reply{.kind = Reply::Kind::kGarbage}; });
  auto client = client_for(server);
  Result<HttpResponse> response = send(*client, get);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kProtocol);
  EXPECT_TRUE(contains(response.error().message, "bad HTTP response")) << response.error().message;
}

TEST_F(HttpClientTest, AControlByteInAHeaderIsAMalformedErrorNotRetried) {
  // The same bytes come back on every try: the kind says so (kMalformed), so no retry is made.
  for (const std::string& field : {std::string("X-Trace: a\x01" "b"), std::string("X-Tr\x01" "ce: ab")}) {
    TestHttpServer server(io, [&](const SeenRequest&) {
      return Reply{.kind = Reply::Kind::kRaw,
                   .raw = "HTTP/1.1 200 OK\r\n" + field + "\r\nContent-Length: 10\r\n\r\n{\"code\":0}"};
    });
    auto client = client_for(server);
    Result<HttpResponse> response = send(*client, get);
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().kind, Error::Kind::kMalformed) << response.error().str();
    EXPECT_TRUE(contains(response.error().message, "not retried")) << response.error().message;
    EXPECT_EQ(server.requests.size(), 1u);  // one request: no resend on a fresh connection
  }
  // A reply that is not HTTP at all stays a protocol error, which may pass.
  TestHttpServer garbage(io, [](const SeenRequest&) { return Reply{.kind = Reply::Kind::kGarbage}; });
  auto client = client_for(garbage);
  Result<HttpResponse> response = send(*client, get);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kProtocol);
}

TEST_F(HttpClientTest, ABodyPastTheLimitIsAnOversizeErrorNamingTheLimit) {
  TestHttpServer server(io, [](const SeenRequest&) { return Reply{.body = std::string(4097, 'x')}; });
  HttpClientOptions options;
  options.max_response_bytes = 4096;
  auto client = client_for(server, options);
  Result<HttpResponse> response = send(*client, get);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kOversize);
  EXPECT_TRUE(contains(response.error().message, "body passes 4096 bytes")) << response.error().message;
  // A body at the limit is read.
  TestHttpServer fits(io, [](const SeenRequest&) { return Reply{.body = std::string(4096, 'x')}; });
  auto fits_client = client_for(fits, options);
  Result<HttpResponse> read = send(*fits_client, get);
  ASSERT_TRUE(read) << read.error().str();
  EXPECT_EQ(read->body.size(), 4096u);
}

TEST_F(HttpClientTest, HeadersPast64KiBAreAnOversizeError) {
  TestHttpServer server(io, [](const SeenRequest&) {
    std::string value(30 * 1024, 'a');  // a field holds at most 64 KiB
    return Reply{.headers = {{"X-Trace-1", value}, {"X-Trace-2", value}, {"X-Trace-3", value}}};
  });
  auto client = client_for(server);
  Result<HttpResponse> response = send(*client, get);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kOversize);
  EXPECT_TRUE(contains(response.error().message, "headers pass 65536 bytes")) << response.error().message;
}

TEST(HttpClient, MayBeDestroyedBeforeItsIoContextWithSendsPending) {
  net::io_context io;
  TestHttpServer server(io, [](const SeenRequest&) { return Reply{.kind = Reply::Kind::kNeverAnswer}; });
  HttpClientOptions options;
  options.max_connections = 1;
  auto client = HttpClient::create(io.get_executor(), *parse_base_url("http://127.0.0.1:" + std::to_string(server.port())),
                                   options);
  ASSERT_TRUE(client);
  HttpRequest request{.method = "GET", .target = "/x"};
  for (int i = 0; i < 2; ++i) net::co_spawn(io, (*client)->send(request), net::detached);
  while (server.requests.empty()) io.run_one();  // one send is in flight, the other waits for the connection
  client->reset();
  // The io_context goes last and destroys both abandoned sends: they must not touch the client.
}

// The token endpoint and the transport, against the same kind of server.
class TransportTest : public HttpClientTest {
 protected:
  TransportTest()
      : server(io, [this](const SeenRequest& seen) {
          if (seen.target == kFeishuTokenPath) {
            ++token_calls;
            Reply r;
            if (token_calls <= token_hangups) return Reply{.kind = Reply::Kind::kCloseWithoutReply};
            if (!token_statuses.empty()) {
              r.status = token_statuses.front();
              token_statuses.erase(token_statuses.begin());
              if (r.status != 200) {
                r.body = "<html>unavailable</html>";
                return r;
              }
            }
            r.body = token_reply ? *token_reply
                                 : R"({"code":0,"msg":"ok","tenant_access_token":"t-)" + std::to_string(token_calls) +
                                       R"(","expire":7200})";
            return r;
          }
          return Reply{};
        }) {
    feishu.base_url = "http://127.0.0.1:" + std::to_string(server.port());
    feishu.app_id = "cli_test";
    feishu.app_secret.value = Secret("s3cret-value");
    sophon.base_url = feishu.base_url;
  }

  std::unique_ptr<HttpTransport> make_transport() {
    auto transport = HttpTransport::create(io.get_executor(), feishu, sophon, HttpConfig{}, clock);
    EXPECT_TRUE(transport) << transport.error().str();
    return std::move(*transport);
  }

  std::optional<std::string> token_reply;
  std::vector<int> token_statuses;  // HTTP statuses of the next token replies (then 200)
  int token_hangups = 0;            // token requests closed without a reply first
  int token_calls = 0;
  TestHttpServer server;
  FeishuConfig feishu;
  SophonConfig sophon;
  SteadyClock clock;
};

TEST_F(TransportTest, TokenFetchPostsTheCredentialsAndReadsTheGrant) {
  auto client = client_for(server);
  TokenFetch fetch = feishu_token_fetch(*client, "cli_test", Secret("s3cret-value"));
  Result<TokenGrant> grant = run_until_done(io, fetch());
  ASSERT_TRUE(grant) << grant.error().str();
  EXPECT_EQ(grant->token, "t-1");
  EXPECT_EQ(grant->expire, 7200s);
  ASSERT_EQ(server.requests.size(), 1u);
  EXPECT_EQ(server.requests[0].method, "POST");
  EXPECT_EQ(server.requests[0].body, R"({"app_id":"cli_test","app_secret":"s3cret-value"})");
  EXPECT_EQ(server.requests[0].content_type, "application/json; charset=utf-8");
}

TEST_F(TransportTest, AFeishuRequestCarriesTheCachedBearerToken) {
  auto transport = make_transport();
  auto sends = run_until_done(io, [&]() -> net::awaitable<std::vector<Result<HttpResponse>>> {
    std::vector<Result<HttpResponse>> out;
    HttpRequest request{.method = "PUT", .target = "/open-apis/contact/v3/users/u1", .body = "{}"};
    for (int i = 0; i < 3; ++i) out.push_back(co_await transport->send(Platform::kFeishu, request));
    co_return out;
  }());
  ASSERT_EQ(sends.size(), 3u);
  for (const auto& r : sends) ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(token_calls, 1);
  ASSERT_EQ(server.requests.size(), 4u);
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(server.requests[i].authorization, "Bearer t-1");
    EXPECT_EQ(server.requests[i].content_type, "application/json; charset=utf-8");
  }
  // A rejected token is dropped: the next request fetches and carries a new one.
  transport->token_rejected(Platform::kFeishu, sends[0]->token_serial);
  HttpRequest request{.method = "PUT", .target = "/open-apis/contact/v3/users/u1", .body = "{}"};
  Result<HttpResponse> after = run_until_done(io, transport->send(Platform::kFeishu, request));
  ASSERT_TRUE(after);
  EXPECT_NE(after->token_serial, sends[0]->token_serial);
  EXPECT_EQ(token_calls, 2);
  EXPECT_EQ(server.requests.back().authorization, "Bearer t-2");
}

TEST_F(TransportTest, ReadyFetchesTheTokenTheNextSendCarries) {
  auto transport = make_transport();
  ASSERT_TRUE(run_until_done(io, transport->ready(Platform::kFeishu)));
  EXPECT_EQ(token_calls, 1);
  EXPECT_EQ(server.requests.size(), 1u);  // the token request alone
  HttpRequest request{.method = "PUT", .target = "/open-apis/contact/v3/users/u1", .body = "{}"};
  const Clock::time_point before = clock.now();
  Result<HttpResponse> response = run_until_done(io, transport->send(Platform::kFeishu, request));
  ASSERT_TRUE(response) << response.error().str();
  EXPECT_EQ(token_calls, 1);
  EXPECT_EQ(server.requests.back().authorization, "Bearer t-1");
  // The response says when its request was written, on the transport's clock.
  EXPECT_GE(response->written, before);
  EXPECT_LE(response->written, clock.now());
  // SophonFogSys needs no fetched credential.
  ASSERT_TRUE(run_until_done(io, transport->ready(Platform::kSophon)));
  EXPECT_EQ(token_calls, 1);
}

TEST_F(TransportTest, ReadyGivesTheErrorsSendWouldGive) {
  token_statuses = {503};
  auto transport = make_transport();
  Result<void> transient = run_until_done(io, transport->ready(Platform::kFeishu));
  ASSERT_FALSE(transient);
  EXPECT_EQ(transient.error().kind, Error::Kind::kNetwork);
  token_reply = R"({"code":10014,"msg":"app secret invalid"})";
  Result<void> refused = run_until_done(io, transport->ready(Platform::kFeishu));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, Error::Kind::kAuth);
  EXPECT_TRUE(contains(refused.error().str(), "10014")) << refused.error().str();
  EXPECT_FALSE(contains(refused.error().str(), "s3cret-value"));
}

TEST_F(TransportTest, ASophonRequestCarriesTheConfiguredTokenOnly) {
  sophon.token.value = Secret("box-token");
  auto transport = make_transport();
  HttpRequest request{.method = "PUT", .target = "/SophonFogSys/api/users", .body = "{}"};
  ASSERT_TRUE(run_until_done(io, transport->send(Platform::kSophon, request)));
  EXPECT_EQ(token_calls, 0);
  EXPECT_EQ(server.requests.back().authorization, "Bearer box-token");
}

TEST_F(TransportTest, ARefusedTokenIsAnAuthErrorWithCodeAndWithoutTheSecret) {
  token_reply = R"({"code":10014,"msg":"app secret invalid"})";
  auto transport = make_transport();
  HttpRequest request{.method = "PUT", .target = "/open-apis/contact/v3/users/u1", .body = "{}"};
  Result<HttpResponse> response = run_until_done(io, transport->send(Platform::kFeishu, request));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kAuth);
  EXPECT_TRUE(contains(response.error().str(), "10014")) << response.error().str();
  EXPECT_TRUE(contains(response.error().str(), "app secret invalid"));
  EXPECT_TRUE(contains(response.error().where, std::string(kFeishuTokenPath)));
  EXPECT_FALSE(contains(response.error().str(), "s3cret-value"));
  EXPECT_EQ(server.requests.size(), 1u);  // the business call was not sent
}

TEST_F(TransportTest, AFailingTokenEndpointIsATransientNetworkError) {
  token_statuses = {503};
  auto transport = make_transport();
  HttpRequest request{.method = "PUT", .target = "/open-apis/contact/v3/users/u1", .body = "{}"};
  Result<HttpResponse> first = run_until_done(io, transport->send(Platform::kFeishu, request));
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind, Error::Kind::kNetwork);  // retried by the executor, not a stop
  EXPECT_TRUE(contains(first.error().message, "HTTP 503")) << first.error().message;
  Result<HttpResponse> second = run_until_done(io, transport->send(Platform::kFeishu, request));
  ASSERT_TRUE(second) << second.error().str();
  EXPECT_EQ(token_calls, 2);
  EXPECT_EQ(server.requests.back().authorization, "Bearer t-2");
}

TEST_F(TransportTest, ATokenRequestLostOnTheNetworkIsSentAgain) {
  token_hangups = 2;
  auto transport = make_transport();
  HttpRequest request{.method = "PUT", .target = "/open-apis/contact/v3/users/u1", .body = "{}"};
  Result<HttpResponse> response = run_until_done(io, transport->send(Platform::kFeishu, request));
  ASSERT_TRUE(response) << response.error().str();
  EXPECT_EQ(token_calls, 3);
  EXPECT_EQ(server.requests.back().authorization, "Bearer t-3");
}

TEST_F(TransportTest, SophonWithoutABaseUrlIsAConfigError) {
  sophon.base_url.clear();
  auto transport = make_transport();
  HttpRequest request{.method = "PUT", .target = "/SophonFogSys/api/users", .body = "{}"};
  Result<HttpResponse> response = run_until_done(io, transport->send(Platform::kSophon, request));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kConfig);
}

TEST_F(TransportTest, ABadBaseUrlIsRefusedAtCreation) {
  feishu.base_url = "open.feishu.cn";
  feishu.where = "job.toml:8";
  auto transport = HttpTransport::create(io.get_executor(), feishu, sophon, HttpConfig{}, clock);
  ASSERT_FALSE(transport);
  EXPECT_EQ(transport.error().kind, Error::Kind::kConfig);
  EXPECT_EQ(transport.error().where, "job.toml:8 feishu.base_url");
}

}  // namespace
}  // namespace hrsync
