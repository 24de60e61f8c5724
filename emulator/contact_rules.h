// Contact rules: the formats the contact API document gives for mobiles and e-mail addresses,
// and the keys under which the directory holds them unique.
//
// Mobile (document: "13011111111 or +8613011111111; non-mainland +41446681800; an international
// prefix must carry '+'"): either a mainland number of 11 digits starting 13..19, bare or after
// +86, or '+' and 7 to 15 digits (E.164). Two spellings of one mainland number are one mobile.
// E-mail: local@domain with the usual dot-atom characters and a domain of at least two labels.
// Also here: the JSON type of every member of the user the document lists, and what counts as a
// name made of nothing (41040).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/json_fields.h"

namespace hrsync::emulator {

bool valid_mobile(std::string_view mobile);

// The key a valid mobile is unique under: "+86" + 11 digits for mainland numbers, else as given.
std::string mobile_key(std::string_view mobile);

// True iff the valid mobile is a mainland China (+86) number.
bool is_mainland_mobile(std::string_view mobile);

bool valid_email(std::string_view email);

// The key an e-mail address is unique under (ASCII lower case).
std::string email_key(std::string_view email);

// The domain of a valid address ("mail.example.com"), lower case.
std::string email_domain(std::string_view email);

// The JSON type of the documented user member `key` ("avatar_key" -> kString), nullopt for a
// member the document does not list.
std::optional<JsonType> contact_user_field_type(std::string_view key);

// True iff `text` is empty or only white space: ASCII blanks and the Unicode spaces a name may be
// padded with (U+00A0, U+1680, U+2000..U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF).
bool blank_text(std::string_view text);

}  // namespace hrsync::emulator
