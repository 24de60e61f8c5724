// The network in front of the gateway, over loopback HTTP: the inbound delay that makes the rate
// limit count a request at its arrival (not at its sending), the order of held requests on one
// keep-alive connection, and the throttle fault whose x-ogw-ratelimit-reset can be absurd.
#include <string>

#include "tests/emulator/emulator_harness.h"

namespace hrsync::emulator::testing {
namespace {
namespace json = boost::json;

const std::string kAttendance = "/open-apis/attendance/v1/user_settings/modify?employee_type=employee_no";

json::object face(const std::string& employee_no, const std::string& key) {
  return json::object{{"user_setting", json::object{{"user_id", employee_no}, {"face_key", key}}}};
}

FaultRule rule(const std::string& spec) {
  auto r = parse_fault_rule(spec);
  EXPECT_TRUE(r) << r.error().str();
  return r.value_or(FaultRule{});
}

class NetworkTest : public EmulatorHarness {
 protected:
  Headers auth() const {
    return {{"Content-Type", "application/json; charset=utf-8"}, {"Authorization", "Bearer " + token_}};
  }
  std::uint64_t endpoint_requests(const std::string& endpoint) {
    const json::value s = stats();
    const json::object& e = s.at("endpoints").as_object();
    return e.contains(endpoint) ? e.at(endpoint).at("requests").to_number<std::uint64_t>() : 0;
  }
};

TEST_F(NetworkTest, AHeldRequestIsCountedWhenItArrivesNotWhenItWasSent) {
  EmulatorOptions o;
  o.threads = 1;
  o.rate_scale = 0.02;  // attendance: 1/s
  o.inbound_jitter_min_ms = o.inbound_jitter_max_ms = 1500;
  start(std::move(o));

  EXPECT_FEISHU_OK(call("POST", kAttendance, face("E001", "k1")));  // counted at t = 1000
  clock_->advance(0.5);
  TestClient second("127.0.0.1", emu_->port());
  ASSERT_TRUE(second.send_only("POST", kAttendance, json::serialize(face("E002", "k2")), auth()).ok);
  // Sent at t = 1000.5, inside the first request's window. While it travels, the one server
  // thread still answers (the hold is a timer) and has not counted it yet.
  EXPECT_EQ(endpoint_requests("attendance_face"), 1u);
  clock_->advance(0.7);  // it arrives at t = 1001.2: the window of the first one has passed
  TestResult late = second.read_response();
  EXPECT_FEISHU_OK(late);
  EXPECT_EQ(endpoint_requests("attendance_face"), 2u);
  EXPECT_EQ(stats().at("throttled").to_number<int>(), 0);
}

TEST_F(NetworkTest, HeldRequestsOnOneConnectionKeepTheirOrder) {
  EmulatorOptions o;
  o.rate_limits = false;
  o.inbound_jitter_min_ms = 0;
  o.inbound_jitter_max_ms = 40;
  start(std::move(o));
  for (int round = 0; round < 8; ++round) {
    // Three updates of one user pipelined on one connection: each is handled after the one
    // before it was answered, so none collides (44025) and the last one sent is the one held.
    for (const char* name : {"A", "B", "C"}) {
      json::object body = valid_user_body("u1");
      body["name"] = std::string(name) + std::to_string(round);
      ASSERT_TRUE(client_->send_only("PUT", "/open-apis/contact/v3/users/u1?user_id_type=user_id", json::serialize(body), auth()).ok);
    }
    for (const char* name : {"A", "B", "C"}) {
      TestResult r = client_->read_response();
      EXPECT_FEISHU_OK(r);
      EXPECT_EQ(r.response.json().at("data").at("user").at("name").as_string(), std::string(name) + std::to_string(round));
    }
    EXPECT_EQ(state().at("contact_user").at("u1").at("name").as_string(), "C" + std::to_string(round));
  }
}

TEST_F(NetworkTest, InboundJitterCanBeSetAtRunTimeAndSparesTheControlEndpoints) {
  start();
  auto set = client_->request("POST", "/_emulator/faults", R"({"inbound_jitter_ms": [1500, 1500]})");
  ASSERT_EQ(set.response.status, 200u) << set.response.body;
  TestClient second("127.0.0.1", emu_->port());
  ASSERT_TRUE(second.send_only("POST", kAttendance, json::serialize(face("E001", "k1")), auth()).ok);
  // The control endpoints answer at once while the business request is still on its way.
  auto s = client_->request("GET", "/_emulator/stats");
  ASSERT_EQ(s.response.status, 200u);
  EXPECT_EQ(json::parse(s.response.body).at("endpoints").at("attendance_face").at("requests").to_number<int>(), 0);
  EXPECT_FEISHU_OK(second.read_response());
  EXPECT_EQ(endpoint_requests("attendance_face"), 1u);
  auto bad = client_->request("POST", "/_emulator/faults", R"({"inbound_jitter_ms": 5})");
  EXPECT_EQ(bad.response.status, 400u);
}

TEST_F(NetworkTest, TheRealLimitsResetHeaderSaysWholeSecondsUntilThereIsRoom) {
  EmulatorOptions o;
  o.rate_scale = 0.02;  // attendance: 1/s
  start(std::move(o));
  EXPECT_FEISHU_OK(call("POST", kAttendance, face("E001", "k1")));
  clock_->advance(0.25);
  TestResult r = call("POST", kAttendance, face("E002", "k2"));
  EXPECT_FEISHU_ERROR(r, 429u, 99991400);
  EXPECT_EQ(r.response.header("x-ogw-ratelimit-limit"), "1");
  EXPECT_EQ(r.response.header("x-ogw-ratelimit-reset"), "1");  // 0.75 s, rounded up
}

// docs/api-notes.md, "Throttling": 429, or 400 with 99991400 on older APIs; the token endpoint is
// throttled only by a rule that names it.
TEST_F(NetworkTest, ThrottleFaultReachesTheTokenEndpointAndCanAnswerHttp400) {
  EmulatorOptions o;
  o.faults = {rule("throttle=next:1,status:400@contact_user")};
  start(std::move(o));
  auto control = [&](const std::string& body) { return client_->request("POST", "/_emulator/faults", body); };
  ASSERT_EQ(control(R"({"add":["throttle=next:1,reset:3@token"]})").response.status, 200u);
  auto ask = [&] {
    return client_->request("POST", "/open-apis/auth/v3/tenant_access_token/internal",
                            R"({"app_id":"cli_demo","app_secret":"demo-secret"})",
                            {{"Content-Type", "application/json; charset=utf-8"}});
  };
  TestResult first = ask();
  EXPECT_FEISHU_ERROR(first, 429u, 99991400);
  EXPECT_EQ(first.response.header("x-ogw-ratelimit-reset"), "3");
  EXPECT_EQ(first.response.header("x-ogw-ratelimit-limit"), "") << "the token endpoint announces no limit";
  ASSERT_EQ(control(R"({"add":["throttle=next:1,reset:2,status:400@token"]})").response.status, 200u);
  TestResult second = ask();
  EXPECT_FEISHU_ERROR(second, 400u, 99991400);
  EXPECT_EQ(second.response.header("x-ogw-ratelimit-reset"), "2");
  EXPECT_FALSE(fetch_token().empty()) << "next:1 each: the third request gets its token";

  TestResult old_api = put_user("u1", valid_user_body("u1"));
  EXPECT_FEISHU_ERROR(old_api, 400u, 99991400);
  EXPECT_EQ(old_api.response.header("x-ogw-ratelimit-reset"), "1");
  EXPECT_FEISHU_OK(put_user("u1", valid_user_body("u1")));

  const json::value s = stats();
  EXPECT_EQ(s.at("faults").at("throttle").to_number<int>(), 3);
  EXPECT_EQ(s.at("endpoints").at("token").at("throttled").to_number<int>(), 2);
  EXPECT_EQ(s.at("endpoints").at("contact_user").at("throttled").to_number<int>(), 1) << "a 400 throttle counts";
}

TEST_F(NetworkTest, ThrottleFaultSendsTheResetItIsToldToEvenAnAbsurdOne) {
  EmulatorOptions o;
  o.faults = {rule("throttle=next:1,reset:1e9@attendance_face"), rule("throttle=next:1,reset:unix@contact_user"),
              rule("throttle=next:1@sophon_person")};
  start(std::move(o));

  TestResult billion = call("POST", kAttendance, face("E001", "k1"));
  EXPECT_FEISHU_ERROR(billion, 429u, 99991400);
  EXPECT_EQ(billion.response.header("x-ogw-ratelimit-reset"), "1000000000");
  EXPECT_EQ(billion.response.header("x-ogw-ratelimit-limit"), "50");
  EXPECT_FEISHU_OK(call("POST", kAttendance, face("E001", "k1")));  // next:1: only once

  TestResult unix_time = put_user("u1", valid_user_body("u1"));
  EXPECT_FEISHU_ERROR(unix_time, 429u, 99991400);
  EXPECT_GT(std::stoll(unix_time.response.header("x-ogw-ratelimit-reset")), 1700000000LL)  // after Nov 2023
      << unix_time.response.header("x-ogw-ratelimit-reset");
  EXPECT_FEISHU_OK(put_user("u1", valid_user_body("u1")));

  auto sophon = client_->request("PUT", "/SophonFogSys/api/users", R"({"identity_id":"E001","info":{}})",
                                 {{"Content-Type", "application/json"}});
  EXPECT_EQ(sophon.response.status, 429u);
  EXPECT_EQ(sophon.response.json().at("error").at("code").as_int64(), 42900);
  EXPECT_EQ(sophon.response.header("x-ogw-ratelimit-reset"), "1");
  EXPECT_EQ(sophon.response.header("retry-after"), "1");

  const json::value s = stats();
  EXPECT_EQ(s.at("faults").at("throttle").to_number<int>(), 3);
  // A forced 429 consumes nothing: the window holds only the admitted requests.
  for (const auto& tier : s.at("limits").as_array()) {
    if (tier.at("limit").as_string() != "attendance_face") continue;
    EXPECT_EQ(tier.at("admitted").to_number<int>(), 1);
  }
}

}  // namespace
}  // namespace hrsync::emulator::testing
