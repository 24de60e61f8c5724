#include "engine/run/tune_job.h"

#include <exception>
#include <memory>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "engine/net/base_url.h"
#include "engine/net/clock.h"
#include "engine/net/feishu_token.h"
#include "engine/net/http_client.h"
#include "engine/net/http_transport.h"

namespace hrsync {
namespace {

// Keys a target's tune reads and sends back: the first entities of its (full) plan.
constexpr std::size_t kKeysPerTarget = 64;

std::vector<std::string> keys_of(TargetPlan& tp) {
  std::vector<std::string> keys;
  for (const Work& w : tp.work) {
    if (keys.size() == kKeysPerTarget) return keys;
    if (w.action == Work::Action::kUpsert) keys.push_back(w.desired.key);
  }
  Work w;
  while (tp.stream && keys.size() < kKeysPerTarget && tp.stream->next(w)) {
    if (w.action == Work::Action::kUpsert) keys.push_back(w.desired.key);
  }
  return keys;
}

const TargetConfig* config_of(const JobConfig& config, std::string_view id) {
  for (const auto& t : config.targets) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

// What tune is told of each target of the plan.
std::vector<TuneTarget> tune_targets(Job& job) {
  std::vector<TuneTarget> targets;
  for (TargetPlan& tp : job.plan.targets) {
    const TargetConfig* tc = config_of(job.config, tp.id);
    TuneTarget t;
    t.connector = tp.connector;
    t.entities = tp.calls();
    t.keys = keys_of(tp);
    t.rate = tc != nullptr && !tc->rate.empty() ? tc->rate : tp.connector->update().default_rate();
    if (tc != nullptr) t.concurrency = tc->concurrency;
    targets.push_back(std::move(t));
  }
  return targets;
}

bool has_feishu(const Job& job) {
  for (const TargetPlan& tp : job.plan.targets) {
    if (tp.connector->platform() == Platform::kFeishu) return true;
  }
  return false;
}

// The job's token request, on a connection of its own (its first request shows the set-up time).
struct TokenProbe {
  std::unique_ptr<HttpClient> client;
  TokenFetch fetch;
};

Result<TokenProbe> token_probe(net::io_context& io, const JobConfig& config) {
  auto url = parse_base_url(config.feishu.base_url, "feishu.base_url");
  if (!url) return std::unexpected(url.error());
  HttpClientOptions options;
  options.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(seconds_to_duration(config.http.connect_timeout_s));
  options.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(seconds_to_duration(config.http.request_timeout_s));
  options.tls.ca_file = config.http.ca_file;
  auto client = HttpClient::create(io.get_executor(), std::move(*url), options);
  if (!client) return std::unexpected(client.error());
  TokenProbe probe{std::move(*client), {}};
  probe.fetch = feishu_token_fetch(*probe.client, config.feishu.app_id, config.feishu.app_secret.value);
  return probe;
}

}  // namespace

Result<TuneReport> tune_job(Job& job, const TuneOptions& options) {
  std::vector<TuneTarget> targets = tune_targets(job);
  const bool feishu = has_feishu(job);
  if (feishu) {
    if (auto ok = require_secret(job.config.feishu.app_secret); !ok) return std::unexpected(ok.error());
  }
  net::io_context io;
  SteadyClock clock;
  auto transport = HttpTransport::create(io.get_executor(), job.config.feishu, job.config.sophon, job.config.http, clock);
  if (!transport) return std::unexpected(transport.error());
  auto token = token_probe(io, job.config);
  if (!token) return std::unexpected(token.error());
  TuneSeams seams{**transport, clock, {}};
  if (feishu) {
    seams.token_call = [fetch = token->fetch]() -> net::awaitable<Result<void>> {
      Result<TokenGrant> grant = co_await fetch();
      if (!grant) co_return std::unexpected(grant.error());
      co_return Result<void>{};
    };
  }
  std::optional<TuneReport> report;
  net::co_spawn(io, run_tune(std::move(targets), std::move(seams), options), [&](std::exception_ptr e, TuneReport r) {
    if (e) std::rethrow_exception(e);
    report = std::move(r);
  });
  io.run();
  if (!report) return fail(Error::Kind::kInternal, "", "the measurement did not finish");
  return std::move(*report);
}

}  // namespace hrsync
