// BaseUrl: the scheme, host, port and path prefix of one HTTP API ("https://open.feishu.cn",
// "http://192.168.1.180:5555").
//
// TLS is the rule: plain http is used only where the configured URL says "http://" in so many
// words. A URL carries no user info, query or fragment; a path prefix ("/proxy") is put before
// every request path.
//
// Thread-safety: a plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace hrsync {

struct BaseUrl {
  bool tls = true;          // https
  std::string host;         // "open.feishu.cn", "127.0.0.1", "::1" (no brackets)
  std::uint16_t port = 443;
  std::string prefix;       // "" or "/proxy" (no trailing slash)

  // "host:port", with brackets around an IPv6 host: for messages.
  std::string authority() const;
  // The Host header: the host, plus ":port" unless it is the scheme's default.
  std::string host_header() const;
  // "https://host:port/prefix".
  std::string str() const;
  // True when host is an IPv4 or IPv6 literal (no SNI is sent for those).
  bool host_is_address() const;
};

// Parses `text`; errors are kConfig with `where` (e.g. "job.toml:7 feishu.base_url").
Result<BaseUrl> parse_base_url(std::string_view text, std::string_view where = {});

}  // namespace hrsync
