#include "base/json_members.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace hrsync {
namespace {

constexpr std::size_t kMaxDepth = 64;  // nesting inside one value

// A cursor over JSON text; every step checks the bounds.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {}

  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }
  std::size_t pos() const { return i_; }
  std::string_view slice(std::size_t from, std::size_t to) const { return s_.substr(from, to - from); }

  void skip_space() {
    while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }

  bool take(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }

  // Past a string whose opening quote is next; false when it never closes. A quote closes the
  // string iff an even number of backslashes precedes it.
  bool skip_string() {
    if (!take('"')) return false;
    const std::size_t start = i_;
    while (i_ < s_.size()) {
      const void* quote = std::memchr(s_.data() + i_, '"', s_.size() - i_);
      if (quote == nullptr) break;
      const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(quote) - s_.data());
      std::size_t backslashes = 0;
      while (at - backslashes > start && s_[at - backslashes - 1] == '\\') ++backslashes;
      i_ = at + 1;
      if (backslashes % 2 == 0) return true;
    }
    i_ = s_.size();
    return false;
  }

  // Past one value: a string, an object or array (brackets matched), or a literal/number.
  bool skip_value() {
    const char c = peek();
    if (c == '"') return skip_string();
    if (c == '{' || c == '[') return skip_nested();
    const std::size_t start = i_;
    while (!at_end() && is_literal_char(s_[i_])) ++i_;
    return i_ > start;
  }

 private:
  static bool is_literal_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E';
  }

  // Past an object or array, matching every bracket inside it.
  bool skip_nested() {
    std::uint64_t is_object = 0;  // bit d: the container at depth d is an object
    std::size_t depth = 0;
    while (!at_end()) {
      const char c = s_[i_];
      if (c == '"') {
        if (!skip_string()) return false;
        continue;
      }
      ++i_;
      if (c == '{' || c == '[') {
        if (depth == kMaxDepth) return false;
        is_object = c == '{' ? (is_object | (std::uint64_t{1} << depth)) : (is_object & ~(std::uint64_t{1} << depth));
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) return false;
        --depth;
        if (((is_object >> depth) & 1) != (c == '}' ? 1u : 0u)) return false;
        if (depth == 0) return true;
      }
    }
    return false;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

bool split(Scanner& in, JsonMembers& out) {
  in.skip_space();
  if (!in.take('{')) return false;
  in.skip_space();
  if (in.take('}')) return true;
  while (true) {
    in.skip_space();
    const std::size_t key_start = in.pos() + 1;
    if (!in.skip_string()) return false;
    const std::string_view key = in.slice(key_start, in.pos() - 1);
    in.skip_space();
    if (!in.take(':')) return false;
    in.skip_space();
    const std::size_t value_start = in.pos();
    if (!in.skip_value()) return false;
    if (!out.push(JsonMember{key, in.slice(value_start, in.pos())})) return false;
    in.skip_space();
    if (in.take('}')) return true;
    if (!in.take(',')) return false;
  }
}

}  // namespace

JsonMember* JsonMembers::find(std::string_view key) {
  for (JsonMember& m : *this) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

const JsonMember* JsonMembers::find(std::string_view key) const {
  for (const JsonMember& m : *this) {
    if (m.key == key) return &m;
  }
  return nullptr;
}

bool split_members(std::string_view json, JsonMembers& out) {
  out.clear();
  Scanner in(json);
  if (!split(in, out)) return false;
  in.skip_space();
  return in.at_end();
}

void write_members(std::string& out, JsonMembers& members) {
  std::sort(members.begin(), members.end(), [](const JsonMember& a, const JsonMember& b) { return a.key < b.key; });
  out.push_back('{');
  bool first = true;
  for (const JsonMember& m : members) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out.append(m.key);
    out.append("\":");
    out.append(m.raw);
  }
  out.push_back('}');
}

}  // namespace hrsync
