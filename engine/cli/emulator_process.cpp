#include "engine/cli/emulator_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "engine/net/http_client.h"

extern char** environ;

namespace hrsync {

namespace fs = std::filesystem;

EmulatorProcess::~EmulatorProcess() { stop(); }

Result<std::string> EmulatorProcess::find_beside_self() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fail(Error::Kind::kIo, "/proc/self/exe", "cannot tell where hrsync runs from: " + ec.message());
  const fs::path beside = self.parent_path() / "hrsync-emulator";
  if (::access(beside.c_str(), X_OK) != 0) {
    return fail(Error::Kind::kUsage, beside.string(),
                "hrsync-emulator is not installed beside hrsync; build it (scripts/demo.sh does) or install both");
  }
  return beside.string();
}

Result<void> EmulatorProcess::start(const std::string& program, const std::vector<std::string>& args,
                                    const std::string& workdir, std::chrono::milliseconds ready_within) {
  const fs::path port_file = fs::path(workdir) / "emulator.port";
  const fs::path log_file = fs::path(workdir) / "emulator.log";
  std::error_code ec;
  fs::remove(port_file, ec);

  std::vector<std::string> argv_text = {program, "--host", "127.0.0.1", "--port", "0", "--port-file", port_file.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return fail(Error::Kind::kIo, program, fmt::format("cannot start the emulator: {}", std::strerror(rc)));
  }

  const auto deadline = std::chrono::steady_clock::now() + ready_within;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return fail(Error::Kind::kIo, program, fmt::format("the emulator exited at start-up; see {}", log_file.string()));
    }
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      port_ = port;
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  return fail(Error::Kind::kIo, program,
              fmt::format("the emulator did not listen within {} ms; see {}", ready_within.count(), log_file.string()));
}

Result<std::string> EmulatorProcess::get(const std::string& path) const {
  auto url = parse_base_url(base_url());
  if (!url) return std::unexpected(url.error());
  net::io_context io;
  auto client = HttpClient::create(io.get_executor(), *url, HttpClientOptions{.connect_timeout = std::chrono::seconds(5),
                                                                               .request_timeout = std::chrono::seconds(10)});
  if (!client) return std::unexpected(client.error());
  HttpRequest request{.method = "GET", .target = path};
  auto answer = net::co_spawn(io, (*client)->send(request), net::use_future);
  io.run();
  auto response = answer.get();
  if (!response) return std::unexpected(response.error());
  if (response->status != 200) {
    return fail(Error::Kind::kProtocol, base_url() + path, fmt::format("HTTP {}", response->status));
  }
  return std::move(response->body);
}

void EmulatorProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

}  // namespace hrsync
