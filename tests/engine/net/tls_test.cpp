// TLS verification of the HTTP client against an in-test server whose certificate comes from a
// CA made at test time.
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/net/http_client.h"
#include "tests/engine/net/test_http_server.h"
#include "tests/engine/net/test_pki.h"

namespace hrsync {
namespace {

using namespace hrsync::testing;
namespace ssl = boost::asio::ssl;

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki = new TestPki(make_test_pki({"localhost"}, {"127.0.0.1"}));
    ca_file = new std::string(::testing::TempDir() + "hrsync_test_ca_" + std::to_string(::getpid()) + ".pem");
    std::ofstream(*ca_file) << pki->ca_cert;
  }
  static void TearDownTestSuite() {
    std::remove(ca_file->c_str());
    delete pki;
    delete ca_file;
  }

  TlsTest() : server_tls(ssl::context::tls_server), server(io, [](const SeenRequest&) { return Reply{}; }, &server_tls) {}

  void SetUp() override {
    server_tls.use_certificate_chain(boost::asio::buffer(pki->server_cert));
    server_tls.use_private_key(boost::asio::buffer(pki->server_key), ssl::context::pem);
  }

  // Sends one GET to `url` (the server's port appended) and returns the result.
  Result<HttpResponse> get(const std::string& scheme_host, HttpClientOptions options) {
    auto url = parse_base_url(scheme_host + ":" + std::to_string(server.port()));
    EXPECT_TRUE(url);
    auto client = HttpClient::create(io.get_executor(), *url, options);
    EXPECT_TRUE(client) << client.error().str();
    std::optional<Result<HttpResponse>> out;
    HttpRequest request{.method = "GET", .target = "/open-apis/ping"};
    net::co_spawn(io, (*client)->send(request), [&](std::exception_ptr e, Result<HttpResponse> r) {
      if (e) std::rethrow_exception(e);
      out = std::move(r);
      io.stop();
    });
    io.restart();
    io.run();
    return std::move(out.value());
  }

  static HttpClientOptions trusting_the_ca() {
    HttpClientOptions options;
    options.tls.ca_file = *ca_file;
    return options;
  }

  static TestPki* pki;
  static std::string* ca_file;
  net::io_context io;
  ssl::context server_tls;
  TestHttpServer server;
};

TestPki* TlsTest::pki = nullptr;
std::string* TlsTest::ca_file = nullptr;

TEST_F(TlsTest, AClientTrustingTheCaConnectsByName) {
  Result<HttpResponse> response = get("https://localhost", trusting_the_ca());
  ASSERT_TRUE(response) << response.error().str();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(server.failed_handshakes, 0u);
}

TEST_F(TlsTest, AClientTrustingTheCaConnectsByAddress) {
  Result<HttpResponse> response = get("https://127.0.0.1", trusting_the_ca());
  ASSERT_TRUE(response) << response.error().str();
  EXPECT_EQ(response->status, 200);
}

TEST_F(TlsTest, AClientExpectingAnotherHostNameIsRefused) {
  HttpClientOptions options = trusting_the_ca();
  options.connect_host = "127.0.0.1";  // reach our server, but expect "api.example.com" in its certificate
  Result<HttpResponse> response = get("https://api.example.com", options);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kAuth);  // no retry can mend it
  EXPECT_TRUE(contains(response.error().message,
                       "TLS certificate verification failed: the certificate is not valid for host 'api.example.com'"))
      << response.error().message;
  EXPECT_TRUE(server.requests.empty());
}

TEST_F(TlsTest, AClientWithoutTheCaIsRefused) {
  Result<HttpResponse> response = get("https://localhost", HttpClientOptions{});  // the system store only
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, Error::Kind::kAuth);
  EXPECT_TRUE(contains(response.error().message, "TLS certificate verification failed: unable to get local issuer"))
      << response.error().message;
  EXPECT_TRUE(server.requests.empty());
}

TEST_F(TlsTest, AnUnreadableCaFileIsAConfigError) {
  HttpClientOptions options;
  options.tls.ca_file = ::testing::TempDir() + "no-such-ca.pem";
  auto client = HttpClient::create(io.get_executor(), *parse_base_url("https://localhost"), options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().kind, Error::Kind::kConfig);
  EXPECT_TRUE(contains(client.error().message, "no-such-ca.pem"));
}

}  // namespace
}  // namespace hrsync
