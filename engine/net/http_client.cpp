#include "engine/net/http_client.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>

namespace hrsync {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

constexpr auto kAsTuple = net::as_tuple(net::use_awaitable);

// The most bytes a response's status line and headers may take (Beast's default is 8 KiB; a
// gateway or proxy adding cookies and trace headers stays far below this).
constexpr std::uint32_t kMaxHeaderBytes = 64u << 10;

double seconds(std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; }

// True for the ways a peer shows it closed the connection.
bool closed_by_peer(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::connection_aborted ||
         ec == ssl::error::stream_truncated;
}

std::string describe(const error_code& ec, std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout) return fmt::format("timeout after {:g} s", seconds(timeout));
  if (ec == http::error::end_of_stream) return "connection closed by the peer";
  return ec.message();
}

// A reply that is not well-formed HTTP (as opposed to a connection that failed or went quiet).
// True for a header field that breaks HTTP's syntax (a control byte in its name or value, a bare
// CR or LF): the bytes the server sent, the same on every try, unlike a reply cut short.
bool is_malformed_field(const error_code& ec) {
  return ec == http::error::bad_field || ec == http::error::bad_value || ec == http::error::bad_line_ending;
}

bool is_bad_http(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_version).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

template <class Stream>
struct Connection {
  template <class... Args>
  explicit Connection(Args&&... args) : stream(std::forward<Args>(args)...) {}
  Stream stream;
  beast::flat_buffer buffer;
  std::string verify_error;  // why the TLS peer was refused, if it was
  bool reused = false;       // came from the idle pool
};

}  // namespace

class HttpClient::Impl {
 public:
  virtual ~Impl() = default;
  virtual net::awaitable<Result<HttpResponse>> send(const HttpRequest& request) = 0;
  virtual const BaseUrl& url() const = 0;
  virtual HttpClientStats stats() const = 0;
};

namespace {

template <bool kTls>
class PooledClient final : public HttpClient::Impl {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;
  using Conn = Connection<Stream>;
  using ConnPtr = std::unique_ptr<Conn>;

  // A request waiting for a connection: it gets an idle one, or the right to open one.
  struct Waiter {
    net::steady_timer timer;
    ConnPtr conn;
    bool slot = false;
  };

  // The outcome of one write + read on one connection.
  struct Exchange {
    Result<HttpResponse> result;
    bool keep = false;   // the connection may serve another request
    bool stale = false;  // a reused connection was closed before any byte of the response
  };

 public:
  PooledClient(net::any_io_executor executor, BaseUrl url, HttpClientOptions options,
               std::shared_ptr<ssl::context> tls)
      : executor_(std::move(executor)),
        url_(std::move(url)),
        options_(std::move(options)),
        tls_(std::move(tls)),
        host_header_(url_.host_header()),
        where_(url_.authority()),
        port_text_(std::to_string(url_.port)) {}

  const BaseUrl& url() const override { return url_; }

  HttpClientStats stats() const override {
    HttpClientStats s = stats_;
    s.open = open_;
    s.idle = idle_.size();
    return s;
  }

  net::awaitable<Result<HttpResponse>> send(const HttpRequest& request) override {
    Result<ConnPtr> conn = co_await acquire();
    if (!conn) co_return std::unexpected(std::move(conn.error()));
    Exchange exchange = co_await exchange_on(**conn, request);
    if (exchange.stale) {
      ++stats_.stale_resends;
      conn->reset();
      conn = co_await connect();  // keeps the pool slot of the closed connection
      if (!conn) {
        release_slot();
        co_return std::unexpected(std::move(conn.error()));
      }
      exchange = co_await exchange_on(**conn, request);
    }
    release(std::move(*conn), exchange.keep);
    co_return std::move(exchange.result);
  }

 private:
  std::unexpected<Error> network_error(std::string message) const {
    return std::unexpected(Error{Error::Kind::kNetwork, where_, std::move(message)});
  }

  // An idle connection, a new one, or — when max_connections are open — the next one released.
  net::awaitable<Result<ConnPtr>> acquire() {
    if (!idle_.empty()) {
      ConnPtr conn = std::move(idle_.back());
      idle_.pop_back();
      conn->reused = true;
      co_return conn;
    }
    if (open_ < std::max<std::size_t>(options_.max_connections, 1)) {
      ++open_;
    } else {
      Waiter waiter{net::steady_timer(executor_, net::steady_timer::time_point::max())};
      co_await wait_for_connection(waiter);
      if (waiter.conn) co_return std::move(waiter.conn);
    }
    Result<ConnPtr> conn = co_await connect();
    if (!conn) release_slot();
    co_return conn;
  }

  net::awaitable<void> wait_for_connection(Waiter& waiter) {
    waiters_->push_back(&waiter);
    // An abandoned wait (its io_context destroyed first) leaves the queue, if the client is still there.
    struct Unqueue {
      std::weak_ptr<std::deque<Waiter*>> waiters;
      Waiter* waiter;
      ~Unqueue() {
        if (auto queue = waiters.lock()) std::erase(*queue, waiter);
      }
    } unqueue{waiters_, &waiter};
    co_await waiter.timer.async_wait(kAsTuple);
  }

  // Hands a finished connection on: to a waiting request, to the idle pool, or closes it.
  void release(ConnPtr conn, bool keep) {
    if (!keep) {
      conn.reset();
      release_slot();
      return;
    }
    if (!waiters_->empty()) {
      Waiter* waiter = waiters_->front();
      waiters_->pop_front();
      conn->reused = true;
      waiter->conn = std::move(conn);
      waiter->timer.cancel();
      return;
    }
    idle_.push_back(std::move(conn));
  }

  // A connection closed or never opened: its slot goes to a waiting request, or is freed.
  void release_slot() {
    if (!waiters_->empty()) {
      Waiter* waiter = waiters_->front();
      waiters_->pop_front();
      waiter->slot = true;
      waiter->timer.cancel();
      return;
    }
    --open_;
  }

  net::awaitable<Result<ConnPtr>> connect() {
    ConnPtr conn = make_connection();
    auto& socket = beast::get_lowest_layer(conn->stream);
    if (endpoints_.empty()) {
      tcp::resolver resolver(executor_);
      const std::string& host = options_.connect_host.empty() ? url_.host : options_.connect_host;
      auto [ec, results] = co_await resolver.async_resolve(host, port_text_, kAsTuple);
      if (ec) co_return network_error(fmt::format("cannot resolve '{}': {}", host, ec.message()));
      endpoints_.assign(results.begin(), results.end());
    }
    socket.expires_after(options_.connect_timeout);
    auto [ec, endpoint] = co_await socket.async_connect(endpoints_, kAsTuple);
    if (ec) {
      endpoints_.clear();  // resolve again next time
      co_return network_error("connect failed: " + describe(ec, options_.connect_timeout));
    }
    socket.socket().set_option(tcp::no_delay(true), ec);
    if constexpr (kTls) {
      auto handshake = co_await handshake_on(*conn);
      if (!handshake) co_return std::unexpected(std::move(handshake.error()));
    }
    socket.expires_never();
    ++stats_.connections_opened;
    co_return conn;
  }

  ConnPtr make_connection() {
    if constexpr (kTls) {
      return std::make_unique<Conn>(executor_, *tls_);
    } else {
      return std::make_unique<Conn>(executor_);
    }
  }

  net::awaitable<Result<void>> handshake_on(Conn& conn) requires kTls {
    // SNI carries a DNS name only; an IP address is checked against the certificate's IP entries.
    if (!url_.host_is_address() && !SSL_set_tlsext_host_name(conn.stream.native_handle(), url_.host.c_str())) {
      co_return network_error("TLS setup failed: cannot set the server name (SNI)");
    }
    conn.stream.set_verify_callback(PeerVerifier(url_.host, &conn.verify_error));
    auto [ec] = co_await conn.stream.async_handshake(ssl::stream_base::client, kAsTuple);
    if (!ec) co_return Result<void>{};
    if (!conn.verify_error.empty()) {
      // The server is not who the URL names, or not trusted: a retry cannot change that.
      co_return std::unexpected(
          Error{Error::Kind::kAuth, where_, "TLS certificate verification failed: " + conn.verify_error});
    }
    co_return network_error("TLS handshake failed: " + describe(ec, options_.connect_timeout));
  }

  net::awaitable<Exchange> exchange_on(Conn& conn, const HttpRequest& request) {
    http::request<http::span_body<const char>> message;
    message.version(11);
    http::verb verb = http::string_to_verb(request.method);
    if (verb == http::verb::unknown) {
      message.method_string(request.method);
    } else {
      message.method(verb);
    }
    if (url_.prefix.empty()) {
      message.target(request.target);
    } else {
      message.target(url_.prefix + std::string(request.target));
    }
    message.set(http::field::host, host_header_);
    message.set(http::field::user_agent, "hrsync");
    if (!request.authorization.empty()) message.set(http::field::authorization, request.authorization);
    if (!request.body.empty()) message.set(http::field::content_type, request.content_type);
    message.body() = {request.body.data(), request.body.size()};
    message.prepare_payload();

    auto& socket = beast::get_lowest_layer(conn.stream);
    socket.expires_after(options_.request_timeout);
    const Clock::time_point write_began = options_.clock != nullptr ? options_.clock->now() : Clock::time_point{};
    auto [write_ec, written] = co_await http::async_write(conn.stream, message, kAsTuple);
    if (write_ec) co_return failed(conn, "write", write_ec, false);

    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    parser.header_limit(kMaxHeaderBytes);
    auto [read_ec, read] = co_await http::async_read(conn.stream, conn.buffer, parser, kAsTuple);
    if (read_ec) co_return failed(conn, "read", read_ec, parser.got_some());
    socket.expires_never();
    Exchange exchange = received(parser.release());
    exchange.result->written = write_began;
    co_return exchange;
  }

  Exchange failed(const Conn& conn, std::string_view step, const error_code& ec, bool got_some) const {
    if (ec == http::error::body_limit) {
      return Exchange{std::unexpected(Error{
          Error::Kind::kOversize, where_,
          fmt::format("answer too large: its body passes {} bytes (not retried: the same call gets the same answer)",
                      options_.max_response_bytes)})};
    }
    if (ec == http::error::header_limit) {
      return Exchange{std::unexpected(Error{
          Error::Kind::kOversize, where_,
          fmt::format("answer too large: its headers pass {} bytes (not retried: the same call gets the same answer)",
                      kMaxHeaderBytes)})};
    }
    if (is_malformed_field(ec)) {
      return Exchange{std::unexpected(Error{
          Error::Kind::kMalformed, where_,
          "bad HTTP response: " + ec.message() +
              " in a header field (not retried: the same call gets the same answer)"})};
    }
    if (is_bad_http(ec)) {
      return Exchange{std::unexpected(Error{Error::Kind::kProtocol, where_, "bad HTTP response: " + ec.message()})};
    }
    Exchange out{network_error(fmt::format("{} during {}", describe(ec, options_.request_timeout), step))};
    out.stale = conn.reused && !got_some && closed_by_peer(ec);
    return out;
  }

  static Exchange received(http::response<http::string_body> response) {
    Exchange out{HttpResponse{}};
    HttpResponse& r = *out.result;
    r.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      r.headers.add(std::string_view(field.name_string().data(), field.name_string().size()),
                    std::string_view(field.value().data(), field.value().size()));
    }
    out.keep = response.keep_alive();
    r.body = std::move(response.body());
    return out;
  }

  net::any_io_executor executor_;
  BaseUrl url_;
  HttpClientOptions options_;
  std::shared_ptr<ssl::context> tls_;
  std::string host_header_;
  std::string where_;
  std::string port_text_;
  std::vector<tcp::endpoint> endpoints_;  // resolved once, again after a failed connect
  std::vector<ConnPtr> idle_;             // most recently used last
  std::shared_ptr<std::deque<Waiter*>> waiters_ = std::make_shared<std::deque<Waiter*>>();
  std::size_t open_ = 0;
  HttpClientStats stats_;
};

}  // namespace

Result<std::unique_ptr<HttpClient>> HttpClient::create(const net::any_io_executor& executor, BaseUrl url,
                                                       HttpClientOptions options) {
  std::unique_ptr<Impl> impl;
  if (url.tls) {
    auto tls = make_tls_client_context(options.tls);
    if (!tls) return std::unexpected(std::move(tls.error()));
    impl = std::make_unique<PooledClient<true>>(executor, std::move(url), std::move(options), std::move(*tls));
  } else {
    impl = std::make_unique<PooledClient<false>>(executor, std::move(url), std::move(options), nullptr);
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

net::awaitable<Result<HttpResponse>> HttpClient::send(const HttpRequest& request) { return impl_->send(request); }
const BaseUrl& HttpClient::url() const { return impl_->url(); }
HttpClientStats HttpClient::stats() const { return impl_->stats(); }

}  // namespace hrsync
