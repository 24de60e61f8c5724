// Fuzz target: one connector's answer judges (HRSYNC_FUZZ_TARGET names it: contact_user, ...).
//
// The input is an HTTP answer (http_answer.h); the status line's first word picks the operation
// that judges it: "update" (the default), "read" or "create"; the words after "read" are the keys
// the request asked for. classify() must judge any answer without throwing; a read answer it
// calls a success is read into documents (read_page()), as the engine does.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/targets/target_connector.h"
#include "http_answer.h"

namespace {

using namespace hrsync;

const TargetConnector& connector() {
  static const std::unique_ptr<TargetConnector> c = [] {
    auto made = make_target(HRSYNC_FUZZ_TARGET, TargetOptions{});
    if (!made) __builtin_trap();
    return std::move(*made);
  }();
  return *c;
}

void judge_read(const ReadOperation& read, const fuzz::HttpAnswer& a) {
  const Verdict v = read.classify(a.status, a.body, a.headers);
  if (v.disposition != Disposition::kSuccess) return;
  std::vector<std::string> keys;
  for (std::size_t i = 1; i < a.words.size() && keys.size() < read.batch_size(); ++i) keys.emplace_back(a.words[i]);
  if (keys.empty()) keys.emplace_back("k1");
  auto page = read.read_page(keys, a.body);
  if (!page || read.sees_all()) return;
  for (Document& held : page->found) {
    const Document last = held;
    read.complete(held, last);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const fuzz::HttpAnswer a = fuzz::read_answer(in);
  const TargetConnector& c = connector();
  const std::string_view op = a.words.empty() ? std::string_view("update") : a.words[0];
  if (op == "read") {
    if (const ReadOperation* read = c.read()) judge_read(*read, a);
  } else if (op == "create") {
    if (const CreateOperation* create = c.create()) (void)create->classify(a.status, a.body, a.headers);
  } else {
    (void)c.update().classify(a.status, a.body, a.headers);
  }
  return 0;
}
