// HttpServer: the HTTP/1.1 front of the emulator, on Boost.Beast (Asio coroutines).
//
// It accepts connections on one address, serves any number of them concurrently with keep-alive,
// optionally over TLS, and hands each request to the Service. It carries out what the service
// decides beyond the answer itself: the inbound delay before a request is handled and the added
// latency before it is answered (timers, so other connections go on meanwhile), a connection
// reset (RST), or a stall (no answer until the client closes). A connection's requests are
// handled one after another, in the order they came. This is the only translation unit of the
// emulator that includes Beast.
//
// Thread-safety: start() and stop() from one thread; the server runs `threads` threads of its own.
// The destructor stops the server and closes every connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "emulator/service.h"
#include "emulator/tls_material.h"

namespace hrsync::emulator {

struct ServerOptions {
  std::string host = "127.0.0.1";    // address to listen on
  std::uint16_t port = 0;            // 0 = ephemeral
  unsigned threads = 1;              // threads running the I/O loop
  double idle_timeout_s = 0;         // close a connection idle (or stuck writing) this long; 0 = never
  std::size_t max_body_bytes = 16u << 20;  // larger bodies are answered with service.too_large()
  std::optional<TlsMaterial> tls;    // serve HTTPS with this certificate when set
};

class HttpServer {
 public:
  // REQUIRES: `service` outlives the server.
  HttpServer(Service& service, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. A kNetwork error names the address when it fails.
  Result<void> start();

  // The bound port (after start()).
  std::uint16_t port() const { return port_; }

  // Stops accepting, closes every connection and joins the threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace hrsync::emulator
