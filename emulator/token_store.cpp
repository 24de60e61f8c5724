#include "emulator/token_store.h"

#include <cmath>

#include <fmt/format.h>

namespace hrsync::emulator {

IssuedToken TokenStore::issue(double now) {
  // The same token while over a quarter of its lifetime is left, and at least a whole second of
  // it: an `expire` of 0 is no token (a test's lifetime of a few seconds could otherwise get one).
  auto it = expiry_.find(current_);
  if (it != expiry_.end() && it->second - now > lifetime_s_ / 4 && it->second - now >= 1) {
    return {current_, static_cast<std::int64_t>(std::floor(it->second - now))};
  }
  // Expired tokens are forgotten when a new one is issued, so the map stays small.
  std::erase_if(expiry_, [now](const auto& kv) { return kv.second <= now; });
  current_ = fresh_token();
  expiry_[current_] = now + lifetime_s_;
  ++issued_;
  return {current_, static_cast<std::int64_t>(std::floor(lifetime_s_))};
}

bool TokenStore::valid(std::string_view token, double now) const {
  auto it = expiry_.find(std::string(token));
  return it != expiry_.end() && now < it->second;
}

std::string TokenStore::fresh_token() {
  return fmt::format("t-{:016x}{:016x}", rng_(), rng_());
}

}  // namespace hrsync::emulator
