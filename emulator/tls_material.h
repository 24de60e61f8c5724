// TlsMaterial: a certificate authority and a server certificate made for one emulator run.
//
// make_tls_material() creates a fresh CA (P-256 key, self-signed, CA:TRUE) and a server
// certificate it signs for the given names (DNS names, or IP addresses such as 127.0.0.1) in the
// subjectAltName, valid from an hour ago for a day. A client that trusts ca_pem can verify the
// server by host name; one that does not, or expects another name, is refused.
//
// Thread-safety: make_tls_material is safe to call from any thread.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace hrsync::emulator {

struct TlsMaterial {
  std::string ca_pem;    // the CA certificate, for clients to trust
  std::string cert_pem;  // the server certificate
  std::string key_pem;   // the server's private key (PKCS#8)
};

// REQUIRES: names is not empty.
Result<TlsMaterial> make_tls_material(const std::vector<std::string>& names);

}  // namespace hrsync::emulator
