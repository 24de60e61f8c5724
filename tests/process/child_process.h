// ChildProcess: a program run as a child process by a test, its standard output and error going
// to files, so that the test can signal it, wait for it and read what it printed.
//
// Thread-safety: test-thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hrsync::process {

struct ChildExit {
  int code = -1;     // the exit status, or -1 when a signal ended it
  int signal = 0;    // the signal that ended it, or 0
};

class ChildProcess {
 public:
  // Starts `argv` (argv[0] a path) with stdin from /dev/null and stdout/stderr to `out_file` and
  // `err_file`; `stdout_pipe` instead gives stdout a pipe whose read end the test holds
  // (read_end()). Fails the test when it cannot start.
  ChildProcess(const std::vector<std::string>& argv, const std::string& out_file, const std::string& err_file,
               bool stdout_pipe = false);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // SIGKILLs and reaps a child still running

  pid_t pid() const { return pid_; }
  int read_end() const { return pipe_read_; }
  void close_read_end();

  void signal(int sig) const;
  // Waits for the exit, at most `limit` (then SIGKILL: a hung child fails the test, never hangs it).
  ChildExit wait(std::chrono::seconds limit = std::chrono::seconds(120));
  bool running();

 private:
  pid_t pid_ = -1;
  int pipe_read_ = -1;
  std::optional<ChildExit> exit_;
};

// The whole content of `path` ("" when absent).
std::string slurp(const std::string& path);

}  // namespace hrsync::process
