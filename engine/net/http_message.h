// HttpRequest, HttpResponse: one API call as the transport and the HTTP client see it.
//
// A request borrows its strings from the caller, who keeps them alive until send() completes (the
// executor keeps the connector's Request in the coroutine that sends it). A response owns its
// body and keeps the headers hrsync acts on: the log id that Feishu support asks for, and the
// throttle's reset time and window limit.
//
// Thread-safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hrsync {

struct HttpRequest {
  std::string_view method;         // "PUT", "PATCH", "POST", "GET"
  std::string_view target;         // path and query; the base URL's path prefix goes before it
  std::string_view body;           // sent as is ("" sends no body)
  std::string_view authorization;  // the Authorization header value, "" for none
  std::string_view content_type = "application/json; charset=utf-8";
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string log_id;                        // X-Tt-Logid, else X-Request-Id; "" when neither
  std::optional<double> ratelimit_reset_s;   // x-ogw-ratelimit-reset, when present and numeric
  std::optional<std::uint32_t> ratelimit_limit;  // x-ogw-ratelimit-limit, when a positive integer
  std::uint64_t token_serial = 0;            // the token the transport sent (TokenCache serial), 0 for none
};

}  // namespace hrsync
