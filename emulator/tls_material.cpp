#include "emulator/tls_material.h"

#include <memory>

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace hrsync::emulator {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Free<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;

Result<void> openssl_failed(const char* what) {
  return fail(Error::Kind::kInternal, "emulator TLS", std::string("OpenSSL failed to ") + what);
}

Key new_key() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

bool is_ip(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

bool add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `subject_cn` with `key`, not yet signed.
Cert new_cert(EVP_PKEY* key, const char* subject_cn, long serial) {
  Cert cert(X509_new());
  if (!cert) return cert;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("hrsync emulator"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(subject_cn), -1, -1, 0);
  return cert;
}

std::string to_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string to_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string alt_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ",";
    out += (is_ip(n) ? "IP:" : "DNS:") + n;
  }
  return out;
}

}  // namespace

Result<TlsMaterial> make_tls_material(const std::vector<std::string>& names) {
  if (names.empty()) return fail(Error::Kind::kUsage, "emulator TLS", "no host name for the certificate");
  Key ca_key = new_key(), server_key = new_key();
  if (!ca_key || !server_key) return std::unexpected(openssl_failed("generate a key").error());
  Cert ca = new_cert(ca_key.get(), "hrsync emulator test CA", 1);
  Cert server = new_cert(server_key.get(), names.front().c_str(), 2);
  if (!ca || !server) return std::unexpected(openssl_failed("create a certificate").error());
  X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
  X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get()));
  bool ok = add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE") &&
            add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign") &&
            add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash") &&
            add_extension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE") &&
            add_extension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
            add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth") &&
            add_extension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always") &&
            add_extension(server.get(), ca.get(), NID_subject_alt_name, alt_names(names));
  if (!ok) return std::unexpected(openssl_failed("add a certificate extension").error());
  if (X509_sign(ca.get(), ca_key.get(), EVP_sha256()) == 0 || X509_sign(server.get(), ca_key.get(), EVP_sha256()) == 0) {
    return std::unexpected(openssl_failed("sign a certificate").error());
  }
  return TlsMaterial{to_pem(ca.get()), to_pem(server.get()), to_pem(server_key.get())};
}

}  // namespace hrsync::emulator
