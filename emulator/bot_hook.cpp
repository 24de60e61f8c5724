#include "emulator/bot_hook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <cstdlib>
#include <optional>

#include <boost/json.hpp>

#include "base/base64.h"
#include "emulator/json_fields.h"

namespace hrsync::emulator {
namespace json = boost::json;
namespace {

constexpr std::int64_t kSkewS = 3600;  // a timestamp further than this from the clock is refused

BotReply refusal(std::int64_t code, std::string_view msg, unsigned status = 200) {
  return BotReply{status, code, json::object{{"code", code}, {"data", json::object{}}, {"msg", msg}}};
}

std::optional<std::int64_t> parse_seconds(std::string_view text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string bot_sign(std::string_view timestamp, std::string_view secret) {
  std::string key(timestamp);
  key += '\n';
  key += secret;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  static const unsigned char kEmpty = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), &kEmpty, 0, mac, &size);
  return base64(std::string_view(reinterpret_cast<const char*>(mac), size));
}

bool BotHook::signature_ok(const json::object& body, std::int64_t now) const {
  auto timestamp = string_member(body, "timestamp");
  auto sign = string_member(body, "sign");
  if (!timestamp || !sign) return false;
  auto seconds = parse_seconds(*timestamp);
  if (!seconds || std::llabs(now - *seconds) > kSkewS) return false;
  return *sign == bot_sign(*timestamp, secret_);
}

BotReply BotHook::post(std::string_view hook_id, std::string_view text, std::int64_t now) {
  BotReply reply;
  json::object record;
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  const json::object* body = ec ? nullptr : parsed.if_object();
  if (hook_id != hook_id_) {
    reply = refusal(19001, "param invalid: incoming webhook access token invalid");
  } else if (body == nullptr) {
    reply = refusal(9499, "Bad Request", 400);
  } else if (!secret_.empty() && !signature_ok(*body, now)) {
    reply = refusal(19021, "sign match fail or timestamp is not within one hour from current time");
  } else {
    auto msg_type = string_member(*body, "msg_type");
    const json::value* content = member(*body, "content");
    const json::value* card = member(*body, "card");
    const json::object* c = content != nullptr ? content->if_object() : nullptr;
    bool ok = false;
    if (msg_type == "text") {
      ok = c != nullptr && string_member(*c, "text").has_value();
    } else if (msg_type == "post" || msg_type == "image" || msg_type == "share_chat") {
      ok = c != nullptr;
    } else if (msg_type == "interactive") {
      ok = card != nullptr && card->is_object();
    }
    reply = ok ? BotReply{200, 0,
                          json::object{{"StatusCode", 0}, {"StatusMessage", "success"}, {"code", 0},
                                       {"data", json::object{}}, {"msg", "success"}}}
               : refusal(9499, "Bad Request", 400);
  }
  record["code"] = reply.code;
  if (body != nullptr) {
    if (auto t = string_member(*body, "msg_type")) record["msg_type"] = *t;
    if (const json::value* content = member(*body, "content"); content != nullptr && content->is_object()) {
      if (auto t = string_member(content->get_object(), "text")) record["text"] = *t;
    }
    if (auto t = string_member(*body, "timestamp")) record["timestamp"] = *t;
  }
  messages_.push_back(std::move(record));
  return reply;
}

json::object BotHook::state() const {
  return json::object{{"hook_id", hook_id_}, {"signed", !secret_.empty()}, {"messages", messages_}};
}

}  // namespace hrsync::emulator
