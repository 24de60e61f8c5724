// Fuzz target: one connector's answer judges. The program's name says which connector:
// fuzz_answer_contact_user, ... (one object file, linked once per connector).
//
// The input is an HTTP answer (http_answer.h); the status line's first word picks the operation
// that judges it: "update" (the default), "read" or "create"; the words after "read" are the keys
// the request asked for. classify() must judge any answer without throwing; a read answer it
// calls a success is read into documents (read_page()), as the engine does. What must hold
// whatever the answer: an update or create is a success only with a 2xx status and never with
// 413; a reset announced is a number of seconds, not negative; a read's page accounts for every
// key asked for, as found (a sealed document) or absent, never both, and for no other key.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <algorithm>
#include <cmath>

#include "connectors/targets/target_connector.h"
#include "diff/document.h"
#include "http_answer.h"

namespace {

using namespace hrsync;

std::unique_ptr<TargetConnector> the_connector;  // made once, from the program's name

const TargetConnector& connector() { return *the_connector; }

void check(const Verdict& v) {
  if (v.reset_s && (std::isnan(*v.reset_s) || *v.reset_s < 0)) __builtin_trap();
}

// An update's or a create's verdict.
void check_write(const Verdict& v, int status) {
  check(v);
  if (v.disposition == Disposition::kSuccess && (status < 200 || status > 299)) __builtin_trap();
}

bool has(const std::vector<std::string>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

void check_page(const ReadPage& page, const std::vector<std::string>& keys) {
  for (const Document& d : page.found) {
    if (!has(keys, d.key) || has(page.absent, d.key) || d.hash != content_hash(d.body)) __builtin_trap();
  }
  for (const std::string& k : page.absent) {
    if (!has(keys, k)) __builtin_trap();
  }
  for (const std::string& k : keys) {
    const bool found = std::any_of(page.found.begin(), page.found.end(), [&k](const Document& d) { return d.key == k; });
    if (!found && !has(page.absent, k)) __builtin_trap();
  }
}

void judge_read(const ReadOperation& read, const fuzz::HttpAnswer& a) {
  const Verdict v = read.classify(a.status, a.body, a.headers);
  check(v);
  if (v.disposition != Disposition::kSuccess) return;
  std::vector<std::string> keys;
  for (std::size_t i = 1; i < a.words.size() && keys.size() < read.batch_size(); ++i) {
    if (!has(keys, a.words[i])) keys.emplace_back(a.words[i]);
  }
  if (keys.empty()) keys.emplace_back("k1");
  auto page = read.read_page(keys, a.body);
  if (!page) return;
  check_page(*page, keys);
  if (read.sees_all()) return;
  for (Document& held : page->found) {
    const Document last = held;
    read.complete(held, last);
    if (held.hash != content_hash(held.body)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  (void)argc;
  constexpr std::string_view kPrefix = "fuzz_answer_";
  std::string_view self = (*argv)[0];
  self.remove_prefix(self.rfind('/') == std::string_view::npos ? 0 : self.rfind('/') + 1);
  auto made = self.starts_with(kPrefix) ? make_target(self.substr(kPrefix.size()), TargetOptions{})
                                        : make_target("", TargetOptions{});
  if (!made) {
    std::fprintf(stderr, "%.*s: the program's name must be fuzz_answer_TARGET: %s\n", static_cast<int>(self.size()),
                 self.data(), made.error().str().c_str());
    std::exit(2);
  }
  the_connector = std::move(*made);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const fuzz::HttpAnswer a = fuzz::read_answer(in);
  const TargetConnector& c = connector();
  const std::string_view op = a.words.empty() ? std::string_view("update") : a.words[0];
  if (op == "read") {
    if (const ReadOperation* read = c.read()) judge_read(*read, a);
  } else if (op == "create") {
    if (const CreateOperation* create = c.create()) check_write(create->classify(a.status, a.body, a.headers), a.status);
  } else {
    check_write(c.update().classify(a.status, a.body, a.headers), a.status);
  }
  return 0;
}
