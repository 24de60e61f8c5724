#include "engine/net/feishu_token.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "diff/json_writer.h"

namespace hrsync {
namespace {

namespace json = boost::json;

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
  auto refused = [&](std::string message) { return fail(Error::Kind::kAuth, std::string(where), std::move(message)); };
  // A server error or a throttle is no refusal: the endpoint may well answer the next try.
  if (http_status >= 500 || http_status == 429) {
    return fail(Error::Kind::kNetwork, std::string(where),
                fmt::format("the token endpoint answered HTTP {} (a server error, not a refusal)", http_status));
  }
  boost::system::error_code ec;
  json::value reply = json::parse(json::string_view(body.data(), body.size()), ec);
  const json::object* object = ec ? nullptr : reply.if_object();
  if (object == nullptr) return refused(fmt::format("HTTP {}: the reply is not a JSON object", http_status));
  const json::value* code = object->if_contains("code");
  const json::value* msg = object->if_contains("msg");
  std::string_view message = msg != nullptr && msg->is_string() ? std::string_view(msg->get_string()) : "";
  if (code == nullptr || !code->is_int64()) {
    return refused(fmt::format("HTTP {}: the reply has no integer 'code'", http_status));
  }
  if (code->get_int64() != 0) {
    return refused(fmt::format("token refused: code {}: {} (HTTP {})", code->get_int64(), message, http_status));
  }
  const json::value* token = object->if_contains("tenant_access_token");
  const json::value* expire = object->if_contains("expire");
  if (token == nullptr || !token->is_string() || token->get_string().empty()) {
    return refused("code 0 but no 'tenant_access_token' in the reply");
  }
  if (expire == nullptr || !expire->is_int64() || expire->get_int64() <= 0) {
    return refused("code 0 but no positive integer 'expire' in the reply");
  }
  return TokenGrant{std::string(token->get_string()), std::chrono::seconds(expire->get_int64())};
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
    co_return parse_feishu_token_reply(response->status, response->body, where);
  };
}

}  // namespace hrsync
