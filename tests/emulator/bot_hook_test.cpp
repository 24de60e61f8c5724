// The custom bot webhook: the hook id, the signature (HMAC-SHA256 over an empty message keyed by
// timestamp + "\n" + secret), the hour of clock skew it allows, the message shapes it takes, and
// what it keeps for /_emulator/bot.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "emulator/bot_hook.h"
#include "emulator/route.h"

namespace hrsync::emulator {
namespace {

namespace json = boost::json;

constexpr std::int64_t kNow = 1'790'000'000;

std::string text_body(std::string_view text, std::string_view timestamp = {}, std::string_view sign = {}) {
  json::object o{{"msg_type", "text"}, {"content", json::object{{"text", text}}}};
  if (!timestamp.empty()) o["timestamp"] = timestamp;
  if (!sign.empty()) o["sign"] = sign;
  return json::serialize(o);
}

TEST(BotHookTest, SignIsBase64OfHmacSha256KeyedByTimestampAndSecret) {
  // Reference: python3 -c "import hmac,hashlib,base64; print(base64.b64encode(
  //   hmac.new(b'1599360473\nsecret-x', b'', hashlib.sha256).digest()).decode())"
  EXPECT_EQ(bot_sign("1599360473", "secret-x"), "4x8r8x5LoLNzlTgtSz6wG/O66/cf1AECcBsCsozx7eU=");
}

TEST(BotHookTest, RoutesPostsToTheHookPath) {
  const Route r = route("POST", "/open-apis/bot/v2/hook/abc-123");
  EXPECT_EQ(r.endpoint, Endpoint::kBotHook);
  EXPECT_EQ(r.path_id, "abc-123");
  EXPECT_EQ(route("GET", "/open-apis/bot/v2/hook/abc-123").endpoint, Endpoint::kUnknown);
  EXPECT_EQ(endpoint_name(Endpoint::kBotHook), "bot_hook");
}

TEST(BotHookTest, ASignedHookTakesOnlyAFreshCorrectSignature) {
  BotHook hook("h1", "s3");
  const std::string ts = std::to_string(kNow - 10);
  EXPECT_EQ(hook.post("h1", text_body("hello", ts, bot_sign(ts, "s3")), kNow).code, 0);
  EXPECT_EQ(hook.post("h1", text_body("wrong secret", ts, bot_sign(ts, "other")), kNow).code, 19021);
  EXPECT_EQ(hook.post("h1", text_body("unsigned"), kNow).code, 19021);
  const std::string old = std::to_string(kNow - 3601);
  EXPECT_EQ(hook.post("h1", text_body("an hour late", old, bot_sign(old, "s3")), kNow).code, 19021);
  const std::string ahead = std::to_string(kNow + 3601);
  EXPECT_EQ(hook.post("h1", text_body("an hour early", ahead, bot_sign(ahead, "s3")), kNow).code, 19021);
  const auto refused = hook.post("h1", text_body("x", ts, "bad"), kNow);
  EXPECT_EQ(refused.status, 200u);
  EXPECT_EQ(json::value_to<std::string>(refused.body.at("msg")),
            "sign match fail or timestamp is not within one hour from current time");
}

TEST(BotHookTest, RefusesUnknownHooksAndMalformedMessages) {
  BotHook hook("h1", "");
  EXPECT_EQ(hook.post("h2", text_body("x"), kNow).code, 19001);
  EXPECT_EQ(hook.post("h1", "not json", kNow).code, 9499);
  EXPECT_EQ(hook.post("h1", R"({"msg_type":"text","content":{}})", kNow).code, 9499);
  EXPECT_EQ(hook.post("h1", R"({"msg_type":"telegram","content":{"text":"x"}})", kNow).code, 9499);
  const auto ok = hook.post("h1", text_body("unsigned is fine without a secret"), kNow);
  EXPECT_EQ(ok.code, 0);
  EXPECT_EQ(ok.body.at("StatusCode").as_int64(), 0);
}

TEST(BotHookTest, KeepsEveryPostWithItsAnswer) {
  BotHook hook("h1", "s3");
  const std::string ts = std::to_string(kNow);
  hook.post("h1", text_body("first", ts, bot_sign(ts, "s3")), kNow);
  hook.post("h1", text_body("second", ts, "forged"), kNow);
  const json::object st = hook.state();
  EXPECT_EQ(st.at("hook_id").as_string(), "h1");
  EXPECT_TRUE(st.at("signed").as_bool());
  const json::array& m = st.at("messages").as_array();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].at("code").as_int64(), 0);
  EXPECT_EQ(m[0].at("text").as_string(), "first");
  EXPECT_EQ(m[0].at("timestamp").as_string(), ts);
  EXPECT_EQ(m[1].at("code").as_int64(), 19021);
  EXPECT_EQ(m[1].at("text").as_string(), "second");
  hook.reset();
  EXPECT_TRUE(hook.state().at("messages").as_array().empty());
}

}  // namespace
}  // namespace hrsync::emulator
