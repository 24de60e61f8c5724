// Memory figures for the source benchmarks: peak RSS (getrusage) and the current RSS (/proc).
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

namespace hrsync::bench {

// The process's peak resident set so far, in KiB.
inline long max_rss_kib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// The process's resident set now, in KiB (0 when /proc is not there).
inline long current_rss_kib() {
  long pages = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

}  // namespace hrsync::bench
