// feishu_bot: a Feishu group chat's custom bot (its incoming webhook), where hrsync posts the
// summary of a run ([notify]).
//
// The message is one operation, like a target's update: POST to the hook's path
// (/open-apis/bot/v2/hook/<hook-id>, which the webhook URL holds) with
// {"content":{"text":...},"msg_type":"text"}; with a signing secret the body also carries
// "timestamp" (Unix seconds, a string) and "sign" = base64(HMAC-SHA256, key = timestamp + "\n" +
// secret, over an empty message), as the custom bot asks (docs/api-notes.md, "Custom bot"). The
// answer is a Feishu envelope, judged by the code every Feishu answer is judged by
// (feishu_envelope.h) through the bot's code table: code 0 is delivered, 19021 a signature or
// timestamp refused. The limit (about 5 a second and 100 a minute) and 19021 are unconfirmed.
//
// The webhook URL is a credential: the operation never sees it, only the path the caller splits
// from it; the secret goes into the signature and nowhere else.
//
// Thread-safety: the operation is immutable; the functions are pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/secret.h"
#include "connectors/targets/target_operation.h"

namespace hrsync {

// base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")).
std::string feishu_bot_sign(std::int64_t timestamp, std::string_view secret);

// The chat message a custom bot posts.
class FeishuBotMessage final : public TargetOperation {
 public:
  std::string_view name() const override { return "message"; }
  std::string_view endpoint() const override { return "POST /open-apis/bot/v2/hook/:hook_id"; }
  std::span<const CodeRule> codes() const override;
  std::vector<RateTier> default_rate() const override { return {{5, 1}, {100, 60}}; }

  // The request that posts `text` to the hook at `hook_path`, signed at `timestamp` (Unix
  // seconds) when `secret` is not empty.
  Request build_request(std::string_view hook_path, std::string_view text, std::int64_t timestamp,
                        const Secret& secret) const;

 protected:
  Verdict read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const override;
};

}  // namespace hrsync
