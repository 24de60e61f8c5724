#include "tests/emulator/test_client.h"

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>

namespace hrsync::emulator::testing {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

boost::json::value TestResponse::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value() : v;
}

std::string TestResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

struct TestClient::Impl {
  std::string host;
  std::uint16_t port;
  std::optional<std::string> ca_pem;
  std::string server_name;
  net::io_context ioc;
  std::optional<ssl::context> tls;
  std::optional<tcp::socket> socket;
  std::optional<ssl::stream<tcp::socket>> tls_stream;
  beast::flat_buffer buffer;

  TestResult failure(const std::string& step, const boost::system::error_code& ec) {
    TestResult r;
    r.error = step + ": " + ec.message();
    r.reset = ec == net::error::connection_reset || ec == net::error::broken_pipe;
    r.closed = ec == http::error::end_of_stream || ec == net::error::eof;
    close();
    return r;
  }

  bool open() const { return socket.has_value() || tls_stream.has_value(); }

  std::optional<TestResult> connect() {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return failure("resolve", ec);
    if (!ca_pem) {
      socket.emplace(ioc);
      net::connect(*socket, endpoints, ec);
      if (ec) return failure("connect", ec);
      return std::nullopt;
    }
    tls.emplace(ssl::context::tls_client);
    tls->add_certificate_authority(net::buffer(*ca_pem), ec);
    tls->set_verify_mode(ssl::verify_peer);
    tls_stream.emplace(ioc, *tls);
    SSL_set_tlsext_host_name(tls_stream->native_handle(), server_name.c_str());
    tls_stream->set_verify_callback(ssl::host_name_verification(server_name));
    net::connect(tls_stream->next_layer(), endpoints, ec);
    if (ec) return failure("connect", ec);
    tls_stream->handshake(ssl::stream_base::client, ec);
    if (ec) return failure("handshake", ec);
    return std::nullopt;
  }

  template <typename F>
  auto with_stream(F f) {
    return tls_stream ? f(*tls_stream) : f(*socket);
  }

  void close() {
    boost::system::error_code ec;
    if (socket) socket->close(ec);
    if (tls_stream) tls_stream->next_layer().close(ec);
    socket.reset();
    tls_stream.reset();
    buffer.clear();
  }
};

TestClient::TestClient(std::string host, std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

TestClient::TestClient(std::string host, std::uint16_t port, std::string ca_pem, std::string server_name)
    : TestClient(std::move(host), port) {
  impl_->ca_pem = std::move(ca_pem);
  impl_->server_name = std::move(server_name);
}

TestClient::~TestClient() = default;

TestResult TestClient::send_only(const std::string& method, const std::string& target, const std::string& body,
                                 const Headers& headers) {
  Impl& s = *impl_;
  if (!s.open()) {
    if (auto failed = s.connect()) return *failed;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, s.host);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  boost::system::error_code ec;
  s.with_stream([&](auto& stream) { http::write(stream, req, ec); });
  if (ec) return s.failure("write", ec);
  TestResult r;
  r.ok = true;
  return r;
}

TestResult TestClient::read_response() {
  Impl& s = *impl_;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  boost::system::error_code ec;
  s.with_stream([&](auto& stream) { http::read(stream, s.buffer, parser, ec); });
  if (ec) return s.failure("read", ec);
  TestResult r;
  r.ok = true;
  const auto& res = parser.get();
  r.response.status = res.result_int();
  r.response.body = res.body();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.response.headers[name] = std::string(f.value());
  }
  if (!res.keep_alive()) s.close();
  return r;
}

TestResult TestClient::request(const std::string& method, const std::string& target, const std::string& body,
                               const Headers& headers) {
  TestResult sent = send_only(method, target, body, headers);
  if (!sent.ok) return sent;
  return read_response();
}

std::size_t TestClient::available() {
  Impl& s = *impl_;
  boost::system::error_code ec;
  if (s.socket) return s.socket->available(ec) + s.buffer.size();
  if (s.tls_stream) return s.tls_stream->next_layer().available(ec) + s.buffer.size();
  return 0;
}

void TestClient::close() { impl_->close(); }

}  // namespace hrsync::emulator::testing
