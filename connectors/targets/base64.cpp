#include "connectors/targets/base64.h"

#include <cstdint>

namespace hrsync {

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 0x3f]);
    out.push_back(kAlphabet[(v >> 12) & 0x3f]);
    out.push_back(kAlphabet[(v >> 6) & 0x3f]);
    out.push_back(kAlphabet[v & 0x3f]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t v = std::uint32_t{p[i]} << 16;
  if (rest == 2) v |= std::uint32_t{p[i + 1]} << 8;
  out.push_back(kAlphabet[(v >> 18) & 0x3f]);
  out.push_back(kAlphabet[(v >> 12) & 0x3f]);
  out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 0x3f] : '=');
  out.push_back('=');
}

}  // namespace hrsync
