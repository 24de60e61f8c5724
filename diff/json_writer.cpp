#include "diff/json_writer.h"

#include <charconv>
#include <cstring>

namespace hrsync {
namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighs = 0x8080808080808080ULL;

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Some byte of `x` is zero.
constexpr std::uint64_t zero_byte(std::uint64_t x) { return (x - kOnes) & ~x & kHighs; }

// The length of the longest prefix of `v` that needs no escaping. Eight bytes at a time: a
// word holds a byte to escape iff one of its bytes is below 0x20, '"' or '\\'.
std::size_t clean_prefix(std::string_view v) {
  std::size_t i = 0;
  for (; i + 8 <= v.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, v.data() + i, sizeof x);
    const std::uint64_t below_space = (x - kOnes * 0x20) & ~x & kHighs;
    if ((below_space | zero_byte(x ^ (kOnes * '"')) | zero_byte(x ^ (kOnes * '\\'))) != 0) break;
  }
  while (i < v.size() && !needs_escape(static_cast<unsigned char>(v[i]))) ++i;
  return i;
}

// Appends '"', `v`, '"' and `tail` in one step. REQUIRES: nothing in `v` needs escaping.
// (libstdc++ 12 hands the operation the grown capacity instead of the size asked for when it
// reallocates, so the size returned is computed here, not taken from the call.)
void append_quoted(std::string& out, std::string_view v, std::string_view tail) {
  const std::size_t at = out.size();
  const std::size_t size = at + v.size() + 2 + tail.size();
  out.resize_and_overwrite(size, [&](char* p, std::size_t) {
    p += at;
    *p++ = '"';
    if (!v.empty()) std::memcpy(p, v.data(), v.size());
    p += v.size();
    *p++ = '"';
    if (!tail.empty()) std::memcpy(p, tail.data(), tail.size());
    return size;
  });
}

// Appends the escaped form of `v` (without quotes).
void append_escaped(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (!needs_escape(c)) continue;
    out.append(v.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(v.data() + run, v.size() - run);
}

// Appends `v` as a JSON string literal, then `tail`.
void append_string(std::string& out, std::string_view v, std::string_view tail) {
  const std::size_t clean = clean_prefix(v);
  if (clean == v.size()) return append_quoted(out, v, tail);
  out.push_back('"');
  out.append(v.data(), clean);
  append_escaped(out, v.substr(clean));
  out.push_back('"');
  out.append(tail);
}

}  // namespace

void append_json_string(std::string& out, std::string_view v) { append_string(out, v, {}); }

void JsonWriter::separate() {
  if (need_comma_) out_.push_back(',');
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  separate();
  append_string(out_, k, ":");
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view v) {
  separate();
  append_json_string(out_, v);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t v) {
  separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, end);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
  separate();
  out_.append(v ? "true" : "false");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_.append("null");
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_.append(json);
  need_comma_ = true;
  return *this;
}

}  // namespace hrsync
