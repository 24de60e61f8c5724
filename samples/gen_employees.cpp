// hrsync-gen-employees: writes synthetic, valid employees as CSV on standard output.
//
//   hrsync-gen-employees N [--seed S] [--quoted-share Q]
//   hrsync-gen-employees N --base-seed B --changed-share C [--seed S] [--quoted-share Q]
//
// The first form writes the population of seed S (default 1). The second writes the population
// of seed B with a share C of employees changed (new job title and city), picked by seed S: the
// "1 % changed" input of a benchmark whose snapshot holds the population of B.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "samples/employee_generator.h"

namespace {

using hrsync::samples::GeneratorOptions;

constexpr std::string_view kUsage =
    "usage: hrsync-gen-employees N [--seed S] [--quoted-share Q] [--changed-share C --base-seed B]\n"
    "  N                 employees to write (1..100000000)\n"
    "  --seed S          population seed (default 1); with --base-seed, the seed of the changes\n"
    "  --quoted-share Q  share of fields quoted although they need not be, 0..1 (default 0)\n"
    "  --changed-share C share of employees changed relative to the base population, 0..1\n"
    "  --base-seed B     the population the changes apply to (required with --changed-share)\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "hrsync-gen-employees: %s\n%.*s", what.c_str(), static_cast<int>(kUsage.size()),
               kUsage.data());
  return 2;
}

bool parse_u64(const char* text, std::uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') return false;
  out = v;
  return true;
}

bool parse_share(const char* text, double& out) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v >= 0.0 && v <= 1.0)) return false;
  out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  GeneratorOptions options;
  bool have_count = false, have_base = false;
  std::uint64_t seed = 1, base_seed = 0;
  for (int a = 1; a < argc; ++a) {
    const std::string_view arg = argv[a];
    if (arg == "-h" || arg == "--help") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    }
    const bool has_value = a + 1 < argc;
    if (arg == "--seed" && has_value) {
      if (!parse_u64(argv[++a], seed)) return usage_error("--seed takes a non-negative integer");
    } else if (arg == "--base-seed" && has_value) {
      if (!parse_u64(argv[++a], base_seed)) return usage_error("--base-seed takes a non-negative integer");
      have_base = true;
    } else if (arg == "--quoted-share" && has_value) {
      if (!parse_share(argv[++a], options.quoted_share)) return usage_error("--quoted-share takes a number in 0..1");
    } else if (arg == "--changed-share" && has_value) {
      if (!parse_share(argv[++a], options.changed_share)) return usage_error("--changed-share takes a number in 0..1");
    } else if (!arg.starts_with("-") && !have_count) {
      if (!parse_u64(argv[a], options.count) || options.count == 0 ||
          options.count > hrsync::samples::kMaxEmployees) {
        return usage_error("N must be an integer in 1..100000000");
      }
      have_count = true;
    } else {
      return usage_error("unexpected argument: " + std::string(arg));
    }
  }
  if (!have_count) return usage_error("missing N");
  if (options.changed_share > 0 && !have_base) return usage_error("--changed-share needs --base-seed");
  options.seed = have_base ? base_seed : seed;
  options.change_seed = have_base ? seed : 0;
  if (!hrsync::samples::write_employees_csv(options, stdout)) {
    std::perror("hrsync-gen-employees: write failed");
    return 1;
  }
  return 0;
}
