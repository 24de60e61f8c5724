// RunLock: one run of a job at a time.
//
// The command line (`hrsync sync`, `hrsync apply`) takes an exclusive lock on a lock file beside
// the snapshot (`<snapshot>.lock`) before it plans, and holds it until the process ends: an open
// file description lock (fcntl F_OFD_SETLK over the whole file), which the kernel drops with the
// process (exit, crash, kill -9), so a dead run never blocks the next one. The holder writes its pid, host and start
// time into the file, so a second run that finds the lock taken can say who holds it; it exits at
// once (kExitLocked) having sent nothing.
//
// probe() tells, for `hrsync status` and `hrsync report`, whether a process holds the lock without
// taking any (F_OFD_GETLK), so a probe never stands in the way of a run starting beside it.
//
// The lock belongs to an open file description: two opens of the file conflict even in one
// process, and a child made by fork() shares the parent's lock, so the file is opened O_CLOEXEC
// (a program the run starts does not inherit it).
//
// Thread-safety: a RunLock is owned by one thread; the lock is the process's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/error.h"

namespace hrsync {

class RunLock {
 public:
  // The lock file of the job whose snapshot is `snapshot`.
  static std::string path_for(const std::string& snapshot) { return snapshot + ".lock"; }

  // Tries to take the lock of `snapshot` without waiting (creating the lock file, mode 0600, in
  // the snapshot's folder, which must exist). `now` (Unix seconds) is written as the start time.
  // An error when the file cannot be opened or locked for another reason than another holder;
  // otherwise a RunLock that either holds the lock (held()) or names its holder (holder()).
  static Result<RunLock> try_acquire(const std::string& snapshot, std::int64_t now);

  // Whether a process holds the lock of `snapshot` now. Creates nothing (no lock file: not held),
  // takes no lock, waits for nothing.
  struct Probe {
    bool held = false;
    std::string holder;                 // as holder() says it, when held
    std::optional<std::int64_t> since;  // when the holder took it (Unix seconds), when it says
  };
  static Result<Probe> probe(const std::string& snapshot);

  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();

  bool held() const { return held_; }
  const std::string& path() const { return path_; }
  // When not held: "pid 123 on host, started 2026-11-30 02:00:00 UTC" as the holder wrote it.
  const std::string& holder() const { return holder_; }

  // Gives the lock up now (the destructor does too).
  void release();

 private:
  RunLock(int fd, std::string path, bool held, std::string holder)
      : fd_(fd), path_(std::move(path)), held_(held), holder_(std::move(holder)) {}

  int fd_ = -1;
  std::string path_;
  bool held_ = false;
  std::string holder_;
};

}  // namespace hrsync
