// Checking a Prometheus text exposition in tests: promtool_check() runs `promtool check metrics`
// (Debian's prometheus package, installed by scripts/setup.sh --test) on the text, and
// parse_samples() reads the series back so a test can compare values.
//
// HRSYNC_PROMTOOL is the promtool CMake found ("" when none: then every check fails, saying so).
//
// Thread-safety: none needed; test-thread only.
#pragma once

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <sys/wait.h>

namespace hrsync::testing_support {

struct PromtoolResult {
  int exit_code = -1;   // 0: the text parsed and passed every lint rule
  std::string output;   // what promtool printed (the problems)
};

inline PromtoolResult promtool_check(const std::string& text) {
  PromtoolResult r;
  const std::string promtool = HRSYNC_PROMTOOL;
  if (promtool.empty()) {
    r.output = "promtool not found when the build was configured: run scripts/setup.sh --test";
    return r;
  }
  const auto input = std::filesystem::temp_directory_path() / ("hrsync-exposition-" + std::to_string(::getpid()) + ".prom");
  {
    std::ofstream out(input, std::ios::binary | std::ios::trunc);
    out << text;
  }
  const std::string command = promtool + " check metrics < '" + input.string() + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    r.output = "cannot run " + promtool;
    return r;
  }
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) r.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  std::filesystem::remove(input);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Every sample line as "name{labels}" -> value; comments and blank lines skipped. A line that is
// not `series value` maps to nothing and is returned in `bad`.
struct Samples {
  std::map<std::string, double> values;
  std::optional<std::string> bad;

  // The value of `series`, or nullopt.
  std::optional<double> get(const std::string& series) const {
    auto it = values.find(series);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
};

inline Samples parse_samples(std::string_view text) {
  Samples s;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string_view::npos) {
      s.bad = std::string(line);
      continue;
    }
    const std::string value(line.substr(space + 1));
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || *end != '\0') {
      s.bad = std::string(line);
      continue;
    }
    s.values[std::string(line.substr(0, space))] = v;
  }
  return s;
}

}  // namespace hrsync::testing_support
