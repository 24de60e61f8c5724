// Base64 (RFC 4648, standard alphabet, with padding), for photos inlined in Sophon requests.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace hrsync {

// Appends the base64 encoding of `bytes` to `out`.
void append_base64(std::string& out, std::string_view bytes);

}  // namespace hrsync
