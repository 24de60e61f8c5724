#include "engine/net/tls_context.h"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <fmt/format.h>
#include <openssl/x509.h>

namespace hrsync {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ssl::context>> make_tls_client_context(const TlsOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                       ec);
  context->set_verify_mode(ssl::verify_peer, ec);
  if (options.system_store) {
    context->set_default_verify_paths(ec);
    if (ec) return fail(Error::Kind::kConfig, "TLS", "cannot load the system CA store: " + ec.message());
  }
  if (!options.ca_file.empty()) {
    context->load_verify_file(options.ca_file, ec);
    if (ec) {
      return fail(Error::Kind::kConfig, "http.ca_file",
                  fmt::format("cannot load CA file '{}': {}", options.ca_file, ec.message()));
    }
  }
  return context;
}

bool PeerVerifier::operator()(bool preverified, ssl::verify_context& ctx) const {
  X509_STORE_CTX* store = ctx.native_handle();
  if (!preverified) {
    int error = X509_STORE_CTX_get_error(store);
    int depth = X509_STORE_CTX_get_error_depth(store);
    *reason_ = fmt::format("{} (certificate at depth {})", X509_verify_cert_error_string(error), depth);
    return false;
  }
  if (ssl::host_name_verification(host_)(preverified, ctx)) return true;
  *reason_ = fmt::format("the certificate is not valid for host '{}'", host_);
  return false;
}

}  // namespace hrsync
