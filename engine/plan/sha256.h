// Sha256: an incremental SHA-256 (OpenSSL's EVP), for the checksums of plan files and the
// fingerprints of configs, sources and snapshots that a plan file records.
//
// Thread-safety: one object per thread; the free functions are reentrant.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"

namespace hrsync {

class Sha256 {
 public:
  Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  ~Sha256();

  void update(std::string_view bytes);

  // The digest of everything updated so far, as 64 lower-case hex digits. The object can go on
  // being updated afterwards (the digest is taken from a copy of the state).
  std::string hex() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The SHA-256 of `bytes`, 64 hex digits.
std::string sha256_hex(std::string_view bytes);

// The SHA-256 of the file at `path`, read in blocks; a kIo error naming the file when it cannot be
// read.
Result<std::string> sha256_file(const std::string& path);

}  // namespace hrsync
