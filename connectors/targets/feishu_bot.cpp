#include "connectors/targets/feishu_bot.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include <fmt/format.h>

#include "base/base64.h"
#include "connectors/targets/code_table.h"
#include "connectors/targets/feishu_envelope.h"
#include "diff/json_writer.h"

namespace hrsync {
namespace {

constexpr Disposition P = Disposition::kPermanent;

// The codes a custom bot answers (docs/api-notes.md, "Custom bot"; the emulator answers the same). No document
// gives their HTTP status but 9499's.
constexpr std::array<CodeRule, 4> kBotCodes = {{
    {19001, 0, P, "param invalid: incoming webhook access token invalid (the hook id is wrong)"},
    {19021, 0, P, "sign match fail or timestamp is not within one hour from current time"},
    {9499, 400, P, "bad request (the message is not one the bot takes)"},
    {99991400, 429, Disposition::kRateLimited, "request trigger frequency limit"},
}};

}  // namespace

std::string feishu_bot_sign(std::int64_t timestamp, std::string_view secret) {
  const std::string key = fmt::format("{}\n{}", timestamp, secret);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  static const unsigned char kEmpty = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), &kEmpty, 0, mac, &size);
  std::string out;
  append_base64(out, std::string_view(reinterpret_cast<const char*>(mac), size));
  return out;
}

std::span<const CodeRule> FeishuBotMessage::codes() const { return kBotCodes; }

Request FeishuBotMessage::build_request(std::string_view hook_path, std::string_view text, std::int64_t timestamp,
                                        const Secret& secret) const {
  Request req{.method = "POST", .target = std::string(hook_path)};
  std::string& out = req.built_body.emplace();
  JsonWriter w(out);
  w.begin_object();
  w.key("content").begin_object().key("text").string(text).end_object();
  w.key("msg_type").string("text");
  if (!secret.empty()) {
    w.key("sign").string(feishu_bot_sign(timestamp, secret.reveal()));
    w.key("timestamp").string(std::to_string(timestamp));
  }
  w.end_object();
  return req;
}

Verdict FeishuBotMessage::read_answer(int http_status, std::string_view body, const HttpHeaders& headers) const {
  return classify_feishu(http_status, body, headers, kBotCodes);
}

}  // namespace hrsync
