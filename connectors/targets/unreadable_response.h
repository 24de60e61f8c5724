// Verdicts for responses whose body cannot be read as the API's envelope.
//
// classify() of every connector ends here when a body is not JSON, not an object, or lacks the
// members the envelope must have: a 5xx is retried (a gateway or proxy answered), anything else is
// permanent, and the verdict's code is -1. HTTP 429 is always rate-limited, whatever the body.
// The message says what was wrong and quotes the start of the body (control bytes replaced), so an
// operator sees e.g. an HTML error page for what it is. Response bodies carry no secret of ours.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "connectors/targets/target_operation.h"

namespace hrsync {

// True for HTTP 500..599.
inline bool is_server_error(int http_status) { return http_status >= 500 && http_status <= 599; }

// True for HTTP 200..299.
inline bool is_http_success(int http_status) { return http_status >= 200 && http_status <= 299; }

// The verdict for a response whose body could not be read: `what` says why ("body is not JSON").
Verdict unreadable_response(int http_status, std::string_view what, std::string_view body);

}  // namespace hrsync
