// TLS for the HTTP client: a client context that verifies by default, and the per-connection
// check of the server's name.
//
// make_tls_client_context() gives a TLS 1.2+ client context with verify_peer, trusting the system
// store (set_default_verify_paths) plus, when configured, an extra CA file (PEM). PeerVerifier is
// the verify callback of one connection: Asio's ssl::host_name_verification for the URL's host
// (DNS name or IP address), recording why a certificate was refused so the error can say it
// ("certificate is not valid for host 'x'", "self-signed certificate in certificate chain").
//
// Thread-safety: a context may be shared by the connections of one thread; a PeerVerifier belongs
// to one connection.
#pragma once

#include <memory>
#include <string>

#include "base/error.h"

namespace boost::asio::ssl {
class context;
class verify_context;
}  // namespace boost::asio::ssl

namespace hrsync {

struct TlsOptions {
  std::string ca_file;             // an extra trust anchor (PEM), "" for the system store only
  bool system_store = true;        // trust the system's CA store
};

// The client context, or a kConfig error naming the CA file that could not be loaded.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_client_context(const TlsOptions& options);

class PeerVerifier {
 public:
  // `reason` receives why the chain or the name was refused; it must outlive the handshake.
  PeerVerifier(std::string host, std::string* reason) : host_(std::move(host)), reason_(reason) {}

  bool operator()(bool preverified, boost::asio::ssl::verify_context& ctx) const;

 private:
  std::string host_;
  std::string* reason_;
};

}  // namespace hrsync
