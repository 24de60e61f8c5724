// HttpClient: HTTP/1.1 requests to one base URL, over a pool of keep-alive connections.
//
// Built on Boost.Beast and Asio coroutines. A client keeps up to `max_connections` connections to
// its host, reuses idle ones, and makes a request wait for a connection when all are busy. Every
// step has a deadline: connect (resolve, TCP, TLS handshake) and the write + read of a request.
// TLS verifies by default (engine/net/tls_context.h): SNI, verify_peer and the host name; plain HTTP
// is used only when the base URL says http://.
//
// send() never throws for network trouble: failures are kNetwork errors (kProtocol for a reply that
// is not HTTP; kOversize for one whose body passes max_response_bytes or whose headers pass 64 KiB,
// which the same call would get again; kMalformed for one whose header fields break HTTP's syntax,
// a control byte in a name or value, which the same call would get again too; kAuth when the server's certificate is refused, which no
// retry can mend) whose `where` is host:port and whose message says what failed ("connect failed:
// Connection refused", "TLS certificate verification failed: ...", "timeout after 30 s during
// read"). When the peer closes a reused keep-alive connection before any byte of the response, the
// request is sent once more on a fresh connection — that is connection upkeep, not a retry of the
// call. Status codes are not judged here: a 500 is a response. With a Clock in its options, a
// response says when its request's (last) write began, HttpResponse::written: a request may wait
// for a connection, and the rate limiters log when it left, not when it asked.
//
// Thread-safety: none. Use a client from the thread that runs its executor. Destroy it when no
// send() is running, or once its io_context is stopped for good (pending sends are then dropped).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "base/error.h"
#include "engine/net/base_url.h"
#include "engine/net/clock.h"
#include "engine/net/http_message.h"
#include "engine/net/tls_context.h"

namespace hrsync {

namespace net = boost::asio;

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};  // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds request_timeout{30'000};  // write of a request + read of its response
  std::size_t max_connections = 64;                   // open connections to the host, busy or idle
  std::uint64_t max_response_bytes = 16u << 20;       // a larger response body is an error (kOversize)
  TlsOptions tls;                                     // trust anchors (https only)
  std::string connect_host;                           // connect here instead of the URL's host ("" = the
                                                      // URL's); TLS still checks the URL's host name
  Clock* clock = nullptr;                             // stamps HttpResponse::written when set
};

// Counters for tests and diagnostics.
struct HttpClientStats {
  std::uint64_t connections_opened = 0;  // successful connects (TCP, and TLS when https)
  std::uint64_t stale_resends = 0;       // requests sent again after a reused connection closed
  std::size_t open = 0;                  // connections open now, busy or idle
  std::size_t idle = 0;                  // connections waiting in the pool now
};

class HttpClient {
 public:
  class Impl;

  // A client for `url`; fails (kConfig) only when the TLS context cannot be built (bad CA file).
  static Result<std::unique_ptr<HttpClient>> create(const net::any_io_executor& executor, BaseUrl url,
                                                    HttpClientOptions options = {});
  ~HttpClient();

  // Sends `request` and reads the response. The request's strings must stay valid until it
  // completes.
  net::awaitable<Result<HttpResponse>> send(const HttpRequest& request);

  const BaseUrl& url() const;
  HttpClientStats stats() const;

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hrsync
