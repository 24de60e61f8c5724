// Secret: a credential (app_secret, token) that must never reach argv, a log, a report or an error.
//
// The value is read from an environment variable or a file that the job config names; the config
// text itself never holds it. Secret has no stream operator and no implicit conversion: the only
// way to the bytes is reveal(), called where the credential goes on the wire.
//
// Thread-safety: a plain value type.
#pragma once

#include <string>
#include <utility>

namespace hrsync {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  bool empty() const { return value_.empty(); }
  const std::string& reveal() const { return value_; }

 private:
  std::string value_;
};

}  // namespace hrsync
