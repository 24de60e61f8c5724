// StopSignals: SIGINT, SIGTERM, SIGHUP and SIGQUIT stop a sync cleanly instead of killing it.
//
// While a StopSignals lives, each of the four signals is caught (the first one is kept: received())
// and a byte goes through a self-pipe, so that the sync's io_context learns of it on its own thread
// (on_signal()). The sync then stops sending, records what the targets confirmed, closes the run as
// "interrupted" and exits 128 + the signal, as a shell reports a process the signal ended. A
// signal that comes before the io_context runs (while the plan is made) is kept and acted on as
// soon as it does. When the last StopSignals goes, the previous dispositions come back.
//
// SIGPIPE is not among them: main() ignores it for the whole process, so that a closed stdout
// (`hrsync sync | head`, a log reader restarted) makes writes fail quietly instead of killing the run.
//
// Thread-safety: construct and destroy on one thread; received() may be read from any thread.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

namespace hrsync {

class StopSignals {
 public:
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  ~StopSignals();

  // The first stop signal received since the first live StopSignals was made, or 0.
  static int received();

  // Calls `fn(signal)` on `io`'s thread when a stop signal comes (at once if one came already),
  // once. cancel() (or destroying this object) drops the wait.
  void on_signal(boost::asio::io_context& io, std::function<void(int)> fn);
  void cancel();

 private:
  std::unique_ptr<boost::asio::posix::stream_descriptor> reader_;
};

}  // namespace hrsync
