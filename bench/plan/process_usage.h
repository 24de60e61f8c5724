// ProcessUsage: what the whole process has used so far — CPU time of all its threads (user and
// system) and its peak resident set — read with getrusage(RUSAGE_SELF), for the plan benchmark.
//
// Thread-safety: a plain value; sample() may be called from any thread.
#pragma once

#include <sys/resource.h>

namespace hrsync::bench {

struct ProcessUsage {
  double user_s = 0;      // CPU time in user mode, every thread
  double system_s = 0;    // CPU time in the kernel, every thread
  long max_rss_kib = 0;   // peak resident set since the process started

  double cpu_s() const { return user_s + system_s; }

  static ProcessUsage sample() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    ProcessUsage p;
    p.user_s = static_cast<double>(u.ru_utime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec) / 1e6;
    p.system_s = static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) / 1e6;
    p.max_rss_kib = u.ru_maxrss;
    return p;
  }
};

}  // namespace hrsync::bench
