#include "engine/net/clock.h"

#include <algorithm>
#include <cmath>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace hrsync {

net::awaitable<void> SteadyClock::sleep_until(time_point t) {
  if (t <= now()) co_return;
  net::steady_timer timer(co_await net::this_coro::executor, t);
  co_await timer.async_wait(net::as_tuple(net::use_awaitable));
}

Clock::duration seconds_to_duration(double seconds) {
  if (!(seconds > 0)) return Clock::duration::zero();
  // Beyond about 292 years the nanosecond count overflows; no delay of hrsync comes near that.
  constexpr double kMax = 1e9;
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::min(seconds, kMax)));
}

}  // namespace hrsync
