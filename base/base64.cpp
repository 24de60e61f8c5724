#include "base/base64.h"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>

namespace hrsync {
namespace {

// EVP_EncodeBlock takes an int length; a multiple of 3 keeps the pieces free of padding.
constexpr std::size_t kPiece = std::size_t{INT_MAX} / 3 * 3;

}  // namespace

void append_base64(std::string& out, std::string_view bytes) {
  const std::size_t at = out.size();
  out.resize(at + (bytes.size() + 2) / 3 * 4);
  auto* to = reinterpret_cast<unsigned char*>(out.data() + at);
  const auto* from = reinterpret_cast<const unsigned char*>(bytes.data());
  for (std::size_t left = bytes.size(); left > 0;) {
    const std::size_t n = std::min(left, kPiece);
    to += EVP_EncodeBlock(to, from, static_cast<int>(n));
    from += n;
    left -= n;
  }
}

std::string base64(std::string_view bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

}  // namespace hrsync
