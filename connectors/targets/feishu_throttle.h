// Feishu throttle headers: what a Feishu answer says about its rate limit, read into a Verdict.
//
// The Feishu gateway answers every call with x-ogw-ratelimit-limit (the request limit of the
// window it counts in) and x-ogw-ratelimit-reset (seconds until that window has room again), see
// docs/api-notes.md, "Throttling". read_feishu_throttle() reads them into Verdict::announced_limit and
// Verdict::reset_s for every Feishu connector's classify(). The rules: the reset is a number of
// seconds, zero or more, nothing else (it may be a Unix time or absurd: the engine bounds the
// pause it takes, engine/run/throttle_pause.h); the limit is a positive integer that fits 32 bits,
// nothing else. A header that breaks its rule is read as absent.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/http_headers.h"
#include "connectors/targets/target_operation.h"

namespace hrsync {

inline constexpr std::string_view kFeishuResetHeader = "x-ogw-ratelimit-reset";
inline constexpr std::string_view kFeishuLimitHeader = "x-ogw-ratelimit-limit";

// A reset header's value: seconds, zero or more; nullopt for anything else.
std::optional<double> parse_reset_seconds(std::string_view text);

// A window limit header's value: a positive integer; nullopt for anything else.
std::optional<std::uint32_t> parse_window_limit(std::string_view text);

// Sets v.reset_s and v.announced_limit from the answer's throttle headers (left empty when absent
// or unreadable).
void read_feishu_throttle(const HttpHeaders& headers, Verdict& v);

}  // namespace hrsync
