// Feishu token reply: what an answer of the tenant_access_token endpoint means, as a table.
//
// POST /open-apis/auth/v3/tenant_access_token/internal answers {"code":0,"msg":"ok",
// "tenant_access_token":"t-...","expire":7200}, the token and its lifetime (seconds) at the top
// level, not under "data" (docs/api-notes.md, "Token"). kTokenRules lists every kind of answer, in the order
// classify_token_reply() tells them apart, with what it means: a token granted; the endpoint
// throttled (HTTP 429 whatever the body, or code 99991400 whatever the status: older APIs answer a
// throttle HTTP 400, docs/api-notes.md "Throttling"), with the reset its x-ogw-ratelimit-reset
// header announces (read by feishu_throttle.h); the endpoint unavailable (a server error: no
// refusal, the next try may pass); or the app refused (any other code, or a reply without a
// usable token). The engine's token fetch (engine/net/feishu_token.h) turns these into a grant, a
// throttle to wait out, a kNetwork error or a kAuth error.
// Replies carry no secret of ours, but a granted token is one: it is never part of a message.
//
// Thread-safety: pure; each thread parses with its own parser.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/http_headers.h"

namespace hrsync {

// The four things a token reply can mean.
enum class TokenAnswer : std::uint8_t {
  kGranted,      // a token and its lifetime
  kThrottled,    // the endpoint throttled the request: ask again after its reset
  kUnavailable,  // the endpoint is down: retry later, as after a network error
  kRefused,      // the app or its secret was refused, or the reply holds no usable token
};

// The kinds of reply, one per row of kTokenRules.
enum class TokenReplyKind : std::uint8_t {
  kServerError,    // HTTP 500 and above, whatever the body
  kThrottled,      // HTTP 429 whatever the body, or code 99991400 whatever the status
  kNotAnObject,    // the body is not a JSON object
  kNoCode,         // no integer "code"
  kCodeNotZero,    // a code other than 0: the endpoint refused (e.g. app secret invalid)
  kNoToken,        // code 0 without a non-empty string "tenant_access_token"
  kNoExpire,       // code 0 without a positive integer "expire"
  kGranted,        // code 0 with a token and its lifetime
};

struct TokenRule {
  TokenReplyKind kind;
  TokenAnswer answer;
  std::string_view meaning;  // for tests and reports
};

inline constexpr std::array<TokenRule, 8> kTokenRules = {{
    {TokenReplyKind::kServerError, TokenAnswer::kUnavailable, "a server error, not a refusal"},
    {TokenReplyKind::kThrottled, TokenAnswer::kThrottled, "throttled, not a refusal: wait its reset and ask again"},
    {TokenReplyKind::kNotAnObject, TokenAnswer::kRefused, "the reply is not a JSON object"},
    {TokenReplyKind::kNoCode, TokenAnswer::kRefused, "the reply has no integer 'code'"},
    {TokenReplyKind::kCodeNotZero, TokenAnswer::kRefused, "the endpoint refused the app"},
    {TokenReplyKind::kNoToken, TokenAnswer::kRefused, "code 0 but no 'tenant_access_token' in the reply"},
    {TokenReplyKind::kNoExpire, TokenAnswer::kRefused, "code 0 but no positive integer 'expire' in the reply"},
    {TokenReplyKind::kGranted, TokenAnswer::kGranted, "a token and its lifetime"},
}};

// One reply, read.
struct TokenReply {
  const TokenRule* rule = nullptr;  // the row of kTokenRules it falls under; never null
  std::string message;              // what it means, with the code, msg and HTTP status; "" when granted
  std::int64_t code = 0;            // the reply's code, when it has one
  std::string token;                // when granted
  std::int64_t expire_s = 0;        // when granted: the token's lifetime, in seconds
  std::optional<double> reset_s;    // when throttled: x-ogw-ratelimit-reset, seconds, when readable

  TokenAnswer answer() const { return rule->answer; }
};

// The code of a throttled Feishu answer, whatever its HTTP status.
inline constexpr std::int64_t kFeishuThrottledCode = 99991400;

// Reads the endpoint's reply and, when it is a throttle, its reset header. Never throws, whatever
// the body or the headers hold.
TokenReply classify_token_reply(int http_status, const HttpHeaders& headers, std::string_view body) noexcept;

// The same, for a reply without headers.
TokenReply classify_token_reply(int http_status, std::string_view body) noexcept;

}  // namespace hrsync
