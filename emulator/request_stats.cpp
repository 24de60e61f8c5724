#include "emulator/request_stats.h"

namespace hrsync::emulator {

void RequestStats::record(Endpoint e, const std::string& outcome, bool throttled) {
  Counters& c = per_endpoint_[static_cast<std::size_t>(e)];
  ++c.requests;
  if (throttled) ++c.throttled;
  ++c.outcomes[outcome];
}

std::uint64_t RequestStats::requests() const {
  std::uint64_t n = 0;
  for (const auto& c : per_endpoint_) n += c.requests;
  return n;
}

std::uint64_t RequestStats::throttled() const {
  std::uint64_t n = 0;
  for (const auto& c : per_endpoint_) n += c.throttled;
  return n;
}

boost::json::object RequestStats::by_operation() const {
  std::uint64_t n[4] = {};
  for (std::size_t i = 0; i < per_endpoint_.size(); ++i) {
    n[static_cast<std::size_t>(operation_of(static_cast<Endpoint>(i)))] += per_endpoint_[i].requests;
  }
  boost::json::object out;
  for (Operation op : {Operation::kRead, Operation::kCreate, Operation::kUpdate}) out[operation_name(op)] = n[static_cast<std::size_t>(op)];
  return out;
}

boost::json::object RequestStats::to_json() const {
  boost::json::object out;
  for (std::size_t i = 0; i < per_endpoint_.size(); ++i) {
    const Counters& c = per_endpoint_[i];
    boost::json::object outcomes;
    for (const auto& [k, n] : c.outcomes) outcomes[k] = n;
    out[endpoint_name(static_cast<Endpoint>(i))] =
        boost::json::object{{"requests", c.requests}, {"throttled", c.throttled}, {"outcomes", std::move(outcomes)}};
  }
  return out;
}

}  // namespace hrsync::emulator
