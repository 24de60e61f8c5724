// TokenStore: the tenant_access_tokens the emulated token endpoint has issued.
//
// As Feishu does (docs/api-notes.md, "Token"), asking for a token while more than a quarter of the lifetime
// remains on the current one (30 min of 2 h) returns that same token with its remaining `expire`
// (whole seconds, at least 1); asking later issues a new one, and both stay valid until each
// expires. Tokens can be revoked
// (one, or all), after which business calls carrying them fail with 99991663.
// Token values are "t-" and 32 hex digits from the seeded generator given at construction.
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hrsync::emulator {

struct IssuedToken {
  std::string token;
  std::int64_t expire_s = 0;  // whole seconds left, as the endpoint reports them
};

class TokenStore {
 public:
  TokenStore(double lifetime_s, std::uint64_t seed) : lifetime_s_(lifetime_s), rng_(seed) {}

  IssuedToken issue(double now);

  // True iff `token` was issued, is not revoked and has not expired at `now`.
  bool valid(std::string_view token, double now) const;

  void revoke(std::string_view token) { expiry_.erase(std::string(token)); }
  void revoke_all() {
    expiry_.clear();
    current_.clear();
  }

  std::size_t issued() const { return issued_; }

 private:
  std::string fresh_token();

  double lifetime_s_;
  std::mt19937_64 rng_;
  std::unordered_map<std::string, double> expiry_;  // token -> time it stops being valid
  std::string current_;                             // the token the endpoint hands out now
  std::size_t issued_ = 0;
};

}  // namespace hrsync::emulator
