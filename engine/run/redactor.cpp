#include "engine/run/redactor.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/url_escape.h"
#include "base/utf8.h"

namespace hrsync {
namespace {

// The form a JSON string gives `s` (what an echo of a JSON body shows).
std::string json_escaped(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '/': out += "\\/"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t ok = first_invalid_utf8(text);
    out.append(text.substr(0, ok));
    if (ok == text.size()) break;
    out += "\xEF\xBF\xBD";  // U+FFFD for the first byte of the bad sequence; the rest is looked at again
    text.remove_prefix(ok + 1);
  }
  return out;
}

void Redactor::add(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard lock(mutex_);
  for (std::string form : {std::string(secret), json_escaped(secret), url_escaped(secret)}) {
    if (std::find(secrets_.begin(), secrets_.end(), form) == secrets_.end()) secrets_.push_back(std::move(form));
  }
  std::stable_sort(secrets_.begin(), secrets_.end(), [](const std::string& a, const std::string& b) {
    return a.size() > b.size();
  });
}

std::string Redactor::clean(std::string_view text) const {
  std::string out(text);
  {
    std::lock_guard lock(mutex_);
    for (const std::string& s : secrets_) replace_all(out, s, kMark);
  }
  return valid_utf8(out);
}

}  // namespace hrsync
