#include "engine/net/manual_clock.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace hrsync {

struct ManualClock::Sleeper {
  net::steady_timer timer;
  bool parked = true;
};

net::awaitable<void> ManualClock::sleep_until(time_point t) {
  if (t <= now_) co_return;
  Sleeper sleeper{net::steady_timer(co_await net::this_coro::executor, net::steady_timer::time_point::max())};
  // Leaves the map when the coroutine ends without being woken (destroyed with its io_context).
  struct Unpark {
    ManualClock* clock;
    Sleeper* sleeper;
    std::multimap<time_point, Sleeper*>::iterator it;
    ~Unpark() {
      if (sleeper->parked) clock->sleepers_.erase(it);
    }
  } unpark{this, &sleeper, sleepers_.emplace(t, &sleeper)};
  co_await sleeper.timer.async_wait(net::as_tuple(net::use_awaitable));
}

void ManualClock::advance(duration d) {
  now_ += d;
  wake_due();
}

bool ManualClock::advance_to_next() {
  if (sleepers_.empty()) return false;
  now_ = std::max(now_, sleepers_.begin()->first);
  wake_due();
  return true;
}

void ManualClock::wake_due() {
  while (!sleepers_.empty() && sleepers_.begin()->first <= now_) {
    Sleeper* sleeper = sleepers_.begin()->second;
    sleeper->parked = false;
    sleeper->timer.cancel();
    sleepers_.erase(sleepers_.begin());
  }
}

bool ManualClock::run(net::io_context& io) {
  for (;;) {
    io.restart();
    io.poll();
    if (io.stopped()) return true;
    if (!advance_to_next()) return false;
  }
}

}  // namespace hrsync
