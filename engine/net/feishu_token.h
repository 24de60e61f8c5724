// Feishu's tenant_access_token endpoint, as a TokenFetch for the TokenCache.
//
// POST /open-apis/auth/v3/tenant_access_token/internal with {"app_id", "app_secret"}. What each
// kind of reply means is the table of connectors/targets/feishu_token_reply.h: a grant, a throttle
// (a TokenGrant marked throttled, with the reset the reply announced: the TokenCache waits it out
// and asks again), an endpoint unavailable for now (a kNetwork error, like a lost request) or a
// refusal (a kAuth error with the endpoint's code and message). A request lost on the network is sent again at once,
// three times in all, before its kNetwork error is returned. The secret goes on the wire only: it
// is never part of an error.
//
// Thread-safety: the returned function uses `client` from the client's thread.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "engine/net/http_client.h"
#include "base/secret.h"
#include "engine/net/token_cache.h"

namespace hrsync {

inline constexpr std::string_view kFeishuTokenPath = "/open-apis/auth/v3/tenant_access_token/internal";

// A fetch that asks `client` (which must outlive it) for a token of app `app_id`.
TokenFetch feishu_token_fetch(HttpClient& client, std::string app_id, Secret app_secret);

// Reads the endpoint's reply; exposed for tests. `where` names the endpoint in errors.
Result<TokenGrant> parse_feishu_token_reply(int http_status, const HttpHeaders& headers, std::string_view body,
                                            std::string_view where);
Result<TokenGrant> parse_feishu_token_reply(int http_status, std::string_view body, std::string_view where);

}  // namespace hrsync
