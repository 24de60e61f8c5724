// A throwaway PKI for the TLS tests: a self-signed CA and a server certificate it signed, made at
// test time with OpenSSL, in PEM.
#pragma once

#include <string>
#include <vector>

namespace hrsync::testing {

struct TestPki {
  std::string ca_cert;      // PEM
  std::string server_cert;  // PEM, issued by the CA
  std::string server_key;   // PEM
};

// A CA and a server certificate valid for `dns_names` and `ip_addresses`. Throws on failure.
TestPki make_test_pki(const std::vector<std::string>& dns_names, const std::vector<std::string>& ip_addresses);

}  // namespace hrsync::testing
