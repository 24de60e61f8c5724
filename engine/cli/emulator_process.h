// EmulatorProcess: `hrsync-emulator` run as a child process, for `hrsync demo`.
//
// The production binary carries no test server: the demo starts the emulator program that is
// installed beside `hrsync` (same folder), waits until it listens on a free loopback port, reads
// its state and statistics over HTTP, and stops it with SIGTERM. The child is stopped (SIGKILL if
// it does not go within five seconds) when the object dies, so a failed demo leaves nothing behind.
//
// Thread-safety: none; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/error.h"

namespace hrsync {

class EmulatorProcess {
 public:
  EmulatorProcess() = default;
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;
  ~EmulatorProcess();

  // The hrsync-emulator beside the running program, or a kUsage error saying where it looked.
  static Result<std::string> find_beside_self();

  // Starts `program` with `args` (plus --host 127.0.0.1 --port 0 --port-file F in `workdir`) and
  // waits up to `ready_within` for it to listen. Its standard output goes to workdir/emulator.log.
  Result<void> start(const std::string& program, const std::vector<std::string>& args, const std::string& workdir,
                     std::chrono::milliseconds ready_within = std::chrono::seconds(10));

  // The body of GET `path` (e.g. "/_emulator/state"), or the error.
  Result<std::string> get(const std::string& path) const;

  // SIGTERM, then waits for it (SIGKILL after five seconds). Idempotent.
  void stop();

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace hrsync
