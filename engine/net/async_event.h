// AsyncEvent: a one-shot signal that coroutines wait for (a manual-reset event for Asio).
//
// wait() completes once set() has been called, at once if it already was. It is how a token fetch
// releases the requests waiting for it and how the executor waits for its workers. It involves no
// time: the underlying timer never expires, set() cancels it.
//
// Thread-safety: none; use from the thread that runs the executor it was made with.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace hrsync {

namespace net = boost::asio;

class AsyncEvent {
 public:
  explicit AsyncEvent(const net::any_io_executor& executor)
      : timer_(executor, net::steady_timer::time_point::max()) {}

  bool is_set() const { return set_; }

  void set() {
    set_ = true;
    timer_.cancel();
  }

  net::awaitable<void> wait() {
    if (set_) co_return;
    co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
  }

 private:
  net::steady_timer timer_;
  bool set_ = false;
};

}  // namespace hrsync
