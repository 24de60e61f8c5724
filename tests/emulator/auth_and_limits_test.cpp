// The token endpoint, token checks on business calls, and the rate limits counted in sliding
// windows, over loopback HTTP with a ManualClock (no test sleeps).
#include <string>

#include "tests/emulator/emulator_harness.h"

namespace hrsync::emulator::testing {
namespace {
namespace json = boost::json;

const std::string kTokenPath = "/open-apis/auth/v3/tenant_access_token/internal";
const std::string kUser1 = "/open-apis/contact/v3/users/u1?user_id_type=user_id";

class AuthTest : public EmulatorHarness {
 protected:
  TestResult ask_token(const std::string& body) {
    return client_->request("POST", kTokenPath, body, {{"Content-Type", "application/json; charset=utf-8"}});
  }
};

TEST_F(AuthTest, TokenEndpointAnswersAtTopLevelAndRefusesBadCredentials) {
  start();
  auto r = ask_token(R"({"app_id":"cli_demo","app_secret":"demo-secret"})");
  ASSERT_TRUE(r.ok);
  auto j = r.response.json();
  EXPECT_EQ(j.at("code").as_int64(), 0);
  EXPECT_TRUE(j.at("tenant_access_token").as_string().starts_with("t-"));
  EXPECT_EQ(j.at("expire").as_int64(), 7200);
  EXPECT_FALSE(j.as_object().contains("data"));

  auto wrong_secret = ask_token(R"({"app_id":"cli_demo","app_secret":"nope"})");
  EXPECT_FEISHU_ERROR(wrong_secret, 400u, 10014);
  EXPECT_FEISHU_ERROR(ask_token(R"({"app_id":"cli_other","app_secret":"demo-secret"})"), 400u, 10003);
  EXPECT_FEISHU_ERROR(ask_token(R"({"app_id":"cli_demo"})"), 400u, 10003);
  EXPECT_EQ(wrong_secret.response.body.find("demo-secret"), std::string::npos);
  EXPECT_EQ(emu_->stats_json().find("demo-secret"), std::string::npos);
}

TEST_F(AuthTest, BusinessCallsCheckTheBearerToken) {
  start();
  auto body = json::serialize(valid_user_body("u1"));
  EXPECT_FEISHU_ERROR(call("PUT", kUser1, body, ""), 400u, 99991661);
  auto basic = client_->request("PUT", kUser1, body, {{"Authorization", "Basic abc"}, {"Content-Type", "application/json"}});
  EXPECT_FEISHU_ERROR(basic, 400u, 99991671);
  EXPECT_FEISHU_ERROR(call("PUT", kUser1, body, "u-not-a-tenant-token"), 400u, 99991671);
  EXPECT_FEISHU_ERROR(call("PUT", kUser1, body, "t-0123456789abcdef0123456789abcdef"), 400u, 99991663);
  EXPECT_FEISHU_OK(call("PUT", kUser1, body));
}

TEST_F(AuthTest, TokensExpireAndAreReusedWhileMoreThanAQuarterRemains) {
  EmulatorOptions o;
  o.token_lifetime_s = 100;
  start(std::move(o));
  auto body = json::serialize(valid_user_body("u1"));
  std::string first = token_;
  clock_->advance(50);
  auto again = ask_token(R"({"app_id":"cli_demo","app_secret":"demo-secret"})").response.json();
  EXPECT_EQ(again.at("tenant_access_token").as_string(), first);
  EXPECT_EQ(again.at("expire").as_int64(), 50);
  clock_->advance(30);  // 20 s left: less than a quarter
  auto fresh = ask_token(R"({"app_id":"cli_demo","app_secret":"demo-secret"})").response.json();
  std::string second(fresh.at("tenant_access_token").as_string());
  EXPECT_NE(second, first);
  EXPECT_EQ(fresh.at("expire").as_int64(), 100);
  EXPECT_FEISHU_OK(call("PUT", kUser1, body, first));  // both stay valid
  EXPECT_FEISHU_OK(call("PUT", kUser1, body, second));
  clock_->advance(20);  // first expires
  EXPECT_FEISHU_ERROR(call("PUT", kUser1, body, first), 400u, 99991663);
  EXPECT_FEISHU_OK(call("PUT", kUser1, body, second));
}

TEST_F(AuthTest, RevokedTokensAreRefused) {
  start();
  auto body = json::serialize(valid_user_body("u1"));
  emu_->revoke_tokens();
  EXPECT_FEISHU_ERROR(call("PUT", kUser1, body), 400u, 99991663);
  token_ = fetch_token();
  EXPECT_FEISHU_OK(call("PUT", kUser1, body));
}

class RateLimitTest : public EmulatorHarness {
 protected:
  TestResult put_u1() { return put_user("u1", valid_user_body("u1")); }

  // The stats row of one tier ("contact_user", "5/s").
  json::object tier(const std::string& limit, const std::string& label) {
    json::value all = stats();
    for (const auto& t : all.at("limits").as_array()) {
      if (t.at("limit").as_string() == limit && t.at("tier").as_string() == label) return t.as_object();
    }
    ADD_FAILURE() << "no tier " << limit << " " << label;
    return {};
  }
};

void expect_throttled(const TestResult& r, const std::string& limit, const std::string& reset) {
  EXPECT_FEISHU_ERROR(r, 429u, 99991400);
  EXPECT_EQ(r.response.header("x-ogw-ratelimit-limit"), limit);
  EXPECT_EQ(r.response.header("x-ogw-ratelimit-reset"), reset);
}

TEST_F(RateLimitTest, PerSecondTierThrottlesTheRequestOverTheLimit) {
  EmulatorOptions o;
  o.rate_scale = 0.1;  // contact user: 5/s and 100/min
  start(std::move(o));
  for (int i = 0; i < 5; ++i) EXPECT_FEISHU_OK(put_u1());
  expect_throttled(put_u1(), "5", "1");
  clock_->advance(0.5);
  expect_throttled(put_u1(), "5", "1");
  clock_->advance(0.5);  // the first five leave the window
  EXPECT_FEISHU_OK(put_u1());

  auto t = tier("contact_user", "5/s");
  EXPECT_EQ(t.at("throttled").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(t.at("max_in_window").to_number<std::uint64_t>(), 7u);  // arrivals in (t-1, t], throttled included
  EXPECT_EQ(stats().at("endpoints").at("contact_user").at("throttled").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(stats().at("throttled").to_number<std::uint64_t>(), 2u);
}

TEST_F(RateLimitTest, PerMinuteTierCountsInASlidingWindow) {
  EmulatorOptions o;
  o.rate_scale = 0.1;
  start(std::move(o));
  for (int i = 0; i < 100; ++i) {
    EXPECT_FEISHU_OK(put_u1());
    clock_->advance(0.25);  // 4/s: under the 5/s tier
  }
  expect_throttled(put_u1(), "100", "35");  // the oldest of the 100 leaves 60 s after it came, 35 s from now
  clock_->advance(35);
  EXPECT_FEISHU_OK(put_u1());
  EXPECT_EQ(tier("contact_user", "100/min").at("max_in_window").to_number<std::uint64_t>(), 101u);
}

TEST_F(RateLimitTest, WindowsSlideRatherThanResetOnTheMinute) {
  EmulatorOptions o;
  o.rate_scale = 0.05;  // contact group: 5/min
  start(std::move(o));
  clock_->advance(70);  // t = 1070
  auto patch = [&] { return call("PATCH", "/open-apis/contact/v3/group/g1", json::object{{"description", "d"}}); };
  for (int i = 0; i < 5; ++i) EXPECT_FEISHU_OK(patch());
  clock_->advance(11);  // t = 1081: a fixed window would have restarted at 1080
  expect_throttled(patch(), "5", "49");
  clock_->advance(48.99);
  expect_throttled(patch(), "5", "1");
  clock_->advance(0.02);
  EXPECT_FEISHU_OK(patch());
}

TEST_F(RateLimitTest, PatchOfDepartmentsOrFrozenIsLimitedToOnePerSecond) {
  start();
  EXPECT_FEISHU_OK(patch_user("u1", json::object{{"department_ids", json::array{"od-1"}}}));
  expect_throttled(patch_user("u2", json::object{{"is_frozen", false}}), "1", "1");
  EXPECT_FEISHU_OK(patch_user("u2", json::object{{"city", "杭州"}}));  // other fields: only 50/s
  EXPECT_FEISHU_OK(put_user("u2", valid_user_body("u2")));            // PUT is not limited this way
  clock_->advance(1);
  EXPECT_FEISHU_OK(patch_user("u2", json::object{{"is_frozen", false}}));
  EXPECT_EQ(tier("contact_user.dept_or_frozen", "1/s").at("throttled").to_number<std::uint64_t>(), 1u);
}

TEST_F(RateLimitTest, AttendanceAcsAndSophonLimits) {
  EmulatorOptions o;
  o.rate_scale = 0.04;  // attendance: 2/s
  o.acs_rate = {{50, 1}};  // scaled: 2/s
  o.sophon_rate = {{25, 1}};  // scaled: 1/s
  start(std::move(o));
  json::object setting{{"user_setting", json::object{{"user_id", "E001"}, {"face_key", "k"}}}};
  auto attendance = [&] { return call("POST", "/open-apis/attendance/v1/user_settings/modify?employee_type=employee_no", setting); };
  EXPECT_FEISHU_OK(attendance());
  EXPECT_FEISHU_OK(attendance());
  expect_throttled(attendance(), "2", "1");

  json::object card{{"feature", json::object{{"card", 1}}}};
  auto acs = [&] { return call("PATCH", "/open-apis/acs/v1/users/u1?user_id_type=user_id", card); };
  EXPECT_FEISHU_OK(acs());
  EXPECT_FEISHU_OK(acs());
  expect_throttled(acs(), "2", "1");

  auto sophon = [&] {
    return client_->request("PUT", "/SophonFogSys/api/users", R"({"identity_id":"E001","info":{}})", {{"Content-Type", "application/json"}});
  };
  EXPECT_EQ(sophon().response.status, 200u);
  auto r = sophon();
  EXPECT_EQ(r.response.status, 429u);
  EXPECT_EQ(r.response.json().at("error").at("code").as_int64(), 42900);
  EXPECT_EQ(r.response.header("retry-after"), "1");
  EXPECT_EQ(r.response.header("x-ogw-ratelimit-limit"), "1");
}

TEST_F(RateLimitTest, NoLimitsLiftsEveryTier) {
  EmulatorOptions o;
  o.rate_limits = false;
  start(std::move(o));
  for (int i = 0; i < 120; ++i) ASSERT_EQ(put_u1().response.status, 200u) << i;
  EXPECT_EQ(stats().at("throttled").to_number<std::uint64_t>(), 0u);
}

}  // namespace
}  // namespace hrsync::emulator::testing
