#include "tests/integration/job_file.h"

#include <fmt/format.h>

namespace hrsync::integration {
namespace {

// A TOML basic string.
std::string toml_quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string source_of(const std::string& target) { return target == "contact_group" ? "groups" : "employees"; }

std::string target_table(const TargetSpec& t) {
  std::string out =
      fmt::format("[targets.{}]\nsource = {}\nconcurrency = {}\nmax_failure_ratio = {}\nfailure_window = {}\n", t.id,
                  toml_quoted(source_of(t.id)), t.concurrency, t.max_failure_ratio, t.failure_window);
  if (!t.rate.empty()) {
    out += "rate = [";
    for (std::size_t i = 0; i < t.rate.size(); ++i) out += (i ? ", " : "") + toml_quoted(t.rate[i]);
    out += "]\n";
    out += "allow_above_documented = true\n";  // the tests lift limits against the emulator
  }
  // The tests were written for PUT, which creates at the endpoint's 50/s; patch mode (the
  // default) would send every first-run create through the 1/s lane. A test that wants it says so.
  if (t.id == "contact_user" && t.extra.find("mode =") == std::string::npos) out += "mode = \"put\"\n";
  // They were written for a job that writes blind, too: a target reads before its diff only where
  // a test says so (read = ... in `extra`, or --read).
  if (t.extra.find("read =") == std::string::npos) out += "read = \"never\"\n";
  return out + t.extra + "\n";
}

}  // namespace

std::vector<TargetSpec> all_targets() {
  return {{.id = "contact_user"},
          {.id = "contact_group"},
          {.id = "attendance_face"},
          {.id = "acs_card", .rate = {"50/s"}},
          {.id = "sophon_person", .rate = {"50/s"}}};
}

std::string job_toml(const JobSpec& s) {
  std::string out = fmt::format(
      "[job]\nsnapshot = {}\nreport_dir = {}\n{}\n"
      "[feishu]\nbase_url = {}\napp_id = {}\napp_secret_file = {}\n\n"
      "[sophon]\nbase_url = {}\n\n"
      "[http]\nconnect_timeout_s = {}\nrequest_timeout_s = {}\n",
      toml_quoted(s.snapshot), toml_quoted(s.report_dir), s.job_extra, toml_quoted(s.feishu_url), toml_quoted(s.app_id), toml_quoted(s.secret_file),
      toml_quoted(s.sophon_url), s.connect_timeout_s, s.request_timeout_s);
  if (!s.ca_file.empty()) out += fmt::format("ca_file = {}\n", toml_quoted(s.ca_file));
  if (!s.sophon_token_file.empty()) {
    const std::string sophon = fmt::format("[sophon]\nbase_url = {}\n", toml_quoted(s.sophon_url));
    out.replace(out.find(sophon), sophon.size(), sophon + fmt::format("token_file = {}\n", toml_quoted(s.sophon_token_file)));
  }
  out += fmt::format(
      "\n[retry]\nmax_attempts = {}\nbase_delay_s = {}\nmax_delay_s = {}\nlock_delay_s = {}\nbudget = {}\n\n"
      "[sources.employees]\nkind = \"csv\"\npath = {}\n\n"
      "[sources.groups]\nkind = \"csv\"\npath = {}\n\n",
      s.max_attempts, s.base_delay_s, s.max_delay_s, s.lock_delay_s, s.budget, toml_quoted(s.employees_csv),
      toml_quoted(s.groups_csv));
  for (const TargetSpec& t : s.targets) out += target_table(t);
  return out + s.extra;
}

}  // namespace hrsync::integration
