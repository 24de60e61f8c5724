// Redactor: the one place where text that came from a server is made safe to store and to show.
//
// A server or a proxy may echo the request it got — its Authorization header, its body — in the
// message of its answer. Every secret value a run knows is added here: the app secret, the Sophon
// token, the chat webhook URL (and its hook id) and signing secret, and every tenant_access_token
// the token cache obtains (TokenCacheOptions::on_token). clean() replaces each of them, as written
// and as JSON or a URL would escape it, with "[redacted]", and turns bytes that are not valid
// UTF-8 into U+FFFD, so the JSON report always parses. The sync passes every server text through
// it before it reaches the snapshot's outcomes, the report, stdout or stderr: the StoreSink for
// outcome messages and log ids, the sync command for stop reasons and errors, the run watch for
// the chat's answer.
//
// Thread-safety: add() and clean() may be called from any threads (a mutex guards the list).
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hrsync {

class Redactor {
 public:
  static constexpr std::string_view kMark = "[redacted]";

  // Adds a secret value (and its escaped forms). Values shorter than 4 bytes are ignored: they
  // would blank ordinary words and no real credential is that short.
  void add(std::string_view secret);

  // `text` without any known secret, as valid UTF-8.
  std::string clean(std::string_view text) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> secrets_;  // longest first
};

// `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace hrsync
