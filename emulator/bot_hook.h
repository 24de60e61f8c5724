// BotHook: a Feishu group chat's custom bot, POST /open-apis/bot/v2/hook/:hook_id (docs/api-notes.md,
// "Custom bot").
//
// It accepts one hook id. With a signing secret it requires "timestamp" (Unix seconds, a string,
// within an hour of the server's clock) and "sign" = base64(HMAC-SHA256, key = timestamp + "\n" +
// secret, over an empty message) in the body. Answers, as Feishu gives them:
//   unknown hook id                      19001 "param invalid: incoming webhook access token invalid"
//   missing or wrong signature, or a
//   timestamp more than an hour off      19021 "sign match fail or timestamp is not within one hour
//                                              from current time"
//   not JSON, no or unknown msg_type,
//   a text message without content.text  9499 "Bad Request"
//   delivered                            0 "success" (with StatusCode 0, StatusMessage "success")
// Every post, delivered or not, is kept for state(): {"hook_id", "signed", "messages": [{"code",
// "msg_type", "text", "timestamp"}]}, oldest first.
//
// Thread-safety: none; the service serializes calls.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace hrsync::emulator {

struct BotReply {
  unsigned status = 200;
  std::int64_t code = 0;
  boost::json::object body;
};

class BotHook {
 public:
  // `secret` "" = signature verification off.
  BotHook(std::string hook_id, std::string secret) : hook_id_(std::move(hook_id)), secret_(std::move(secret)) {}

  // A post to `hook_id` with `body`, at Unix time `now`.
  BotReply post(std::string_view hook_id, std::string_view body, std::int64_t now);

  boost::json::object state() const;
  void reset() { messages_.clear(); }

 private:
  bool signature_ok(const boost::json::object& body, std::int64_t now) const;

  std::string hook_id_;
  std::string secret_;
  boost::json::array messages_;
};

// base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")), as the bot expects.
std::string bot_sign(std::string_view timestamp, std::string_view secret);

}  // namespace hrsync::emulator
