// RequestStats: requests per endpoint and outcome, for GET /_emulator/stats.
//
// An outcome is the API code of the answer ("0" for success, "41001", "99991400"), or what
// happened instead of an answer: "outage", "reset", "stall", "not_found", "too_large".
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include <boost/json/object.hpp>

#include "emulator/route.h"

namespace hrsync::emulator {

class RequestStats {
 public:
  void record(Endpoint e, const std::string& outcome, bool throttled);

  std::uint64_t requests() const;
  std::uint64_t throttled() const;

  // {"read": N, "create": N, "update": N}: requests per operation (emulator/route.h), throttled
  // and refused ones included.
  boost::json::object by_operation() const;

  // {"contact_user": {"requests": N, "throttled": N, "outcomes": {"0": N, ...}}, ...}
  boost::json::object to_json() const;

  void reset() { per_endpoint_ = {}; }

 private:
  struct Counters {
    std::uint64_t requests = 0;
    std::uint64_t throttled = 0;
    std::map<std::string, std::uint64_t> outcomes;
  };
  std::array<Counters, static_cast<std::size_t>(Endpoint::kCount)> per_endpoint_{};
};

}  // namespace hrsync::emulator
