#include "engine/run/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace hrsync {
namespace {

// Tiers above this limit keep no log of their starts (their memory would outweigh any use).
constexpr std::uint32_t kMaxLogged = 100000;

// The most the windows widen after throttles, in spacings.
constexpr std::int64_t kMaxWidening = 4;

}  // namespace

RateLimiter::RateLimiter(std::span<const RateTier> tiers, RateLimiterOptions options) : options_(options) {
  for (const RateTier& tier : tiers) {
    if (tier.limit != 0 && tier.window_seconds != 0) tiers_.push_back(tier);
  }
  configured_ = tiers_;
  pending_.resize(tiers_.size());
  configure();
}

void RateLimiter::configure() {
  std::vector<StartLog> old = std::move(logs_);
  logs_.clear();
  spacing_ = duration::zero();
  duration catch_up = duration::max();
  duration forgiven = duration::max();
  for (std::size_t i = 0; i < tiers_.size(); ++i) {
    const RateTier& tier = tiers_[i];
    double margin = tier.window_seconds <= 1 ? options_.second_margin : options_.long_margin;
    // In nanoseconds, rounded up (a hair of tolerance keeps exact quotients exact).
    double ns = 1e9 * tier.window_seconds * (1.0 + margin) / tier.limit;
    auto spacing = std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(ns - 1e-3)));
    spacing_ = std::max(spacing_, std::chrono::duration_cast<duration>(spacing));
    auto quarter_margin = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * tier.window_seconds * margin / 4));
    catch_up = std::min(catch_up, std::chrono::duration_cast<duration>(quarter_margin));
    auto thirtieth_margin = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * tier.window_seconds * margin / 30));
    forgiven = std::min(forgiven, std::chrono::duration_cast<duration>(thirtieth_margin));
    if (tier.limit > kMaxLogged) continue;  // a lifted limit: the cadence alone
    StartLog log;
    log.tier = i;
    log.window = std::chrono::duration_cast<duration>(
        std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(1e9 * tier.window_seconds * (1.0 + margin)))));
    log.starts.resize(tier.limit);
    // The tier's latest starts, up to its (new) limit, oldest first.
    for (const StartLog& before : old) {
      if (before.tier != i) continue;
      std::size_t keep = std::min(before.size, log.starts.size());
      for (std::size_t k = before.size - keep; k < before.size; ++k) {
        log.starts[log.size++] = before.starts[(before.head + k) % before.starts.size()];
      }
    }
    logs_.push_back(std::move(log));
  }
  catch_up_ = spacing_ == duration::zero() ? duration::zero() : std::min(catch_up, spacing_ / 2);
  forgiven_ = spacing_ == duration::zero() ? duration::zero() : std::min(forgiven, catch_up_);
}

std::optional<RateLimiter::Lowered> RateLimiter::lower_limit(std::uint32_t limit) {
  if (limit == 0) return std::nullopt;
  std::optional<std::size_t> nearest;
  for (std::size_t i = 0; i < tiers_.size(); ++i) {
    if (tiers_[i].limit <= limit) continue;
    if (!nearest || tiers_[i].limit < tiers_[*nearest].limit) nearest = i;
  }
  if (!nearest) return std::nullopt;
  const std::size_t i = *nearest;
  const std::uint32_t configured = configured_[i].limit;
  Lowered lowered{configured_[i], tiers_[i], tiers_[i], limit};
  const bool far_below = static_cast<std::uint64_t>(limit) * kFarBelow < configured;
  if (far_below && !(pending_[i] && limit <= *pending_[i])) {
    pending_[i] = limit;  // evidence once: wait for it to be announced again
    lowered.unconfirmed = true;
    return lowered;
  }
  pending_[i].reset();
  const std::uint32_t floor = std::max<std::uint32_t>(1, configured / kFarBelow);
  lowered.floored = limit < floor;
  lowered.after.limit = std::max(limit, floor);
  if (lowered.after.limit >= tiers_[i].limit) return lowered.floored ? std::optional(lowered) : std::nullopt;
  tiers_[i].limit = lowered.after.limit;
  configure();
  return lowered;
}

RateLimiter::time_point RateLimiter::earliest(time_point now) const {
  time_point t = std::max({now, next_, paused_until_});
  for (const StartLog& log : logs_) {
    if (log.size == log.starts.size()) t = std::max(t, log.starts[log.head] + log.window + widening_);
  }
  return t;
}

std::uint64_t RateLimiter::take(time_point start) {
  // A start a little after it was due (a timer firing late) is logged as due, up to forgiven_:
  // else each start of a busy lane would wait for the lateness of the one `limit` before it,
  // and the lateness would add up window after window.
  const time_point due = earliest(time_point::min());
  const time_point logged = start > due ? std::max(due, start - forgiven_) : start;
  for (StartLog& log : logs_) {
    std::size_t slot = (log.head + log.size) % log.starts.size();
    log.starts[slot] = logged;
    if (log.size < log.starts.size()) {
      ++log.size;
    } else {
      log.head = (log.head + 1) % log.starts.size();
    }
  }
  // The widening fades by 1/limit (of the first tier) per start.
  if (widening_ > duration::zero() && !logs_.empty()) {
    widening_ -= widening_ / static_cast<std::int64_t>(logs_.front().starts.size()) + duration(1);
  }
  if (widening_ < duration::zero()) widening_ = duration::zero();
  // Late by at most catch_up_: the next slot follows this slot, so the lane keeps its cadence.
  if (start >= next_ && start - next_ <= catch_up_) {
    next_ += spacing_;
  } else {
    next_ = std::max(next_, start + spacing_);
  }
  return taken_++;
}

void RateLimiter::sent(std::uint64_t ticket, time_point at) {
  if (ticket >= taken_) return;
  const std::uint64_t back = taken_ - 1 - ticket;  // 0: the latest start
  // Forgiven as a late start is (see take()): the few microseconds from slot to socket of every
  // request must not add up window after window.
  const time_point left = at - forgiven_;
  for (StartLog& log : logs_) {
    if (back >= log.size) continue;
    // The ticket's start and those after it, oldest first: none earlier than `left`.
    for (std::uint64_t k = log.size - 1 - back; k < log.size; ++k) {
      time_point& logged = log.starts[(log.head + k) % log.starts.size()];
      logged = std::max(logged, left);
    }
  }
}

void RateLimiter::throttled(time_point sent, time_point now, time_point server_until) {
  // Requests in flight when a throttle came widen nothing more: one widening per episode.
  if (sent >= last_throttle_) widening_ = std::min(widening_ + spacing_, kMaxWidening * spacing_);
  last_throttle_ = std::max(last_throttle_, now);
  pause_until(server_until);
}

void RateLimiter::pause_until(time_point t) { paused_until_ = std::max(paused_until_, t); }

}  // namespace hrsync
