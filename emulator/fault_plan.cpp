#include "emulator/fault_plan.h"

#include <charconv>
#include <iterator>

#include <fmt/format.h>

namespace hrsync::emulator {
namespace {

constexpr std::string_view kNames[] = {"lock", "internal", "reset", "stall", "revoke", "throttle", "oversize"};
static_assert(std::size(kNames) == static_cast<std::size_t>(FaultKind::kCount));

template <typename T>
bool parse_number(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Applies one TERM of a spec to `rule`; false when it is not understood.
bool apply_term(std::string_view term, FaultRule& rule) {
  auto colon = term.find(':');
  if (colon == std::string_view::npos) {
    return parse_number(term, rule.probability) && rule.probability >= 0 && rule.probability <= 1;
  }
  auto name = term.substr(0, colon);
  auto value = term.substr(colon + 1);
  if (name == "next") return parse_number(value, rule.count) && rule.count > 0;
  if (name == "every") return parse_number(value, rule.every) && rule.every > 0;
  if (name == "from") return parse_number(value, rule.from_s) && rule.from_s >= 0;
  if (name == "for") return parse_number(value, rule.for_s) && rule.for_s > 0;
  if (name == "reset" && rule.kind == FaultKind::kThrottle) {
    rule.reset_unix = value == "unix";
    return rule.reset_unix || (parse_number(value, rule.reset_s) && rule.reset_s >= 0);
  }
  if (name == "status" && rule.kind == FaultKind::kThrottle) {
    return parse_number(value, rule.status) && (rule.status == 400 || rule.status == 429);
  }
  return false;
}

}  // namespace

std::string_view fault_name(FaultKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

std::optional<FaultKind> fault_from_name(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == name) return static_cast<FaultKind>(i);
  }
  return std::nullopt;
}

Result<FaultRule> parse_fault_rule(std::string_view spec) {
  auto bad = [&](std::string_view why) {
    return fail(Error::Kind::kUsage, "", fmt::format("fault \"{}\": {}", spec, why));
  };
  auto eq = spec.find('=');
  if (eq == std::string_view::npos) return bad("expected NAME=WHEN, e.g. lock=0.1");
  auto kind = fault_from_name(spec.substr(0, eq));
  if (!kind) return bad("unknown fault (lock, internal, reset, stall, revoke, throttle)");
  FaultRule rule;
  rule.kind = *kind;
  std::string_view when = spec.substr(eq + 1);
  if (auto at = when.find('@'); at != std::string_view::npos) {
    rule.endpoint = std::string(when.substr(at + 1));
    when = when.substr(0, at);
  }
  while (!when.empty()) {
    auto comma = when.find(',');
    if (!apply_term(when.substr(0, comma), rule)) return bad(fmt::format("cannot read \"{}\"", when.substr(0, comma)));
    when = comma == std::string_view::npos ? std::string_view() : when.substr(comma + 1);
  }
  return rule;
}

bool FaultPlan::fires(FaultKind kind, std::string_view endpoint, double now) {
  return fires_among(kind, endpoint, now, /*named_only=*/false);
}

bool FaultPlan::fires_named(FaultKind kind, std::string_view endpoint, double now) {
  return fires_among(kind, endpoint, now, /*named_only=*/true);
}

bool FaultPlan::fires_among(FaultKind kind, std::string_view endpoint, double now, bool named_only) {
  bool hit = false;
  for (auto& armed : rules_) {
    const FaultRule& r = armed.rule;
    if (r.kind != kind || (r.endpoint.empty() ? named_only : r.endpoint != endpoint)) continue;
    if (now < r.from_s || (r.for_s > 0 && now >= r.from_s + r.for_s)) continue;
    if (r.count > 0 && armed.fired >= r.count) continue;
    if (decide(armed) && !hit) {
      hit = true;
      last_hit_ = r;
    }
  }
  if (hit) ++hits_[static_cast<std::size_t>(kind)];
  return hit;
}

bool FaultPlan::decide(Armed& armed) {
  ++armed.seen;
  bool hit = armed.rule.every > 0 ? armed.seen % armed.rule.every == 0
             : armed.rule.probability >= 1 ? true
             : std::uniform_real_distribution<double>(0, 1)(rng_) < armed.rule.probability;
  if (hit) ++armed.fired;
  return hit;
}

double FaultPlan::draw_latency() {
  if (latency_.second <= 0) return 0;
  if (latency_.second <= latency_.first) return latency_.first;
  return std::uniform_real_distribution<double>(latency_.first, latency_.second)(rng_);
}

double FaultPlan::draw_inbound() {
  if (inbound_.second <= 0) return 0;
  if (inbound_.second <= inbound_.first) return inbound_.first;
  return std::uniform_real_distribution<double>(inbound_.first, inbound_.second)(inbound_rng_);
}

void FaultPlan::reset() {
  rules_.clear();
  outage_ = latency_ = inbound_ = {0, 0};
  for (auto& h : hits_) h = 0;
}

}  // namespace hrsync::emulator
