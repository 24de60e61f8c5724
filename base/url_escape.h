// URL escaping of path segments and query values (RFC 3986).
//
// Entity keys go into request paths (/open-apis/contact/v3/users/:user_id); a key holding '/',
// '?', '%' or a non-ASCII byte must not change the path it lands in. The redactor also looks for
// a secret in this form, as an echo of a URL or a form would show it.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace hrsync {

// Appends `s` to `out`, every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX.
void append_url_escaped(std::string& out, std::string_view s);

// `s` escaped as append_url_escaped does.
std::string url_escaped(std::string_view s);

}  // namespace hrsync
