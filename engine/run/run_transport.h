// run_transport_options: the HTTP transport options a run sends with (engine/net/http_transport.h),
// from the ones its caller gives. Every token the transport fetches is added to `redactor` (and
// told to the caller's own on_token); a throttled token request, unless the caller set its own
// pause, pauses as long as any throttled call of the job would (throttle_pause.h, bounded by
// retry.max_pause_s, at least 1 s), measured from the wall clock's Unix time.
//
// Thread-safety: a pure function; `redactor` outlives the transport made with the options.
#pragma once

#include "engine/config/config.h"
#include "engine/net/http_transport.h"
#include "engine/run/redactor.h"

namespace hrsync {

HttpTransportOptions run_transport_options(const JobConfig& config, const HttpTransportOptions& given,
                                           Redactor& redactor);

}  // namespace hrsync
