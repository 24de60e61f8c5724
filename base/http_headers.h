// HttpHeaders: the header fields of one HTTP answer, as name/value pairs, bounded.
//
// The HTTP client keeps every field of an answer here and judges none of them; a connector reads
// the ones its API documents (a throttle's reset time, a window limit) when it classifies the
// answer. The list is bounded: at most kMaxFields fields and kMaxBytes of names and values
// together; a field past either bound is dropped (add() returns false), so a peer sending
// thousands of headers costs a bounded amount of memory. Names compare without ASCII case, as
// HTTP says; the first field with a name wins.
//
// Thread-safety: a plain value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hrsync {

class HttpHeaders {
 public:
  static constexpr std::size_t kMaxFields = 64;         // fields kept, at most
  static constexpr std::size_t kMaxBytes = 16u << 10;   // bytes of names and values kept, at most

  HttpHeaders() = default;
  HttpHeaders(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    for (const auto& [name, value] : fields) add(name, value);
  }

  // Keeps the field; false (and nothing kept) when it would pass a bound.
  bool add(std::string_view name, std::string_view value) {
    if (fields_.size() >= kMaxFields || text_.size() + name.size() + value.size() > kMaxBytes) return false;
    const auto at = static_cast<std::uint32_t>(text_.size());
    text_.append(name).append(value);
    fields_.push_back(Field{at, static_cast<std::uint32_t>(name.size()), static_cast<std::uint32_t>(value.size())});
    return true;
  }

  // The value of the first field called `name` (ASCII case ignored), or nullopt.
  std::optional<std::string_view> find(std::string_view name) const {
    for (const Field& f : fields_) {
      if (same_name(std::string_view(text_).substr(f.at, f.name_size), name)) {
        return std::string_view(text_).substr(f.at + f.name_size, f.value_size);
      }
    }
    return std::nullopt;
  }

  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  struct Field {
    std::uint32_t at;          // where its name starts in text_; its value follows the name
    std::uint32_t name_size;
    std::uint32_t value_size;
  };

  static bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      char x = a[i];
      char y = b[i];
      if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
      if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
      if (x != y) return false;
    }
    return true;
  }

  std::string text_;            // names and values, one after the other
  std::vector<Field> fields_;
};

}  // namespace hrsync
