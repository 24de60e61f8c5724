// The custom bot's chat message: its request (signed as the bot asks) and its answers, judged by
// the code that judges every Feishu envelope, row by row of its table.
#include <gtest/gtest.h>

#include <string>

#include "connectors/targets/feishu_bot.h"

namespace hrsync {
namespace {

const FeishuBotMessage kBot{};

TEST(FeishuBot, TheSignatureIsTheBotsHmac) {
  // python3 -c "import hmac,hashlib,base64; print(base64.b64encode(
  //   hmac.new(b'1599360473\nsecret-x', b'', hashlib.sha256).digest()).decode())"
  EXPECT_EQ(feishu_bot_sign(1599360473, "secret-x"), "4x8r8x5LoLNzlTgtSz6wG/O66/cf1AECcBsCsozx7eU=");
}

TEST(FeishuBot, TheRequestPostsTheTextToTheHookSignedWhenThereIsASecret) {
  const Request plain = kBot.build_request("/open-apis/bot/v2/hook/h1", "run \"7\"\nok", 1599360473, Secret());
  EXPECT_EQ(plain.method, "POST");
  EXPECT_EQ(plain.target, "/open-apis/bot/v2/hook/h1");
  EXPECT_EQ(plain.body(), R"({"content":{"text":"run \"7\"\nok"},"msg_type":"text"})");
  const Request signed_request = kBot.build_request("/h", "x", 1599360473, Secret("secret-x"));
  EXPECT_EQ(signed_request.body(),
            R"({"content":{"text":"x"},"msg_type":"text","sign":"4x8r8x5LoLNzlTgtSz6wG/O66/cf1AECcBsCsozx7eU=",)"
            R"("timestamp":"1599360473"})");
  EXPECT_EQ(kBot.endpoint(), "POST /open-apis/bot/v2/hook/:hook_id");
}

TEST(FeishuBot, EveryRowOfItsTableClassifiesAsItSays) {
  ASSERT_FALSE(kBot.codes().empty());
  for (const CodeRule& row : kBot.codes()) {
    const int status = row.http_status != 0 ? row.http_status : 200;
    const std::string body = R"({"code":)" + std::to_string(row.code) + R"(,"msg":"m"})";
    const Verdict v = kBot.classify(status, body);
    EXPECT_EQ(v.disposition, row.disposition) << row.code;
    EXPECT_EQ(v.code, row.code);
    EXPECT_TRUE(v.documented) << row.code;
  }
}

TEST(FeishuBot, DeliveredIsCodeZeroAndAnythingElseIsNot) {
  EXPECT_EQ(kBot.classify(200, R"({"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"})")
                .disposition,
            Disposition::kSuccess);
  const Verdict refused = kBot.classify(200, R"({"code":19021,"msg":"sign match fail"})");
  EXPECT_EQ(refused.disposition, Disposition::kPermanent);
  EXPECT_EQ(refused.message, "sign match fail");
  const Verdict page = kBot.classify(502, "<html>bad gateway</html>");
  EXPECT_EQ(page.code, -1);
  EXPECT_EQ(page.disposition, Disposition::kRetry);
}

}  // namespace
}  // namespace hrsync
