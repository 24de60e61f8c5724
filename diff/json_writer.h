// JsonWriter: appends canonical JSON to a string, without building a tree.
//
// hrsync projects millions of records per plan; building each document as a Boost.JSON tree and
// serialising it costs several times more than appending bytes (bench/plan/bench_plan.cpp measures the
// whole path). The writer escapes strings per RFC 8259 (control characters, '"' and '\\'; other
// UTF-8 passes through unchanged, so REQUIRES: strings are valid UTF-8, which sources guarantee).
// Canonical form is the caller's duty: write object keys in byte order. Commas are handled here.
//
// Thread-safety: one writer per thread; it only touches the string it was given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hrsync {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view v);
  JsonWriter& integer(std::int64_t v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  // Appends `json` verbatim as one value. REQUIRES: `json` is valid canonical JSON.
  JsonWriter& raw(std::string_view json);

 private:
  void separate();

  std::string& out_;
  bool need_comma_ = false;
};

// Appends `v` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view v);

}  // namespace hrsync
