#include "tests/engine/net/test_http_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace hrsync::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr auto kAsTuple = net::as_tuple(net::use_awaitable);

}  // namespace

struct TestHttpServer::State {
  TestHttpServer* server;
  Handler handler;
  ssl::context* tls;
  tcp::acceptor acceptor;

  template <class Stream>
  net::awaitable<void> session(Stream& stream, std::size_t id) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      auto [ec, n] = co_await http::async_read(stream, buffer, request, kAsTuple);
      if (ec) co_return;
      SeenRequest seen{id,
                       std::string(request.method_string()),
                       std::string(request.target()),
                       request.body(),
                       std::string(request[http::field::host]),
                       std::string(request[http::field::authorization]),
                       std::string(request[http::field::content_type])};
      server->requests.push_back(seen);
      Reply reply = handler(seen);
      if (reply.kind == Reply::Kind::kCloseWithoutReply) co_return;
      if (reply.kind == Reply::Kind::kNeverAnswer) {
        net::steady_timer forever(acceptor.get_executor(), net::steady_timer::time_point::max());
        co_await forever.async_wait(kAsTuple);
        co_return;
      }
      if (reply.kind == Reply::Kind::kRaw) {
        co_await net::async_write(stream, net::buffer(reply.raw), kAsTuple);
        co_return;
      }
      if (reply.kind == Reply::Kind::kGarbage) {
        std::string junk = "this is not HTTP\r\n\r\n";
        co_await net::async_write(stream, net::buffer(junk), kAsTuple);
        co_return;
      }
      http::response<http::string_body> response{static_cast<http::status>(reply.status), 11};
      for (const auto& [name, value] : reply.headers) response.set(name, value);
      response.keep_alive(reply.keep_alive);
      response.body() = reply.body;
      response.prepare_payload();
      auto [wec, written] = co_await http::async_write(stream, response, kAsTuple);
      if (wec || !reply.keep_alive || reply.close_after) co_return;
    }
  }

  net::awaitable<void> serve(tcp::socket socket, std::size_t id) {
    if (tls == nullptr) {
      beast::tcp_stream stream(std::move(socket));
      co_await session(stream, id);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kAsTuple);
    if (ec) {
      ++server->failed_handshakes;
      co_return;
    }
    co_await session(stream, id);
  }

  net::awaitable<void> accept_loop(std::shared_ptr<State> self) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kAsTuple);
      if (ec) co_return;
      std::size_t id = ++server->connections;
      net::co_spawn(acceptor.get_executor(), serve(std::move(socket), id), net::detached);
    }
    (void)self;
  }
};

TestHttpServer::TestHttpServer(net::io_context& io, Handler handler, ssl::context* tls)
    : state_(std::make_shared<State>(State{this, std::move(handler), tls, tcp::acceptor(io)})) {
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  net::co_spawn(io, state_->accept_loop(state_), net::detached);
}

std::uint16_t unused_port() {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();  // closed on return: nothing listens there any more
}

}  // namespace hrsync::testing
