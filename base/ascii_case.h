// ASCII case: comparing protocol text (URL schemes, SQL type names) without regard to the case
// of its ASCII letters. Other bytes compare as they are, so UTF-8 text is never folded.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace hrsync {

// `c` with an ASCII capital letter made small; any other byte as it is.
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// True iff `text` begins with `prefix`, ASCII letters compared without regard to case.
constexpr bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != ascii_lower(prefix[i])) return false;
  }
  return true;
}

}  // namespace hrsync
