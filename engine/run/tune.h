// Tune: measures what a job's targets allow and recommends the rate and concurrency to run them at
// (`hrsync tune`, engine/cli/tune_command.cpp).
//
// Per target, one after another, with calls that change nothing:
//   - round trips: `round_trips` reads of one entity (keys from the job's HR source), one at a
//     time, paced below the read's own limit; their p50 and p99, and the first call's extra time
//     (a new connection's set-up);
//   - with write_probe, for a target whose update rate no document gives
//     (UpdateOperation::rate_documented() false): the documents it holds are read first, then sent
//     back as they are, at a rising rate in steps of `step_s` (from half the connector's default,
//     times `growth` each step), until the first throttled answer (the limit it announces, when it
//     does, is the limit found; else the best rate no answer was throttled at), or the knee, where
//     a step achieves less than `knee_share` of the rate it offered while its median round trip
//     grew past `knee_latency` times the first step's (a box that queues rather than refuses: the
//     most it achieved is its limit). Never more than `max_writes` writes in all, shared by the
//     probed targets; reads and token requests are counted apart.
// Then it recommends: a rate for an undocumented target, never above what was found (the
// announced limit less 5 %, a measured one less 10 %), and a concurrency for every target, the
// rate times the p99 round trip with half again as margin (at least 2), and says what bounds the
// target today: its limit, or the network (concurrency / round trip below the limit).
//
// The connectors say everything about their APIs (requests, codes, limits, the throttle headers);
// this file knows none of it. Time comes from the Clock, so tests run it in virtual time.
//
// Thread-safety: one tune at a time, on the thread that runs the io_context; the connectors, the
// transport and the clock outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "base/error.h"
#include "connectors/targets/target_connector.h"
#include "engine/net/clock.h"
#include "engine/net/transport.h"

namespace hrsync {

struct TuneOptions {
  bool write_probe = false;      // probe the undocumented limits with writes that change nothing
  unsigned max_writes = 200;     // writes in all, every probed target together
  unsigned round_trips = 20;     // reads per target for the round-trip times
  unsigned held_documents = 50;  // documents read per probed target, to send back
  double step_s = 0.5;           // length of one rate step
  double growth = 1.5;           // offered rate of a step over the one before
  unsigned min_step_calls = 3;   // fewer writes than this left: the probe ends
  unsigned max_in_flight = 64;   // writes in flight at once during the probe
  double knee_share = 0.85;      // achieved under this share of the offered rate...
  double knee_latency = 1.5;     // ...with the median round trip this many times the first step's
  double announced_margin = 0.95;  // recommended rate = announced limit times this (rounded down)
  double measured_margin = 0.90;   // recommended rate = a measured limit times this (rounded down)
  double concurrency_margin = 1.5; // recommended concurrency = rate x p99 round trip times this
};

// What tune is told of one target.
struct TuneTarget {
  const TargetConnector* connector = nullptr;
  std::vector<std::string> keys;    // entity keys from the HR source, in source order (a few)
  std::uint64_t entities = 0;       // entities a full sync sends it (for its least time)
  std::vector<RateTier> rate;       // the rate in force (the job's, else the connector's default)
  std::optional<unsigned> concurrency;  // the job's concurrency; unset: "auto"
};

struct TuneSeams {
  Transport& transport;
  Clock& clock;
  // One harmless request to the Feishu token endpoint; empty when no target is on Feishu.
  std::function<net::awaitable<Result<void>>()> token_call;
};

// Round-trip times of one kind of call, in seconds.
struct RoundTrips {
  unsigned samples = 0;
  double p50_s = 0;
  double p99_s = 0;
  double first_extra_s = 0;  // the first call's time beyond the median: a connection's set-up
};

// One step of the write probe.
struct ProbeStep {
  double offered = 0;      // requests a second sent
  double achieved = 0;     // answers a second that were successes
  double p50_s = 0;        // round trips of the step's answers
  double p99_s = 0;
  unsigned sent = 0;
  unsigned ok = 0;
  unsigned throttled = 0;
  unsigned failed = 0;     // neither success nor throttle
};

enum class FoundBy : std::uint8_t {
  kNone,        // not probed (documented, or no --write-probe), or the probe could not run
  kAnnounced,   // a throttled answer announced the limit
  kThrottled,   // throttled without an announcement: the best rate none was throttled at
  kKnee,        // more offered rate brought latency, not throughput
  kBudget,      // the writes ran out first: at least this much
};

std::string_view found_by_name(FoundBy f);

struct TargetTuning {
  std::string id;
  bool documented = true;             // the update's rate is the document's
  std::vector<RateTier> rate;         // in force today
  unsigned concurrency = 0;           // today's: the job's number, or what "auto" sizes for round_trip_s
  bool concurrency_auto = false;      // the job leaves it to "auto"
  RoundTrips read_trips;              // the round trips of one-entity reads
  std::vector<ProbeStep> steps;       // the write probe's steps
  FoundBy found_by = FoundBy::kNone;
  double found_rate = 0;              // requests a second, when found_by != kNone
  std::optional<std::uint32_t> announced;  // the limit a throttled answer announced
  std::optional<std::uint32_t> recommended_rate;  // per second; undocumented targets with a limit found
  unsigned recommended_concurrency = 0;
  double round_trip_s = 0;            // the p99 round trip the concurrency is sized for
  std::string bound;                  // what bounds the target at today's settings
  std::vector<std::string> notes;     // lanes, limits not found, errors
  std::uint64_t reads = 0;            // reads sent for it
  std::uint64_t writes = 0;           // writes sent for it
  std::uint64_t entities = 0;         // entities a full sync sends it
  double least_s_today = 0;           // a full sync's least time, today's settings
  double least_s_recommended = 0;     // and the recommended ones
};

struct TuneReport {
  RoundTrips token;                   // the Feishu token endpoint's
  std::uint64_t token_calls = 0;
  std::vector<TargetTuning> targets;  // in the order given
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  bool write_probe = false;
  unsigned max_writes = 0;
};

// Measures `targets` and recommends; completes when every target is done. A target whose calls
// fail says why in its notes and gets no recommendation of a rate.
net::awaitable<TuneReport> run_tune(std::vector<TuneTarget> targets, TuneSeams seams, TuneOptions options = {});

// The requests a second that `tiers` allow over their tightest window (0 when none).
double per_second(const std::vector<RateTier>& tiers);

}  // namespace hrsync
