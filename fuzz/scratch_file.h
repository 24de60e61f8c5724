// ScratchFile: the fuzz input written to a file, for the readers that take a path.
//
// The CSV source, the job config loader and the plan file reader read files by name. A fuzz
// target writes each input to a file of its own in a folder made once per process (mkdtemp in
// $TMPDIR, else /tmp) and removed when the process exits, so that relative paths an input names
// (a secret file, a CSV path) resolve inside that empty folder, never next to the project.
//
// Thread-safety: one thread (libFuzzer runs the inputs of a process one at a time).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace hrsync::fuzz {

// The process's scratch folder, made on first use. Never destroyed: the exit handler that
// removes the folder runs after the destructors of function-local statics.
inline const std::string& scratch_dir() {
  static const std::string* const dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    auto* made = new std::string(std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/hrsync-fuzz-XXXXXX");
    if (::mkdtemp(made->data()) == nullptr) {
      std::perror("hrsync fuzz: mkdtemp");
      std::abort();
    }
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return made;
  }();
  return *dir;
}

// Writes `bytes` to `name` in the scratch folder (replacing it) and returns its path.
inline std::string write_scratch(std::string_view name, std::string_view bytes) {
  const std::string path = scratch_dir() + "/" + std::string(name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror("hrsync fuzz: open");
    std::abort();
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      std::perror("hrsync fuzz: write");
      std::abort();
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return path;
}

}  // namespace hrsync::fuzz
