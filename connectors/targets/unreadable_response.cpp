#include "connectors/targets/unreadable_response.h"

#include <fmt/format.h>

#include <string>

#include "base/utf8.h"

namespace hrsync {
namespace {

constexpr std::size_t kQuoteBytes = 80;  // how much of a body a message quotes

// The first bytes of `body`, with control bytes shown as '.', cut at a UTF-8 boundary.
std::string quote_start(std::string_view body) {
  const std::size_t n = utf8_char_start(body, kQuoteBytes);
  std::string out(body.substr(0, n));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '.';
  }
  if (n < body.size()) out += "...";
  return out;
}

}  // namespace

Verdict unreadable_response(int http_status, std::string_view what, std::string_view body) {
  Verdict v;
  v.code = -1;
  v.documented = false;
  if (http_status == 429) {
    v.disposition = Disposition::kRateLimited;
  } else if (is_server_error(http_status)) {
    v.disposition = Disposition::kRetry;
  } else {
    v.disposition = Disposition::kPermanent;
  }
  if (body.empty()) {
    v.message = fmt::format("HTTP {}: {} (empty body)", http_status, what);
  } else {
    v.message = fmt::format("HTTP {}: {}: \"{}\"", http_status, what, quote_start(body));
  }
  return v;
}

}  // namespace hrsync
