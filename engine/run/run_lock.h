// RunLock: one run of a job at a time.
//
// `hrsync sync` takes an exclusive lock before it plans and holds it until the process ends: an
// open file description lock (fcntl F_OFD_SETLK), which the kernel drops with the process (exit,
// crash, kill -9), so a dead run never blocks the next one. It takes two:
//   - the whole of the lock file beside the snapshot (`<snapshot>.lock`), into which the holder
//     writes its pid, host and start time, so a second run that finds the lock taken can say who
//     holds it; it exits at once (kExitLocked) having sent nothing;
//   - one byte of the snapshot database itself, far past any byte SQLite locks (its locks sit at
//     1 GiB; this one at 2^62, beyond the end of any file, so it takes no room and no data).
// The second is what a cleaner cannot sidestep: a lock file removed while a run holds it lets the
// next run create a new one and lock that, but not the snapshot, which cannot be removed or
// replaced without removing the snapshot the run writes (a new snapshot is a new job). After
// locking each file, the run checks that the file it locked is still the one at its path (device
// and inode): a file removed or replaced in between is opened and locked again, a few times, then
// the run is refused. A snapshot that cannot be opened for writing (a read-only file) is not
// locked, only its lock file: the run cannot record anyway.
//
// probe() tells, for `hrsync status` and `hrsync report`, whether a process holds the lock without
// taking any (F_OFD_GETLK on either file), so a probe never stands in the way of a run starting
// beside it, and a run whose lock file was removed is still seen as holding the lock.
//
// The lock belongs to an open file description: two opens of the file conflict even in one
// process, and a child made by fork() shares the parent's lock, so the files are opened O_CLOEXEC
// (a program the run starts does not inherit them). Closing any descriptor of a file drops the
// POSIX record locks the process holds on it, and SQLite keeps those on the snapshot while a
// connection is open: a RunLock holding the snapshot must outlive every connection to it that the
// process opens after it (declare the lock before the store), and probe() must not be called while
// the process has the snapshot open.
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

  // Tries to take the lock of `snapshot` without waiting (creating the lock file, mode 0600, and
  // the snapshot, an empty file of mode 0600 when there is none, in the snapshot's folder, which
  // must exist). `now` (Unix seconds) is written as the start time. An error when a file cannot be
  // opened or locked for another reason than another holder, when the snapshot is not a regular
  // file, or when the files kept being removed or replaced while they were locked; otherwise a
  // RunLock that either holds the lock (held()) or names its holder (holder()). With
  // `create_snapshot` false a missing snapshot stays missing and only the lock file is taken (a
  // command that records nothing, as `hrsync tune`, must not leave an empty snapshot: that would
  // hide a lost one from the next sync, snapshot_guard.h).
  static Result<RunLock> try_acquire(const std::string& snapshot, std::int64_t now, bool create_snapshot = true);

  // Whether a process holds the lock of `snapshot` now: the lock file's or the snapshot's. Creates
  // nothing (no files: not held), takes no lock, waits for nothing. REQUIRES: the process has no
  // connection to the snapshot open (see above).
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
  RunLock(int fd, int snapshot_fd, std::string path, bool held, std::string holder)
      : fd_(fd), snapshot_fd_(snapshot_fd), path_(std::move(path)), held_(held), holder_(std::move(holder)) {}

  int fd_ = -1;           // the lock file
  int snapshot_fd_ = -1;  // the snapshot, or -1 when it could not be opened for writing
  std::string path_;
  bool held_ = false;
  std::string holder_;
};

}  // namespace hrsync
