// TestClient: a small synchronous HTTP/1.1 client for the emulator's tests, over one keep-alive
// connection (plain or TLS with peer and host-name verification).
//
// It sends what it is told, byte for byte, so tests can send what a careless client would.
// Failures (refused, reset, verification) come back as a message, never as an exception.
//
// Thread-safety: one thread at a time per client.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace hrsync::emulator::testing {

struct TestResponse {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  // The body parsed as JSON (null when it is not JSON).
  boost::json::value json() const;
  // The header `name` (lower case), "" when absent.
  std::string header(const std::string& name) const;
};

struct TestResult {
  bool ok = false;
  TestResponse response;  // when ok
  std::string error;      // when !ok: what failed ("connect: ...", "read: Connection reset by peer")
  bool reset = false;     // the peer reset the connection
  bool closed = false;    // the peer closed the connection cleanly
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class TestClient {
 public:
  // Plain HTTP to host:port.
  TestClient(std::string host, std::uint16_t port);
  // HTTPS: trusts only `ca_pem` and expects the certificate to be for `server_name` (also sent as SNI).
  TestClient(std::string host, std::uint16_t port, std::string ca_pem, std::string server_name);
  ~TestClient();

  // Sends one request and reads its answer (connecting first if needed).
  TestResult request(const std::string& method, const std::string& target, const std::string& body = {},
                     const Headers& headers = {});

  // Sends a request without reading the answer; read_response() reads it later.
  TestResult send_only(const std::string& method, const std::string& target, const std::string& body = {},
                       const Headers& headers = {});
  TestResult read_response();

  // Bytes that have arrived and not been read (to show that no answer came).
  std::size_t available();

  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hrsync::emulator::testing
