// FNV-1a 64: the emulator's small stable hash, for derived ids and for the photo digests that
// GET /_emulator/state shows (so a client can compute the same value from its file).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace hrsync::emulator {

inline constexpr std::uint64_t kFnvOffsetBasis = 1469598103934665603ull;

// FNV-1a 64 of `bytes`, starting from `basis` (the standard offset basis unless told otherwise).
inline std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t basis = kFnvOffsetBasis) {
  std::uint64_t h = basis;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace hrsync::emulator
