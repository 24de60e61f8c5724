#include "engine/cli/stop_signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>

namespace hrsync {
namespace {

constexpr std::array<int, 4> kStopSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

std::atomic<int> g_received{0};
int g_pipe[2] = {-1, -1};
int g_users = 0;  // live StopSignals objects
std::array<struct sigaction, kStopSignals.size()> g_previous{};

void on_stop_signal(int sig) {
  const int saved = errno;
  int none = 0;
  g_received.compare_exchange_strong(none, sig);
  const char byte = 1;
  if (g_pipe[1] >= 0) (void)!::write(g_pipe[1], &byte, 1);
  errno = saved;
}

}  // namespace

StopSignals::StopSignals() {
  if (g_users++ > 0) return;
  g_received = 0;
  if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_pipe[0] = g_pipe[1] = -1;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (std::size_t i = 0; i < kStopSignals.size(); ++i) ::sigaction(kStopSignals[i], &sa, &g_previous[i]);
}

StopSignals::~StopSignals() {
  cancel();
  if (--g_users > 0) return;
  for (std::size_t i = 0; i < kStopSignals.size(); ++i) ::sigaction(kStopSignals[i], &g_previous[i], nullptr);
  for (int& fd : g_pipe) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

int StopSignals::received() { return g_received.load(); }

void StopSignals::on_signal(boost::asio::io_context& io, std::function<void(int)> fn) {
  cancel();
  if (g_pipe[0] < 0) return;
  const int fd = ::dup(g_pipe[0]);
  if (fd < 0) return;
  (void)::fcntl(fd, F_SETFD, FD_CLOEXEC);
  reader_ = std::make_unique<boost::asio::posix::stream_descriptor>(io, fd);
  if (received() != 0) {
    boost::asio::post(io, [fn = std::move(fn)] { fn(received()); });
    return;
  }
  reader_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [fn = std::move(fn)](const boost::system::error_code& ec) {
                        if (!ec) fn(received());
                      });
}

void StopSignals::cancel() {
  if (!reader_) return;
  boost::system::error_code ec;
  reader_->cancel(ec);
  reader_->close(ec);
  reader_.reset();
}

}  // namespace hrsync
