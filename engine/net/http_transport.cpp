#include "engine/net/http_transport.h"

#include "engine/net/feishu_token.h"

namespace hrsync {
namespace {

HttpClientOptions client_options(const HttpConfig& http, const HttpTransportOptions& options, Clock& clock) {
  HttpClientOptions out;
  out.clock = &clock;
  out.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(seconds_to_duration(http.connect_timeout_s));
  out.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(seconds_to_duration(http.request_timeout_s));
  out.max_connections = options.max_connections;
  out.tls.ca_file = http.ca_file;
  out.connect_host = options.connect_host;
  return out;
}

}  // namespace

HttpTransport::~HttpTransport() = default;

Result<std::unique_ptr<HttpTransport>> HttpTransport::create(const net::any_io_executor& executor,
                                                             const FeishuConfig& feishu, const SophonConfig& sophon,
                                                             const HttpConfig& http, Clock& clock,
                                                             HttpTransportOptions options) {
  std::unique_ptr<HttpTransport> transport(new HttpTransport());
  HttpClientOptions client = client_options(http, options, clock);

  auto feishu_url = parse_base_url(feishu.base_url, feishu.where.empty() ? "feishu.base_url" : feishu.where + " feishu.base_url");
  if (!feishu_url) return std::unexpected(std::move(feishu_url.error()));
  auto feishu_client = HttpClient::create(executor, std::move(*feishu_url), client);
  if (!feishu_client) return std::unexpected(std::move(feishu_client.error()));
  transport->feishu_ = std::move(*feishu_client);
  transport->tokens_ = std::make_unique<TokenCache>(
      feishu_token_fetch(*transport->feishu_, feishu.app_id, feishu.app_secret.value), clock, options.token);

  if (!sophon.base_url.empty()) {
    auto sophon_url = parse_base_url(sophon.base_url, sophon.where.empty() ? "sophon.base_url" : sophon.where + " sophon.base_url");
    if (!sophon_url) return std::unexpected(std::move(sophon_url.error()));
    auto sophon_client = HttpClient::create(executor, std::move(*sophon_url), client);
    if (!sophon_client) return std::unexpected(std::move(sophon_client.error()));
    transport->sophon_ = std::move(*sophon_client);
  }
  if (!sophon.token.value.empty()) transport->sophon_authorization_ = "Bearer " + sophon.token.value.reveal();
  return transport;
}

net::awaitable<Result<HttpResponse>> HttpTransport::send(Platform platform, const HttpRequest& request) {
  if (platform == Platform::kFeishu) co_return co_await send_feishu(request);
  if (!sophon_) co_return fail(Error::Kind::kConfig, "sophon.base_url", "not set, but a SophonFogSys target is enabled");
  HttpRequest with_auth = request;
  with_auth.authorization = sophon_authorization_;
  co_return co_await sophon_->send(with_auth);
}

net::awaitable<Result<void>> HttpTransport::ready(Platform platform) {
  if (platform != Platform::kFeishu) co_return Result<void>{};
  Result<Token> token = co_await feishu_token();
  if (!token) co_return std::unexpected(std::move(token.error()));
  co_return Result<void>{};
}

net::awaitable<Result<Token>> HttpTransport::feishu_token() {
  Result<Token> token = co_await tokens_->get();
  if (token) co_return token;
  // An endpoint that could not be reached or answered a server error may answer the next try:
  // the call fails as the network error it is, and the executor retries it. Anything else (a
  // refusal, an unusable grant) means no token can be had: kAuth stops the target.
  const Error& e = token.error();
  const bool transient = e.kind == Error::Kind::kNetwork || e.kind == Error::Kind::kProtocol;
  co_return fail(transient ? e.kind : Error::Kind::kAuth, e.where, "cannot get a tenant_access_token: " + e.message);
}

net::awaitable<Result<HttpResponse>> HttpTransport::send_feishu(HttpRequest request) {
  Result<Token> token = co_await feishu_token();
  if (!token) co_return std::unexpected(std::move(token.error()));
  if (bearer_serial_ != token->serial) {
    bearer_ = std::make_shared<const std::string>("Bearer " + token->value);
    bearer_serial_ = token->serial;
  }
  // Held until the response: a concurrent refresh may replace bearer_ meanwhile.
  std::shared_ptr<const std::string> bearer = bearer_;
  request.authorization = *bearer;
  Result<HttpResponse> response = co_await feishu_->send(request);
  if (response) response->token_serial = token->serial;
  co_return response;
}

void HttpTransport::token_rejected(Platform platform, std::uint64_t token_serial) {
  if (platform == Platform::kFeishu) tokens_->invalidate(token_serial);
}

}  // namespace hrsync
