// The chat message: its text (counts, top failure codes, no entity keys), its signature, its body,
// and an unusable webhook URL reported without the URL (engine/run/chat_message.h).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "connectors/targets/feishu_bot.h"
#include "engine/run/chat_message.h"

namespace hrsync {
namespace {

namespace json = boost::json;

RunReport failed_run() {
  RunReport r;
  r.run_id = 12;
  r.command = "sync";
  r.started_at = 1'790'000'000;
  r.finished_at = 1'790'000'041;
  r.exit_code = 1;
  r.targets = {TargetTotals{{60, 57, 3, 0, 3, 1}, "contact_user", ""},
               TargetTotals{{60, 59, 1, 0, 0, 0}, "sophon_person", ""}};
  for (const char* key : {"u-0001", "u-0002"}) r.problems.add(OutcomeRow{"contact_user", key, "upsert", "failed", 41050, "no user authority error", "", 1});
  r.problems.add(OutcomeRow{"contact_user", "u-0003", "upsert", "failed", 41001, "mobile already exist", "", 1});
  r.problems.add(OutcomeRow{"sophon_person", "E0009", "upsert", "failed", 40401, "ID_NOT_FOUND", "", 1});
  return r;
}

TEST(NotifyTest, TheTextCarriesCountsAndTopCodesButNoEntityKeys) {
  const RunReport r = failed_run();
  const Notice n{"tenant-a", 1, &r, {}, "/etc/hrsync/tenant-a.toml"};
  const std::string text = notice_text(n, {});
  EXPECT_NE(text.find("hrsync tenant-a: some entities failed (exit 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("contact_user: 57 applied, 3 failed, 0 skipped of 60; 3 retries, 1 throttled"), std::string::npos) << text;
  EXPECT_NE(text.find("sophon_person: 59 applied, 1 failed"), std::string::npos) << text;
  const auto first = text.find("contact_user 41050 × 2: no user authority error");
  const auto second = text.find("contact_user 41001 × 1");
  ASSERT_NE(first, std::string::npos) << text;
  ASSERT_NE(second, std::string::npos) << text;
  EXPECT_LT(first, second) << "largest group first";
  EXPECT_NE(text.find("hrsync report --config /etc/hrsync/tenant-a.toml --run 12"), std::string::npos) << text;
  for (const char* key : {"u-0001", "u-0003", "E0009"}) EXPECT_EQ(text.find(key), std::string::npos) << key << "\n" << text;

  const std::string two = notice_text(n, {}, 2);
  EXPECT_EQ(two.find("40401"), std::string::npos) << two;
  EXPECT_NE(two.find("… and 1 more codes"), std::string::npos) << two;
}

TEST(NotifyTest, AGateStopSaysWhichGate) {
  const Notice n{"tenant-a", 3, nullptr, {"contact_user: 30 of 60 known entities are gone from the source"}, "job.toml"};
  const std::string text = notice_text(n, {});
  EXPECT_NE(text.find("stopped by a safety gate before any call (exit 3)"), std::string::npos) << text;
  EXPECT_NE(text.find("gate: contact_user: 30 of 60"), std::string::npos) << text;
}

TEST(NotifyTest, AnInterruptedRunSaysSo) {
  const Notice n{"tenant-a", 143, nullptr, {}, "job.toml"};
  const std::string text = notice_text(n, {});
  EXPECT_NE(text.find("hrsync tenant-a: interrupted by a signal; the next run sends the rest (exit 143)"), std::string::npos) << text;
}

TEST(NotifyTest, WhenDecidesWhichRunsArePosted) {
  NotifyConfig c;
  EXPECT_FALSE(should_notify(c, 1)) << "no [notify] section";
  c.enabled = true;
  EXPECT_FALSE(should_notify(c, 0));
  EXPECT_TRUE(should_notify(c, 1));
  EXPECT_TRUE(should_notify(c, 3));
  c.always = true;
  EXPECT_TRUE(should_notify(c, 0));
}

TEST(NotifyTest, SignAndBodyFollowTheCustomBotRules) {
  // python3 -c "import hmac,hashlib,base64; print(base64.b64encode(
  //   hmac.new(b'1599360473\nsecret-x', b'', hashlib.sha256).digest()).decode())"
  EXPECT_EQ(feishu_bot_sign(1599360473, "secret-x"), "4x8r8x5LoLNzlTgtSz6wG/O66/cf1AECcBsCsozx7eU=");

  const FeishuBotMessage bot;
  const Request request = bot.build_request("/open-apis/bot/v2/hook/h1", "line 1\n\"line\" 2", 1599360473, Secret("secret-x"));
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/open-apis/bot/v2/hook/h1");
  const json::object signed_body = json::parse(request.body()).as_object();
  EXPECT_EQ(signed_body.at("msg_type").as_string(), "text");
  EXPECT_EQ(signed_body.at("content").at("text").as_string(), "line 1\n\"line\" 2");
  EXPECT_EQ(signed_body.at("timestamp").as_string(), "1599360473") << "Unix seconds as a string";
  EXPECT_EQ(signed_body.at("sign").as_string(), "4x8r8x5LoLNzlTgtSz6wG/O66/cf1AECcBsCsozx7eU=");

  const json::object plain = json::parse(bot.build_request("/h", "x", 1599360473, Secret()).body()).as_object();
  EXPECT_FALSE(plain.contains("sign"));
  EXPECT_FALSE(plain.contains("timestamp"));
}

TEST(NotifyTest, AnUnusableUrlIsReportedWithoutTheUrl) {
  for (const char* url : {"open.feishu.cn/open-apis/bot/v2/hook/tok-9a7e", "https://open.feishu.cn",
                          "ftp://open.feishu.cn/open-apis/bot/v2/hook/tok-9a7e"}) {
    SecretRef ref;
    ref.key = "notify.webhook_url_file";
    ref.where = "job.toml:30 notify.webhook_url_file";
    ref.value = Secret(url);
    auto r = post_chat_message(ref, "x", 1599360473, Secret(), HttpConfig{});
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().kind, Error::Kind::kConfig);
    EXPECT_NE(r.error().str().find("notify.webhook_url_file"), std::string::npos) << r.error().str();
    EXPECT_EQ(r.error().str().find("tok-9a7e"), std::string::npos) << r.error().str();
    EXPECT_EQ(r.error().str().find("open.feishu.cn"), std::string::npos) << r.error().str();
  }
}

}  // namespace
}  // namespace hrsync
