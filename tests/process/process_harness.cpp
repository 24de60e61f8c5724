#include "tests/process/process_harness.h"

#include <filesystem>
#include <fstream>
#include <thread>

namespace hrsync::process {

ProcessHarness::ProcessHarness() : employees_(integration::generate_employees(60)), groups_(integration::generate_groups(4)) {
  spec_.secret_file = dir_.file("app_secret");
  spec_.employees_csv = dir_.file("employees.csv");
  spec_.groups_csv = dir_.file("groups.csv");
  spec_.snapshot = dir_.file("var/hrsync.db");
  spec_.report_dir = dir_.file("var/reports");
  spec_.targets = integration::all_targets();
  std::ofstream(spec_.secret_file) << kAppSecret;
  std::filesystem::permissions(spec_.secret_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

void ProcessHarness::start_emulator(const std::vector<std::string>& args) {
  ASSERT_TRUE(integration::write_employees_csv(spec_.employees_csv, employees_));
  ASSERT_TRUE(integration::write_groups_csv(spec_.groups_csv, groups_));
  std::vector<std::string> all = {"--fixture-from-csv", spec_.employees_csv, "--groups-csv", spec_.groups_csv,
                                  "--app-secret-file", spec_.secret_file};
  all.insert(all.end(), args.begin(), args.end());
  auto started = emu_.start(bin("hrsync-emulator"), all, dir_.path().string());
  ASSERT_TRUE(started) << started.error().str();
  spec_.feishu_url = emu_.base_url();
  spec_.sophon_url = emu_.base_url();
}

// Written beside and renamed over the job file: a run started before reads the old file or the new
// one whole, never one cut short by this write (each command started writes the job again).
std::string ProcessHarness::write_job() {
  const std::string path = dir_.file("job.toml");
  const std::string next = path + ".next";
  std::ofstream(next) << integration::job_toml(spec_);
  std::filesystem::rename(next, path);
  return path;
}

Started ProcessHarness::start_hrsync(std::vector<std::string> command, bool stdout_pipe) {
  const std::string config = write_job();
  std::vector<std::string> argv = {bin("hrsync")};
  argv.insert(argv.end(), command.begin(), command.end());
  argv.push_back("--config");
  argv.push_back(config);
  const int n = ++started_;
  Started s;
  s.out_file = dir_.file("hrsync-" + std::to_string(n) + ".out");
  s.err_file = dir_.file("hrsync-" + std::to_string(n) + ".err");
  s.child = std::make_unique<ChildProcess>(argv, s.out_file, s.err_file, stdout_pipe);
  return s;
}

ProcessHarness::Finished ProcessHarness::run_hrsync(std::vector<std::string> command) {
  Started s = start_hrsync(std::move(command));
  Finished f;
  f.exit = s.child->wait();
  f.out = s.out();
  f.err = s.err();
  return f;
}

json::object ProcessHarness::stats() const {
  auto body = emu_.get("/_emulator/stats");
  if (!body) {
    ADD_FAILURE() << body.error().str();
    return {};
  }
  return json::parse(*body).as_object();
}

std::uint64_t ProcessHarness::business_requests() const {
  const json::object s = stats();
  std::uint64_t n = 0;
  const auto* endpoints = s.if_contains("endpoints");
  if (!endpoints || !endpoints->is_object()) return 0;
  for (const auto& [name, v] : endpoints->as_object()) {
    if (name == "token" || !v.is_object()) continue;
    if (const auto* r = v.as_object().if_contains("requests"); r && r->is_int64()) n += static_cast<std::uint64_t>(r->as_int64());
  }
  return n;
}

bool ProcessHarness::wait_for_text(const std::string& path, std::string_view text, ChildProcess& child) {
  while (!contains(slurp(path), text)) {
    if (!child.running()) return contains(slurp(path), text);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace hrsync::process
