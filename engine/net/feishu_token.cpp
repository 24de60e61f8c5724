#include "engine/net/feishu_token.h"

#include "connectors/targets/feishu_token_reply.h"
#include "diff/json_writer.h"

namespace hrsync {
namespace {

// A token request that fails on the network is sent again at once, up to this many times in all:
// one lost connection must not stop every Feishu target of the run.
constexpr int kTokenNetworkAttempts = 3;

std::string token_request_body(const std::string& app_id, const Secret& app_secret) {
  std::string body;
  JsonWriter(body).begin_object().key("app_id").string(app_id).key("app_secret").string(app_secret.reveal()).end_object();
  return body;
}

}  // namespace

Result<TokenGrant> parse_feishu_token_reply(int http_status, std::string_view body, std::string_view where) {
  return parse_feishu_token_reply(http_status, HttpHeaders{}, body, where);
}

Result<TokenGrant> parse_feishu_token_reply(int http_status, const HttpHeaders& headers, std::string_view body,
                                            std::string_view where) {
  TokenReply reply = classify_token_reply(http_status, headers, body);
  switch (reply.answer()) {
    case TokenAnswer::kGranted:
      return TokenGrant{.token = std::move(reply.token), .expire = std::chrono::seconds(reply.expire_s)};
    case TokenAnswer::kThrottled:
      return TokenGrant{.throttled = true, .reset_s = reply.reset_s, .message = std::move(reply.message)};
    case TokenAnswer::kUnavailable:
      return fail(Error::Kind::kNetwork, std::string(where), std::move(reply.message));
    case TokenAnswer::kRefused:
      break;
  }
  return fail(Error::Kind::kAuth, std::string(where), std::move(reply.message));
}

TokenFetch feishu_token_fetch(HttpClient& client, std::string app_id, Secret app_secret) {
  return [&client, app_id = std::move(app_id), app_secret = std::move(app_secret)]() -> net::awaitable<Result<TokenGrant>> {
    std::string where = client.url().str() + std::string(kFeishuTokenPath);
    if (app_id.empty()) co_return fail(Error::Kind::kAuth, where, "feishu.app_id is not set");
    if (app_secret.empty()) co_return fail(Error::Kind::kAuth, where, "the Feishu app secret is empty");
    std::string body = token_request_body(app_id, app_secret);
    HttpRequest request{.method = "POST", .target = kFeishuTokenPath, .body = body};
    Result<HttpResponse> response = co_await client.send(request);
    auto lost = [](const Result<HttpResponse>& r) {
      return !r && (r.error().kind == Error::Kind::kNetwork || r.error().kind == Error::Kind::kProtocol);
    };
    for (int attempt = 1; attempt < kTokenNetworkAttempts && lost(response); ++attempt) {
      response = co_await client.send(request);
    }
    if (!response) co_return std::unexpected(std::move(response.error()));
    co_return parse_feishu_token_reply(response->status, response->headers, response->body, where);
  };
}

}  // namespace hrsync
