// FaultPlan: which injected faults hit which request, by probability or by schedule.
//
// A FaultRule names a kind of fault, the requests it may hit (one endpoint or all), and when it
// fires: with a probability per eligible request, on every Nth one, at most N times, and only
// inside a time window of the emulator's clock. The plan also holds the outage window (every
// request answered 503), the added latency (uniform between a minimum and a maximum) and the
// inbound delay (uniform too: how long a request travels before the gateway counts it).
// All randomness comes from one generator seeded at construction, so a test that sends its
// requests one after another sees the same faults on every run.
//
// Fault specs on the command line: NAME=TERM[,TERM...][@ENDPOINT] where TERM is a probability
// (0.1), next:N (the next N eligible requests), every:N, from:SECONDS, for:SECONDS, or, for
// throttle only, reset:SECONDS or reset:unix (the x-ogw-ratelimit-reset value the 429 carries) and
// status:400 (the throttle answered HTTP 400 with 99991400, as older Feishu APIs do; default 429).
// The token endpoint is throttled only by a rule that names it (@token); its throttle carries no
// x-ogw-ratelimit-limit.
// Examples: lock=0.1  internal=every:10@attendance_face  reset=next:2  stall=0.5,from:30,for:10
//           oversize=next:1@acs_card
//           throttle=next:1,reset:1e9@attendance_face  throttle=next:3,reset:2,status:400@token
//
// Thread-safety: none; the owner serializes calls.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace hrsync::emulator {

enum class FaultKind : std::uint8_t {
  kLock,      // 44025 "update user lock error" on contact user updates
  kInternal,  // 5xx with the API's documented internal-error code
  kReset,     // the connection is reset instead of answered
  kStall,     // the request is never answered (the connection stays open until the client leaves)
  kRevoke,    // the token the request carries is revoked before it is checked (99991663)
  kThrottle,  // 429 (or 400) / 99991400 (Sophon: 42900) whatever the window holds, with the rule's reset header
  kOversize,  // the request is handled, and its answer padded past 16 MiB (the client's default limit)
  kCount,
};

std::string_view fault_name(FaultKind kind);
std::optional<FaultKind> fault_from_name(std::string_view name);

struct FaultRule {
  FaultKind kind = FaultKind::kInternal;
  double probability = 1.0;    // chance that an eligible request is hit
  std::string endpoint;        // "" = every endpoint the kind applies to, else e.g. "contact_user"
  std::uint64_t every = 0;     // > 0: hit every Nth eligible request (instead of by probability)
  std::uint64_t count = 0;     // > 0: hit at most this many requests, then stop
  double from_s = 0;           // eligible from this time of the emulator's clock...
  double for_s = 0;            // ...for this many seconds (0 = no end)
  // throttle: the x-ogw-ratelimit-reset the answer carries: reset_s seconds, or, when
  // reset_unix, the current Unix time in seconds (a header a broken gateway might send).
  double reset_s = 1;
  bool reset_unix = false;
  int status = 429;  // throttle: the HTTP status of a Feishu throttle (429, or 400 as older APIs answer)
};

// Parses a command-line fault spec (see above). Errors are kUsage and quote the spec.
Result<FaultRule> parse_fault_rule(std::string_view spec);

class FaultPlan {
 public:
  explicit FaultPlan(std::uint64_t seed) : rng_(seed), inbound_rng_(seed ^ 0x696e626f756e64) {}

  void add(FaultRule rule) { rules_.push_back({std::move(rule), 0, 0}); }
  void clear_rules() { rules_.clear(); }

  // True iff a fault of `kind` hits this request to `endpoint`, arriving at `now`. Counts the
  // request as eligible for every matching rule.
  bool fires(FaultKind kind, std::string_view endpoint, double now);

  // The same, counting only the rules that name `endpoint` (a rule for every endpoint does not
  // reach it: the token endpoint's throttle).
  bool fires_named(FaultKind kind, std::string_view endpoint, double now);

  // Every request arriving in [start, start + seconds) is answered 503.
  void set_outage(double start, double seconds) { outage_ = {start, start + seconds}; }
  bool in_outage(double now) const { return now >= outage_.first && now < outage_.second; }

  // Added latency, drawn uniformly in [min_s, max_s] for every answered request.
  void set_latency(double min_s, double max_s) { latency_ = {min_s, max_s}; }
  double draw_latency();

  // Inbound delay, drawn uniformly in [min_s, max_s] for every request before it is counted.
  void set_inbound(double min_s, double max_s) { inbound_ = {min_s, max_s}; }
  bool has_inbound() const { return inbound_.second > 0; }
  double draw_inbound();

  // Draws from the plan's generator (for decisions the plan does not own, e.g. image ids).
  std::uint64_t draw() { return rng_(); }

  // How many requests faults of `kind` have hit.
  std::uint64_t hits(FaultKind kind) const { return hits_[static_cast<std::size_t>(kind)]; }

  // The rule of the last request fires() hit (the throttle fault's header comes from it).
  const FaultRule& last_hit() const { return last_hit_; }

  // Forgets rules, outage, latency, inbound delay and counters.
  void reset();

 private:
  struct Armed {
    FaultRule rule;
    std::uint64_t seen = 0;   // eligible requests so far
    std::uint64_t fired = 0;  // requests hit so far
  };

  bool decide(Armed& armed);
  bool fires_among(FaultKind kind, std::string_view endpoint, double now, bool named_only);

  std::mt19937_64 rng_;
  std::mt19937_64 inbound_rng_;  // apart, so an inbound delay leaves the faults' draws as they were
  std::vector<Armed> rules_;
  std::pair<double, double> outage_{0, 0};
  std::pair<double, double> latency_{0, 0};
  std::pair<double, double> inbound_{0, 0};
  FaultRule last_hit_;
  std::uint64_t hits_[static_cast<std::size_t>(FaultKind::kCount)] = {};
};

}  // namespace hrsync::emulator
