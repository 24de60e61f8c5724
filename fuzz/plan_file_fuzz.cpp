// Fuzz target: the plan file reader (engine/plan/plan_file.h), as `hrsync apply FILE` reads a
// plan: its header, its notes, its calls and trailer, the trailer's claim read from the end, and
// each target's calls read again from the offset the first reading gave.
//
// The input is the file. Mutated bytes mostly break the trailer's checksum, which the reader only
// checks at the end; so an input that ends with a trailer line is read a second time with that
// trailer recomputed (its call count and the SHA-256 of every byte before it), and the reader
// then goes on to check the counts, and accepts what it accepts from a file hrsync wrote.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/plan/plan_file.h"
#include "engine/plan/sha256.h"
#include "scratch_file.h"

namespace {

using namespace hrsync;

struct TargetStart {
  std::string target;
  std::uint64_t offset = 0;
  std::uint64_t n = 0;
};

void read_plan(const std::string& path) {
  (void)claimed_checksum(path);
  auto reader = PlanFileReader::open(path);
  if (!reader) return;
  PlanNote note;
  while (reader->next(note)) {
  }
  std::vector<TargetStart> starts;
  PlanCall call;
  for (;;) {
    const std::uint64_t offset = reader->offset();
    if (!reader->next(call)) break;
    if (starts.empty() || starts.back().target != call.target) starts.push_back({call.target, offset, call.n});
  }
  if (!reader->status()) return;
  for (const TargetStart& s : starts) {
    auto stream = PlanFileStream::open(path, s.target, s.offset, s.n, nullptr);
    if (!stream) __builtin_trap();  // a file read through once is read again
    Work w;
    while ((*stream)->next(w)) {
    }
  }
}

// The input with its last line replaced by the trailer a writer would have put there; "" when
// the input does not end with a trailer line.
std::string resealed(std::string_view in) {
  while (!in.empty() && in.back() == '\n') in.remove_suffix(1);
  const std::size_t nl = in.rfind('\n');
  if (nl == std::string_view::npos || !in.substr(nl + 1).starts_with("{\"end\":")) return {};
  const std::string_view body = in.substr(0, nl + 1);
  std::uint64_t calls = 0;
  std::size_t at = body.find('\n') + 1;  // after the header
  while (at < body.size()) {
    const std::size_t end = body.find('\n', at);
    if (!body.substr(at).starts_with("{\"note\":")) ++calls;
    at = end + 1;
  }
  std::string out(body);
  out += "{\"end\":\"hrsync_plan\",\"calls\":" + std::to_string(calls) + ",\"sha256\":\"" + sha256_hex(body) + "\"}\n";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  read_plan(fuzz::write_scratch("job.plan", in));
  const std::string sealed = resealed(in);
  if (!sealed.empty()) read_plan(fuzz::write_scratch("job.plan", sealed));
  return 0;
}
