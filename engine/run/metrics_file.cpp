#include "engine/run/metrics_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

namespace hrsync {
namespace {

// A label value as the exposition format quotes it: backslash, double quote and newline escaped.
std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class Exposition {
 public:
  explicit Exposition(std::string_view job) : job_(escape_label(job)) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void job_value(std::string_view name, std::string_view value) {
    out_ += fmt::format("{}{{job=\"{}\"}} {}\n", name, job_, value);
  }
  void target_value(std::string_view name, std::string_view target, std::uint64_t value) {
    out_ += fmt::format("{}{{job=\"{}\",target=\"{}\"}} {}\n", name, job_, escape_label(target), value);
  }
  // One family with one series per target.
  void per_target(const std::vector<MetricsTarget>& targets, std::string_view name, std::string_view type,
                  std::string_view help, const std::function<std::uint64_t(const MetricsTarget&)>& value) {
    family(name, type, help);
    for (const auto& t : targets) target_value(name, t.id, value(t));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string job_;
  std::string out_;
};

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::vector<MetricsTarget> metrics_targets(const RunReport& report) {
  std::vector<MetricsTarget> out;
  for (const auto& t : report.targets) {
    out.push_back(MetricsTarget{t, t.id, !t.quarantined.empty(), t.read, t.concurrency});
  }
  return out;
}

std::vector<MetricsTarget> metrics_targets(const std::vector<TargetProgress>& progress) {
  std::vector<MetricsTarget> out;
  for (const auto& p : progress) {
    MetricsTarget m{p, p.target, p.stopped};
    if (p.concurrency > 0) m.concurrency = TargetTotals::Concurrency{p.concurrency_auto, p.concurrency, p.concurrency_peak};
    out.push_back(std::move(m));
  }
  return out;
}

std::string render_metrics(const MetricsSample& s) {
  Exposition e(s.job);
  const auto& ts = s.targets;
  e.per_target(ts, "hrsync_entities_planned", "gauge", "Entities in the plan of the latest run.",
               [](const MetricsTarget& t) { return t.planned; });
  e.per_target(ts, "hrsync_entities_applied_total", "counter", "Entities the target confirmed in the latest run.",
               [](const MetricsTarget& t) { return t.applied; });
  e.per_target(ts, "hrsync_entities_failed_total", "counter", "Entities that failed in the latest run.",
               [](const MetricsTarget& t) { return t.failed; });
  e.per_target(ts, "hrsync_entities_skipped_total", "counter",
               "Entities not sent in the latest run because their target was stopped.",
               [](const MetricsTarget& t) { return t.skipped; });
  e.per_target(ts, "hrsync_entities_absent_total", "counter",
               "Entities an update found the target lacks (its not-found code) in the latest run: sent nothing more.",
               [](const MetricsTarget& t) { return t.absent; });
  e.per_target(ts, "hrsync_retries_total", "counter", "Retries after a transient failure in the latest run.",
               [](const MetricsTarget& t) { return t.retries; });
  e.per_target(ts, "hrsync_throttled_total", "counter", "Throttled answers (rate limit) in the latest run.",
               [](const MetricsTarget& t) { return t.throttled; });
  e.per_target(ts, "hrsync_concurrency", "gauge",
               "Requests in flight the target allowed, now or at the end of the latest run (the job's number, or "
               "auto's cap); 0 when not known.",
               [](const MetricsTarget& t) { return t.concurrency ? t.concurrency->cap : 0u; });
  e.per_target(ts, "hrsync_concurrency_peak", "gauge",
               "The most requests in flight the target allowed in the latest run; 0 when not known.",
               [](const MetricsTarget& t) { return t.concurrency ? t.concurrency->peak : 0u; });
  e.per_target(ts, "hrsync_read_requests_total", "counter",
               "Requests of the read before the diff in the latest run (0 when the target was not read).",
               [](const MetricsTarget& t) { return t.read ? t.read->requests : 0u; });
  e.per_target(ts, "hrsync_drifted_entities", "gauge",
               "Entities whose target value differed from what hrsync last applied, as the latest run read them.",
               [](const MetricsTarget& t) { return t.read ? t.read->drifted : 0u; });
  e.per_target(ts, "hrsync_absent_entities", "gauge",
               "Entities of the source the target lacks, as the latest run found them: sent nothing.",
               [](const MetricsTarget& t) { return t.read ? t.read->absent : 0u; });
  e.per_target(ts, "hrsync_target_quarantined", "gauge",
               "1 when the target was stopped (quarantined or refused authentication) in the latest run.",
               [](const MetricsTarget& t) { return t.quarantined ? 1u : 0u; });
  e.family("hrsync_gate_trips_total", "counter", "Safety gates that stopped the latest run before any call.");
  e.job_value("hrsync_gate_trips_total", fmt::format("{}", s.gate_trips));
  e.family("hrsync_run_in_progress", "gauge", "1 while a run is going on.");
  e.job_value("hrsync_run_in_progress", s.running ? "1" : "0");
  e.family("hrsync_run_start_timestamp_seconds", "gauge", "Start of the latest run, Unix time.");
  e.job_value("hrsync_run_start_timestamp_seconds", fmt::format("{}", s.started_at));
  e.family("hrsync_run_duration_seconds", "gauge", "Duration of the latest run (so far, while it runs).");
  e.job_value("hrsync_run_duration_seconds", fmt::format("{:.3f}", s.duration_s));
  if (s.exit_code) {
    e.family("hrsync_run_exit_code", "gauge",
             "Exit code of the latest run: 0 all applied, 1 some failed, 2 config, 3 gate, 4 target stopped, 5 store failed, 128+N stopped by signal N.");
    e.job_value("hrsync_run_exit_code", fmt::format("{}", *s.exit_code));
  }
  if (s.last_success) {
    e.family("hrsync_last_success_timestamp_seconds", "gauge", "End of the last run that exited 0, Unix time.");
    e.job_value("hrsync_last_success_timestamp_seconds", fmt::format("{}", *s.last_success));
  }
  return e.take();
}

Result<void> write_metrics_file(const std::string& path, std::string_view text) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  // Not *.prom: the collector must not read the temporary file.
  const fs::path temp = target.parent_path() / fmt::format(".{}.{}.tmp", target.filename().string(), ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(Error::Kind::kIo, path, fmt::format("cannot write the metrics file: {}", errno_text()));
  // The collector runs as another user; a service umask of 0077 must not hide the counts from it.
  bool ok = ::fchmod(fd, 0644) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const std::string why = ok ? std::string() : errno_text();
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(temp.c_str(), target.c_str()) == 0) return {};
  const std::string reason = why.empty() ? errno_text() : why;
  ::unlink(temp.c_str());
  return fail(Error::Kind::kIo, path, fmt::format("cannot write the metrics file: {}", reason));
}

}  // namespace hrsync
