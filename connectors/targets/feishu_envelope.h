// Feishu envelope: the codes every Feishu API shares and the classification of Feishu responses.
//
// Feishu answers {"code": int, "msg": string, "data": {...}, "error": {"log_id": ...}}; only
// code 0 is success, whatever the HTTP status (docs/api-notes.md, "Error envelope and
// classification"). classify_feishu() reads that
// envelope with simdjson and folds the code through a connector's table (its API document's codes
// joined with kFeishuCommonCodes). A code in no table is permanent and marked undocumented (the
// connector's classify() then settles it by status); a body that is no envelope goes to
// unreadable_response(); HTTP 429 is always rate-limited. The throttle headers of the answer are
// read into the verdict (feishu_throttle.h), whatever its body.
//
// Thread-safety: pure; each thread parses with its own parser.
#pragma once

#include <array>
#include <span>
#include <string_view>

#include "connectors/targets/target_operation.h"

namespace hrsync {

// Codes that any Feishu API may answer (docs/api-notes.md), appended to every Feishu table. The
// notes give no single HTTP status for the token codes (seen with 200 and 400), hence 0.
inline constexpr std::array<CodeRule, 7> kFeishuCommonCodes = {{
    {99991400, 429, Disposition::kRateLimited, "request trigger frequency limit"},
    {99991661, 0, Disposition::kRefreshToken, "missing access token (Authorization header)"},
    {99991663, 0, Disposition::kRefreshToken, "tenant access token invalid"},
    {99991664, 0, Disposition::kRefreshToken, "access token invalid"},
    {99991671, 0, Disposition::kRefreshToken, "malformed access token"},
    {99991403, 0, Disposition::kPermanent, "monthly API call quota used up"},
    {99991672, 0, Disposition::kPermanent, "the app lacks a permission scope (the message lists them)"},
}};

// Classifies a Feishu response by the envelope's code, looked up in `table`, and reads its
// throttle headers. Never throws: a body that cannot be read gives a code -1 verdict saying why.
Verdict classify_feishu(int http_status, std::string_view body, const HttpHeaders& headers,
                        std::span<const CodeRule> table) noexcept;

}  // namespace hrsync
