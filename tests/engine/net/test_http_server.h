// A small HTTP/1.1 server on loopback for the HTTP client tests, plain or TLS, driven by a handler
// that decides each reply (respond, close without a reply, never answer, or answer with bytes that
// are not HTTP). It runs on the
// test's io_context, on the test's thread, and records what it saw.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace hrsync::testing {

struct SeenRequest {
  std::size_t connection = 0;  // 1, 2, ... in accept order
  std::string method;
  std::string target;
  std::string body;
  std::string host;
  std::string authorization;
  std::string content_type;
};

struct Reply {
  enum class Kind { kRespond, kCloseWithoutReply, kNeverAnswer, kGarbage, kRaw };  // kRaw: `raw` as it is
  Kind kind = Kind::kRespond;
  int status = 200;
  std::string body = R"({"code":0})";
  std::vector<std::pair<std::string, std::string>> headers;
  bool keep_alive = true;    // false: "Connection: close", then close
  bool close_after = false;  // close silently after replying, though the reply said keep-alive
  std::string raw;           // kRaw: the bytes sent, then the connection closed
};

class TestHttpServer {
 public:
  using Handler = std::function<Reply(const SeenRequest&)>;

  // Listens on 127.0.0.1 on a free port; TLS when `tls` is given (it must outlive the server).
  TestHttpServer(boost::asio::io_context& io, Handler handler, boost::asio::ssl::context* tls = nullptr);

  std::uint16_t port() const { return port_; }

  std::vector<SeenRequest> requests;
  std::size_t connections = 0;
  std::size_t failed_handshakes = 0;

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::uint16_t port_ = 0;
};

// A port on 127.0.0.1 where nothing listens.
std::uint16_t unused_port();

}  // namespace hrsync::testing
