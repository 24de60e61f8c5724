#include "connectors/targets/feishu_token_reply.h"

#include "connectors/targets/feishu_throttle.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <exception>
#include <optional>

namespace hrsync {
namespace {

const TokenRule& rule_of(TokenReplyKind kind) {
  for (const TokenRule& rule : kTokenRules) {
    if (rule.kind == kind) return rule;
  }
  return kTokenRules.front();  // unreachable: every kind has its row (the table test walks them)
}

// The members of a reply that matter.
struct Members {
  std::optional<std::int64_t> code;
  std::string msg;
  std::string token;
  std::optional<std::int64_t> expire;
};

// Reads the top-level members of `body`; false when it is not a JSON object. The whole body is
// validated (a token reply is small and rare).
bool read_members(std::string_view body, Members& out) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(body.data(), body.size()).get(obj) != simdjson::SUCCESS) return false;
  for (const auto [key, value] : obj) {
    std::int64_t number = 0;
    std::string_view text;
    if (key == "code") {
      out.code.reset();
      if (value.get_int64().get(number) == simdjson::SUCCESS) out.code = number;
    } else if (key == "msg") {
      out.msg.clear();
      if (value.get_string().get(text) == simdjson::SUCCESS) out.msg.assign(text);
    } else if (key == "tenant_access_token") {
      out.token.clear();
      if (value.get_string().get(text) == simdjson::SUCCESS) out.token.assign(text);
    } else if (key == "expire") {
      out.expire.reset();
      if (value.get_int64().get(number) == simdjson::SUCCESS) out.expire = number;
    }
  }
  return true;
}

// The reset a throttled reply announces; nullopt when absent or unreadable.
std::optional<double> reset_of(const HttpHeaders& headers) {
  Verdict v;
  read_feishu_throttle(headers, v);
  return v.reset_s;
}

TokenReply classify(int http_status, const HttpHeaders& headers, std::string_view body) {
  TokenReply r;
  const auto as = [&r](TokenReplyKind kind, std::string message) {
    r.rule = &rule_of(kind);
    r.message = std::move(message);
    return std::move(r);
  };
  if (http_status >= 500) {
    return as(TokenReplyKind::kServerError,
              fmt::format("the token endpoint answered HTTP {} (a server error, not a refusal)", http_status));
  }
  if (http_status == 429) {
    r.reset_s = reset_of(headers);
    return as(TokenReplyKind::kThrottled,
              fmt::format("the token endpoint answered HTTP {} (throttled, not a refusal)", http_status));
  }
  Members m;
  if (!read_members(body, m)) {
    return as(TokenReplyKind::kNotAnObject, fmt::format("HTTP {}: the reply is not a JSON object", http_status));
  }
  if (!m.code) return as(TokenReplyKind::kNoCode, fmt::format("HTTP {}: the reply has no integer 'code'", http_status));
  r.code = *m.code;
  if (*m.code == kFeishuThrottledCode) {
    r.reset_s = reset_of(headers);
    return as(TokenReplyKind::kThrottled,
              fmt::format("the token endpoint answered code {}: {} (HTTP {}; throttled, not a refusal)", *m.code,
                          m.msg, http_status));
  }
  if (*m.code != 0) {
    return as(TokenReplyKind::kCodeNotZero,
              fmt::format("token refused: code {}: {} (HTTP {})", *m.code, m.msg, http_status));
  }
  if (m.token.empty()) return as(TokenReplyKind::kNoToken, std::string(rule_of(TokenReplyKind::kNoToken).meaning));
  if (!m.expire || *m.expire <= 0) {
    return as(TokenReplyKind::kNoExpire, std::string(rule_of(TokenReplyKind::kNoExpire).meaning));
  }
  r.token = std::move(m.token);
  r.expire_s = *m.expire;
  return as(TokenReplyKind::kGranted, "");
}

}  // namespace

TokenReply classify_token_reply(int http_status, std::string_view body) noexcept {
  return classify_token_reply(http_status, HttpHeaders{}, body);
}

TokenReply classify_token_reply(int http_status, const HttpHeaders& headers, std::string_view body) noexcept {
  try {
    return classify(http_status, headers, body);
  } catch (const std::exception& e) {
    TokenReply r;
    r.rule = &rule_of(TokenReplyKind::kNotAnObject);
    r.message = fmt::format("HTTP {}: the reply could not be read ({})", http_status, e.what());
    return r;
  } catch (...) {
    TokenReply r;
    r.rule = &rule_of(TokenReplyKind::kNotAnObject);
    r.message = fmt::format("HTTP {}: the reply could not be read", http_status);
    return r;
  }
}

}  // namespace hrsync
