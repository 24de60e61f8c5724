#include "engine/run/chat_message.h"

#include "base/utf8.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "connectors/targets/feishu_bot.h"
#include "engine/net/base_url.h"
#include "engine/net/http_client.h"

namespace hrsync {
namespace {

std::string_view ending(int exit_code) {
  if (exit_code > 128) return "interrupted by a signal; the next run sends the rest";
  switch (exit_code) {
    case 0: return "everything applied";
    case 1: return "some entities failed";
    case 2: return "stopped: bad config or usage";
    case 3: return "stopped by a safety gate before any call";
    case 4: return "a target was stopped";
    case 5: return "stopped: the snapshot store could not record";
    default: return "ended";
  }
}

struct FailureGroup {
  std::string target;
  std::int64_t code = 0;
  std::string message;  // the first answer's message
  std::uint64_t count = 0;
};

// Failed and skipped entities by (target, code), largest first.
std::vector<FailureGroup> failure_groups(const RunReport& report) {
  std::map<std::tuple<std::string, std::int64_t>, FailureGroup> groups;
  for (const ProblemGroup& p : report.problems.groups_in_order()) {
    auto& g = groups[{p.target, p.code}];
    if (g.count == 0) {
      g.target = p.target;
      g.code = p.code;
      g.message = p.message;
    }
    g.count += p.count;
  }
  std::vector<FailureGroup> out;
  for (auto& [key, g] : groups) out.push_back(std::move(g));
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
  return out;
}

const TargetConnector* find_connector(const std::vector<const TargetConnector*>& connectors, std::string_view id) {
  for (const auto* c : connectors) {
    if (c != nullptr && c->id() == id) return c;
  }
  return nullptr;
}

std::string shortened(std::string_view text, std::size_t most) {
  if (text.size() <= most) return std::string(text);
  return std::string(text.substr(0, utf8_char_start(text, most))) + "…";
}

// The URL split into what the HTTP client connects to and the path it requests.
struct WebhookTarget {
  BaseUrl base;
  std::string path;
};

Result<WebhookTarget> split_webhook(const SecretRef& url) {
  const std::string& text = url.value.reveal();
  auto bad = [&] {
    return fail(Error::Kind::kConfig, url.where,
                fmt::format("the webhook URL read through {} is not http(s)://host/path (it is not shown: it is a "
                            "credential)", url.key.empty() ? "notify.webhook_url_env" : url.key));
  };
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string::npos) return bad();
  const auto slash = text.find('/', scheme_end + 3);
  if (slash == std::string::npos || slash + 1 >= text.size()) return bad();
  auto base = parse_base_url(std::string_view(text).substr(0, slash));
  if (!base) return bad();
  return WebhookTarget{*base, text.substr(slash)};
}

// The chat's answer, as the bot's connector judges it.
Result<void> judge(const FeishuBotMessage& message, const HttpResponse& response, const std::string& host) {
  const Verdict v = message.classify(response.status, response.body, response.headers);
  if (v.disposition == Disposition::kSuccess) return {};
  if (v.code == -1) {
    return fail(Error::Kind::kProtocol, host,
                fmt::format("the webhook answered HTTP {} without a Feishu envelope", response.status));
  }
  return fail(Error::Kind::kProtocol, host, fmt::format("the chat refused the message: code {} {}", v.code, v.message));
}

}  // namespace

bool should_notify(const NotifyConfig& config, int exit_code) {
  return config.enabled && (config.always || exit_code != 0);
}

std::string notice_text(const Notice& n, const std::vector<const TargetConnector*>& connectors, std::size_t top) {
  std::string out = fmt::format("hrsync {}: {} (exit {})\n", n.job, ending(n.exit_code), n.exit_code);
  for (const auto& gate : n.gates) out += fmt::format("gate: {}\n", gate);
  if (n.report == nullptr) return out;
  const RunReport& r = *n.report;
  out += fmt::format("run {} ({}), {} s\n", r.run_id, r.command, std::max<std::int64_t>(0, r.finished_at - r.started_at));
  for (const auto& t : r.targets) {
    out += fmt::format("{}: {} applied, {} failed, {} skipped of {}; {} retries, {} throttled\n", t.id, t.applied,
                       t.failed, t.skipped, t.planned, t.retries, t.throttled);
    if (!t.quarantined.empty()) out += fmt::format("  stopped: {}\n", shortened(t.quarantined, 200));
  }
  const auto groups = failure_groups(r);
  if (!groups.empty()) out += "top failure codes:\n";
  for (std::size_t i = 0; i < groups.size() && i < top; ++i) {
    const auto& g = groups[i];
    const std::string meaning = code_meaning(find_connector(connectors, g.target), g.code);
    const std::string code = g.code > 0 ? std::to_string(g.code) : "no code";
    out += fmt::format("  {} {} × {}: {}\n", g.target, code, g.count, shortened(meaning.empty() ? g.message : meaning, 120));
  }
  if (groups.size() > top) out += fmt::format("  … and {} more codes\n", groups.size() - top);
  out += fmt::format("details: hrsync report --config {} --run {}\n", n.config_path, r.run_id);
  return out;
}

Result<void> post_chat_message(const SecretRef& url, std::string_view text, std::int64_t timestamp,
                               const Secret& secret, const HttpConfig& http) {
  auto target = split_webhook(url);
  if (!target) return std::unexpected(target.error());
  const std::string host = target->base.authority();
  net::io_context io;
  HttpClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(http.connect_timeout_s * 1000));
  options.request_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(http.request_timeout_s * 1000));
  options.max_connections = 1;
  options.tls.ca_file = http.ca_file;
  auto client = HttpClient::create(io.get_executor(), target->base, options);
  if (!client) return std::unexpected(client.error());
  const FeishuBotMessage message{};
  const Request built = message.build_request(target->path, text, timestamp, secret);
  std::optional<Result<HttpResponse>> answer;
  const HttpRequest request{.method = built.method, .target = built.target, .body = built.body()};
  net::co_spawn(io, [&]() -> net::awaitable<void> { answer = co_await (*client)->send(request); }, net::detached);
  io.run();
  if (!answer) return fail(Error::Kind::kInternal, host, "the webhook request did not complete");
  if (!*answer) return std::unexpected(answer->error());
  return judge(message, **answer, host);
}

}  // namespace hrsync
