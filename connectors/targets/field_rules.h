// Field rules: the checks and normal forms the target connectors apply to HR cells.
//
// Each function checks one kind of cell (a flag, an integer, a mobile number, an e-mail address)
// and, where two spellings mean the same thing ("Yes" and "true", "007" and "7", "13011111111"
// and "+8613011111111"), yields one normal form, so equal meanings give equal documents. None of
// them allocates: they run for every record of every plan.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hrsync {

// True iff `s` holds nothing but Unicode white space (the ASCII blanks and controls 9-13, U+00A0,
// U+1680, U+2000-U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF), or nothing at all.
// REQUIRES: `s` is valid UTF-8.
bool is_blank_text(std::string_view s);

// `s` without leading and trailing ASCII spaces and tabs.
std::string_view trim_blank(std::string_view s);

// true/false, 1/0, yes/no in any letter case, blanks around allowed; nullopt otherwise.
std::optional<bool> parse_flag(std::string_view s);

// A decimal integer in [min, max]: an optional '-', then digits only, blanks around allowed.
std::optional<std::int64_t> parse_integer(std::string_view s, std::int64_t min, std::int64_t max);

// Room for the normal form of a short value, built without allocating.
struct ShortText {
  char data[32];
  std::size_t size = 0;
  std::string_view view() const { return {data, size}; }
};

// Mobile numbers as the contact API takes them: "+" then the country code and number (7 to 15
// digits, the first not 0), or a mainland China number (11 digits starting with 1), which is
// normalised to "+86" and its digits. Writes the normal form to `out`; false when `s` is neither.
bool normalise_mobile(std::string_view s, ShortText& out);

// True iff the normal form `mobile` (normalise_mobile) is a mainland China number ("+86...").
inline bool is_mainland_mobile(std::string_view mobile) { return mobile.starts_with("+86"); }

// True iff the normal form `mobile` is "+86" then 11 digits starting 1[3-9], the only mainland
// numbers the contact API takes (41004).
bool is_valid_mainland_mobile(std::string_view mobile);

// The basic form of an e-mail address: one '@', a non-empty local part of at most 64 bytes, a
// domain of at most 253 bytes with a dot inside it and no empty label, and nowhere a blank, a
// control byte or one of ()<>[]\,;:".
bool is_email(std::string_view s);

}  // namespace hrsync
