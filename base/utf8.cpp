#include "base/utf8.h"

#include <cstring>

namespace hrsync {
namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

// Skips ASCII from `i`, eight bytes at a time; returns the index of the first non-ASCII byte.
std::size_t skip_ascii(const unsigned char* p, std::size_t i, std::size_t n) {
  while (i + 8 <= n) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    if ((word & kHighBits) != 0) break;
    i += 8;
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

// For a lead byte: how many continuation bytes follow, and the range of the first one.
// Returns false when `b` cannot start a sequence.
bool lead_byte(unsigned char b, unsigned& need, unsigned char& lo, unsigned char& hi) {
  lo = 0x80;
  hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    if (b == 0xE0) lo = 0xA0;  // no overlong 3-byte forms
    if (b == 0xED) hi = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    if (b == 0xF0) lo = 0x90;  // no overlong 4-byte forms
    if (b == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::uint64_t Utf8Stream::feed(std::string_view chunk, std::uint64_t offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
  const std::size_t n = chunk.size();
  std::size_t i = 0;
  while (i < n) {
    if (need_ == 0) {
      i = skip_ascii(p, i, n);
      if (i == n) break;
      if (!lead_byte(p[i], need_, lo_, hi_)) {
        bad_byte_ = p[i];
        return offset + i;
      }
      seq_start_ = offset + i;
      lead_ = p[i];
      ++i;
      continue;
    }
    const unsigned char b = p[i];
    if (b < lo_ || b > hi_) {
      bad_byte_ = lead_;
      need_ = 0;
      return seq_start_;
    }
    lo_ = 0x80;
    hi_ = 0xBF;
    --need_;
    ++i;
  }
  return kNone;
}

std::size_t first_invalid_utf8(std::string_view text) {
  Utf8Stream stream;
  std::uint64_t bad = stream.feed(text, 0);
  if (bad == Utf8Stream::kNone) bad = stream.finish();
  return bad == Utf8Stream::kNone ? text.size() : static_cast<std::size_t>(bad);
}

bool is_valid_utf8(std::string_view text) { return first_invalid_utf8(text) == text.size(); }

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += is_utf8_continuation(c) ? 0 : 1;
  return n;
}

std::size_t utf8_char_start(std::string_view text, std::size_t at) {
  if (at >= text.size()) return text.size();
  while (at > 0 && is_utf8_continuation(text[at])) --at;
  return at;
}

}  // namespace hrsync
