// HttpRequest, HttpResponse: one API call as the transport and the HTTP client see it.
//
// A request borrows its strings from the caller, who keeps them alive until send() completes (the
// executor keeps the connector's Request in the coroutine that sends it). A response owns its
// body and its header fields (bounded, base/http_headers.h), which the connector that judges the
// answer reads as its API documents them (the throttle, the log id that API support asks for).
//
// Thread-safety: plain value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/http_headers.h"

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
  HttpHeaders headers;                       // every header field, as received (bounded)
  std::uint64_t token_serial = 0;            // the token the transport sent (TokenCache serial), 0 for none
  std::chrono::steady_clock::time_point written{};  // when the request's write began (on the Clock the
                                                    // client was given); zero when not stamped
};

}  // namespace hrsync
