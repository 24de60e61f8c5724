// HttpTransport: the real Transport — one HttpClient per platform base URL, plus credentials.
//
// Feishu requests carry `Authorization: Bearer <tenant_access_token>` from a TokenCache fed by
// the token endpoint on the Feishu base URL; SophonFogSys requests carry `Authorization: Bearer
// <token>` when the job configures a Sophon token, and nothing otherwise. Every request with a
// body says `Content-Type: application/json; charset=utf-8`. A token the endpoint refuses turns
// send() into a kAuth error naming the endpoint, the code and the message (never the secret); a
// token endpoint that throttles is waited out by the TokenCache (the request waits for the token);
// one that cannot be reached, answers 5xx or throttles every try turns it into a kNetwork (or
// kProtocol) error, which the caller retries like any other.
//
// Thread-safety: none; use from the thread that runs its executor. The clock outlives it.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "engine/net/clock.h"
#include "engine/config/config.h"
#include "engine/net/http_client.h"
#include "engine/net/token_cache.h"
#include "engine/net/transport.h"

namespace hrsync {

struct HttpTransportOptions {
  std::size_t max_connections = 64;  // per base URL
  TokenCacheOptions token;           // refresh ahead of expiry
  std::string connect_host;          // connect here instead of the URLs' hosts ("" = theirs); tests
};

class HttpTransport final : public Transport {
 public:
  // Builds the clients for feishu.base_url and, when set, sophon.base_url. Errors: kConfig for a
  // bad URL or CA file.
  static Result<std::unique_ptr<HttpTransport>> create(const net::any_io_executor& executor,
                                                       const FeishuConfig& feishu, const SophonConfig& sophon,
                                                       const HttpConfig& http, Clock& clock,
                                                       HttpTransportOptions options = {});
  ~HttpTransport() override;

  net::awaitable<Result<HttpResponse>> send(Platform platform, const HttpRequest& request) override;
  net::awaitable<Result<void>> ready(Platform platform) override;
  void token_rejected(Platform platform, std::uint64_t token_serial) override;

  HttpClient& feishu_client() { return *feishu_; }
  HttpClient* sophon_client() { return sophon_.get(); }  // null when sophon.base_url is empty
  const TokenCache& feishu_tokens() const { return *tokens_; }

 private:
  HttpTransport() = default;
  net::awaitable<Result<HttpResponse>> send_feishu(HttpRequest request);
  // The tenant_access_token, or the error send() gives when none can be had.
  net::awaitable<Result<Token>> feishu_token();

  std::unique_ptr<HttpClient> feishu_;
  std::unique_ptr<HttpClient> sophon_;
  std::unique_ptr<TokenCache> tokens_;
  std::string sophon_authorization_;  // "Bearer <token>" or ""
  std::shared_ptr<const std::string> bearer_;  // "Bearer <token>" of the token serial below
  std::uint64_t bearer_serial_ = 0;
};

}  // namespace hrsync
