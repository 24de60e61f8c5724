#include "emulator/http_server.h"

#include <chrono>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

namespace hrsync::emulator {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
constexpr auto kHandshakeTimeout = std::chrono::seconds(30);

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

std::chrono::microseconds micros(double seconds) {
  return std::chrono::microseconds(static_cast<long long>(seconds * 1e6));
}

std::string_view header(const http::request<http::string_body>& req, http::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string_view() : std::string_view(it->value().data(), it->value().size());
}

http::response<http::string_body> to_response(HttpReply& reply, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
  res.set(http::field::server, "hrsync-emulator");
  res.set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) res.set(name, value);
  res.body() = std::move(reply.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

// Resets the connection: SO_LINGER 0 and close make the kernel send RST.
void reset_connection(tcp::socket& socket) {
  boost::system::error_code ec;
  socket.set_option(net::socket_base::linger(true, 0), ec);
  socket.close(ec);
}

// Waits until the peer closes the connection (or the server stops), reading and dropping
// anything it sends.
net::awaitable<void> wait_for_close(beast::tcp_stream& stream) {
  stream.expires_never();
  char scratch[4096];
  while (true) {
    auto [ec, n] = co_await stream.socket().async_read_some(net::buffer(scratch), kNoThrow);
    if (ec) co_return;
  }
}

}  // namespace

struct HttpServer::Impl {
  Impl(Service& s, ServerOptions o) : service(s), options(std::move(o)), acceptor(ioc) {}

  net::awaitable<void> accept_loop();
  net::awaitable<void> plain_session(tcp::socket socket);
  net::awaitable<void> tls_session(tcp::socket socket);
  template <typename Stream>
  net::awaitable<void> serve(Stream& stream);

  // Declaration order matters: the io_context goes before the TLS context it serves, so the
  // sessions it still holds are destroyed first.
  Service& service;
  ServerOptions options;
  std::optional<ssl::context> tls;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
};

net::awaitable<void> HttpServer::Impl::accept_loop() {
  while (acceptor.is_open()) {
    // One thread needs no strand; more threads serialize each connection on its own.
    net::any_io_executor executor = options.threads > 1 ? net::any_io_executor(net::make_strand(ioc)) : ioc.get_executor();
    auto [ec, socket] = co_await acceptor.async_accept(executor, kNoThrow);
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. too many open files: keep serving the others
    socket.set_option(tcp::no_delay(true), ec);
    if (tls) {
      net::co_spawn(executor, tls_session(std::move(socket)), net::detached);
    } else {
      net::co_spawn(executor, plain_session(std::move(socket)), net::detached);
    }
  }
}

net::awaitable<void> HttpServer::Impl::plain_session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  co_await serve(stream);
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> HttpServer::Impl::tls_session(tcp::socket socket) {
  ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
  stream.next_layer().expires_after(kHandshakeTimeout);
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kNoThrow);
  if (ec) co_return;
  co_await serve(stream);
  stream.next_layer().expires_after(std::chrono::seconds(5));
  co_await stream.async_shutdown(kNoThrow);
}

template <typename Stream>
net::awaitable<void> HttpServer::Impl::serve(Stream& stream) {
  beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
  // Timers cost on every read and write, so there are none unless an idle timeout is asked for.
  auto arm = [&] {
    if (options.idle_timeout_s > 0) tcp_layer.expires_after(millis(options.idle_timeout_s));
  };
  tcp_layer.expires_never();
  beast::flat_buffer buffer;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    arm();
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (ec == http::error::body_limit) {
      HttpReply reply = service.too_large(parser.get().target());
      auto res = to_response(reply, parser.get().version(), false);
      co_await http::async_write(stream, res, kNoThrow);
      co_return;
    }
    if (ec) co_return;
    const auto& req = parser.get();
    // The network's inbound delay: the request reaches the gateway (and is counted) only after
    // it. The next request on this connection is read only after this one is answered, so
    // requests on one connection keep their order.
    if (double hold = service.inbound_delay_s(req.target()); hold > 0) {
      net::steady_timer timer(co_await net::this_coro::executor, micros(hold));
      co_await timer.async_wait(kNoThrow);
      arm();
    }
    HttpReply reply = service.handle(HttpRequestView{req.method_string(), req.target(), header(req, http::field::authorization),
                                                     header(req, http::field::content_type), req.body()});
    if (reply.action == ReplyAction::kReset) {
      reset_connection(tcp_layer.socket());
      co_return;
    }
    if (reply.action == ReplyAction::kStall) {
      co_await wait_for_close(tcp_layer);
      co_return;
    }
    if (reply.delay_s > 0) {
      net::steady_timer timer(co_await net::this_coro::executor, millis(reply.delay_s));
      co_await timer.async_wait(kNoThrow);
      arm();
    }
    bool keep_alive = req.keep_alive();
    auto res = to_response(reply, req.version(), keep_alive);
    auto [wec, wn] = co_await http::async_write(stream, res, kNoThrow);
    if (wec || !keep_alive) co_return;
  }
}

HttpServer::HttpServer(Service& service, ServerOptions options)
    : impl_(std::make_unique<Impl>(service, std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

Result<void> HttpServer::start() {
  Impl& s = *impl_;
  const std::string where = fmt::format("{}:{}", s.options.host, s.options.port);
  try {
    if (s.options.tls) {
      s.tls.emplace(ssl::context::tls_server);
      s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      s.tls->use_certificate_chain(net::buffer(s.options.tls->cert_pem));
      s.tls->use_private_key(net::buffer(s.options.tls->key_pem), ssl::context::pem);
    }
    tcp::endpoint endpoint(net::ip::make_address(s.options.host), s.options.port);
    s.acceptor.open(endpoint.protocol());
    s.acceptor.set_option(net::socket_base::reuse_address(true));
    s.acceptor.bind(endpoint);
    s.acceptor.listen(net::socket_base::max_listen_connections);
    port_ = s.acceptor.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    return fail(Error::Kind::kNetwork, where, fmt::format("cannot listen: {}", e.code().message()));
  }
  net::co_spawn(s.ioc, s.accept_loop(), net::detached);
  unsigned n = s.options.threads == 0 ? 1 : s.options.threads;
  for (unsigned i = 0; i < n; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  return {};
}

void HttpServer::stop() {
  if (!impl_) return;
  Impl& s = *impl_;
  net::post(s.ioc, [&s] {
    boost::system::error_code ec;
    s.acceptor.close(ec);
  });
  s.ioc.stop();
  for (auto& t : s.threads) {
    if (t.joinable()) t.join();
  }
  impl_.reset();  // destroys the pending sessions, which closes their sockets
}

}  // namespace hrsync::emulator
