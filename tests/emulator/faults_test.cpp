// Injected faults over loopback HTTP: user locks, internal errors per API, connection resets,
// stalls, token revocation, outage windows and schedules; and the control endpoints that arm them.
#include <string>
#include <vector>

#include "tests/emulator/emulator_harness.h"

namespace hrsync::emulator::testing {
namespace {
namespace json = boost::json;

FaultRule rule(const std::string& spec) {
  auto r = parse_fault_rule(spec);
  EXPECT_TRUE(r) << r.error().str();
  return r.value_or(FaultRule{});
}

class FaultsTest : public EmulatorHarness {
 protected:
  TestResult put_u1() { return put_user("u1", valid_user_body("u1")); }
  std::uint64_t fault_hits(const std::string& name) { return stats().at("faults").at(name).to_number<std::uint64_t>(); }
};

TEST_F(FaultsTest, LockFaultAnswers44025OnContactUserUpdatesOnly) {
  EmulatorOptions o;
  o.faults = {rule("lock=next:1")};
  start(std::move(o));
  EXPECT_FEISHU_OK(call("PATCH", "/open-apis/contact/v3/group/g1", json::object{{"name", "A2"}}));  // not eligible
  EXPECT_FEISHU_ERROR(put_u1(), 400u, 44025);
  EXPECT_FEISHU_OK(put_u1());
  EXPECT_EQ(fault_hits("lock"), 1u);
}

TEST_F(FaultsTest, ProbabilisticFaultsFollowTheSeed) {
  auto outcomes = [&](std::uint64_t seed) {
    EmulatorOptions o;
    o.seed = seed;
    o.rate_limits = false;
    o.faults = {rule("lock=0.5")};
    start(std::move(o));
    std::string seen;
    for (int i = 0; i < 40; ++i) seen += put_u1().response.status == 200 ? '.' : 'L';
    TearDown();
    return seen;
  };
  std::string a = outcomes(7), b = outcomes(7), c = outcomes(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a.find('L'), std::string::npos);
  EXPECT_NE(a.find('.'), std::string::npos);
}

TEST_F(FaultsTest, InternalErrorsUseEachApisDocumentedCode) {
  EmulatorOptions o;
  o.faults = {rule("internal=1")};
  start(std::move(o));
  EXPECT_FEISHU_ERROR(put_u1(), 500u, 40003);
  EXPECT_FEISHU_ERROR(call("PATCH", "/open-apis/contact/v3/group/g1", json::object{{"name", "X"}}), 500u, 40003);
  EXPECT_FEISHU_ERROR(call("POST", "/open-apis/attendance/v1/user_settings/modify?employee_type=employee_no",
                           json::object{{"user_setting", json::object{{"user_id", "E001"}, {"face_key", "k"}}}}),
                      500u, 1225000);
  EXPECT_FEISHU_ERROR(call("PATCH", "/open-apis/acs/v1/users/u1?user_id_type=user_id", json::object{{"feature", json::object{{"card", 1}}}}),
                      500u, 40003);
  auto s = client_->request("PUT", "/SophonFogSys/api/users", R"({"identity_id":"E001","info":{}})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(s.response.status, 500u);
  EXPECT_EQ(s.response.json().at("error").at("code").as_int64(), 50072);
  EXPECT_EQ(s.response.json().at("error").at("status").as_string(), "SERVER_PROCESS_FAILED");
  EXPECT_FALSE(fetch_token().empty()) << "the token endpoint is not hit by internal errors";
  EXPECT_EQ(fault_hits("internal"), 5u);
  EXPECT_TRUE(state().at("contact_user").as_object().empty());
}

TEST_F(FaultsTest, EveryNthAndEndpointFilter) {
  EmulatorOptions o;
  o.rate_limits = false;
  o.faults = {rule("internal=every:3@contact_user")};
  start(std::move(o));
  std::string seen;
  for (int i = 0; i < 7; ++i) seen += put_u1().response.status == 200 ? '.' : 'X';
  EXPECT_EQ(seen, "..X..X.");
  EXPECT_FEISHU_OK(call("PATCH", "/open-apis/contact/v3/group/g1", json::object{{"name", "X"}}));
}

TEST_F(FaultsTest, ScheduledWindowUsesTheEmulatorClock) {
  EmulatorOptions o;
  o.faults = {rule("internal=from:1010,for:5")};
  start(std::move(o));
  EXPECT_FEISHU_OK(put_u1());
  clock_->advance(12);
  EXPECT_FEISHU_ERROR(put_u1(), 500u, 40003);
  clock_->advance(4);
  EXPECT_FEISHU_OK(put_u1());
}

TEST_F(FaultsTest, ResetClosesTheConnectionWithoutAnAnswer) {
  EmulatorOptions o;
  o.faults = {rule("reset=next:1@contact_user")};
  start(std::move(o));
  auto r = put_u1();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.reset || r.closed) << r.error;
  EXPECT_FEISHU_OK(put_u1());  // the client reconnects
  EXPECT_EQ(stats().at("endpoints").at("contact_user").at("outcomes").at("reset").to_number<std::uint64_t>(), 1u);
  EXPECT_TRUE(state().at("contact_user").at("u1").is_object());
}

TEST_F(FaultsTest, StallNeverAnswersButTheServerGoesOn) {
  EmulatorOptions o;
  o.faults = {rule("stall=next:1@contact_user")};
  start(std::move(o));
  TestClient stalled("127.0.0.1", emu_->port());
  auto sent = stalled.send_only("PUT", "/open-apis/contact/v3/users/u1?user_id_type=user_id", json::serialize(valid_user_body("u1")),
                                {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}});
  ASSERT_TRUE(sent.ok);
  ASSERT_TRUE(eventually([&] { return fault_hits("stall") == 1; }));
  EXPECT_FEISHU_OK(put_u1());  // another connection is served (and u1 is not locked by the stalled one)
  EXPECT_EQ(stalled.available(), 0u);
  stalled.close();
  EXPECT_FEISHU_OK(put_u1());
}

TEST_F(FaultsTest, RevokeFaultInvalidatesTheTokenTheRequestCarries) {
  EmulatorOptions o;
  o.faults = {rule("revoke=next:1")};
  start(std::move(o));
  EXPECT_FEISHU_ERROR(put_u1(), 400u, 99991663);
  EXPECT_FEISHU_ERROR(put_u1(), 400u, 99991663);  // it stays revoked
  token_ = fetch_token();
  EXPECT_FEISHU_OK(put_u1());
}

TEST_F(FaultsTest, OutageAnswersEverything503ForItsWindow) {
  start();
  emu_->start_outage(30);
  auto r = put_u1();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.response.status, 503u);
  EXPECT_EQ(client_->request("POST", "/open-apis/auth/v3/tenant_access_token/internal", "{}").response.status, 503u);
  EXPECT_EQ(client_->request("PUT", "/SophonFogSys/api/users", "{}").response.status, 503u);
  EXPECT_EQ(client_->request("GET", "/_emulator/stats").response.status, 200u);  // control is never down
  clock_->advance(30);
  EXPECT_FEISHU_OK(put_u1());
  EXPECT_EQ(fault_hits("outage"), 3u);
}

TEST_F(FaultsTest, OutageFromOptions) {
  EmulatorOptions o;
  o.outage_at_s = 1005;
  o.outage_for_s = 10;
  start(std::move(o));
  EXPECT_FEISHU_OK(put_u1());
  clock_->advance(5);
  EXPECT_EQ(put_u1().response.status, 503u);
  clock_->advance(10);
  EXPECT_FEISHU_OK(put_u1());
}

TEST_F(FaultsTest, LatencyStillAnswers) {
  EmulatorOptions o;
  o.latency_min_ms = 1;
  o.latency_max_ms = 5;
  start(std::move(o));
  EXPECT_FEISHU_OK(put_u1());
}

TEST_F(FaultsTest, IdleConnectionsAreClosedWhenAnIdleTimeoutIsSet) {
  EmulatorOptions o;
  o.idle_timeout_s = 0.1;
  start(std::move(o));
  EXPECT_FEISHU_OK(put_u1());
  auto r = client_->read_response();  // nothing more is sent: the server closes the connection
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.closed || r.reset) << r.error;
  EXPECT_FEISHU_OK(put_u1());
}

TEST_F(FaultsTest, ControlEndpointArmsFaultsAndResets) {
  start();
  auto control = [&](const std::string& body) { return client_->request("POST", "/_emulator/faults", body); };
  EXPECT_EQ(control(R"({"add":["internal=next:1@contact_group"]})").response.status, 200u);
  EXPECT_FEISHU_ERROR(call("PATCH", "/open-apis/contact/v3/group/g1", json::object{{"name", "X"}}), 500u, 40003);
  auto bad = control(R"({"add":["flood=1"]})");
  EXPECT_EQ(bad.response.status, 400u);
  EXPECT_NE(bad.response.body.find("flood"), std::string::npos);
  EXPECT_EQ(control(R"({"revoke_tokens":true})").response.status, 200u);
  EXPECT_FEISHU_ERROR(put_u1(), 400u, 99991663);
  token_ = fetch_token();
  EXPECT_EQ(control(R"({"outage_s":5,"latency_ms":[0,1]})").response.status, 200u);
  EXPECT_EQ(put_u1().response.status, 503u);
  EXPECT_EQ(control(R"({"clear":true})").response.status, 200u);
  EXPECT_FEISHU_OK(put_u1());

  EXPECT_FALSE(state().at("contact_user").as_object().empty());
  EXPECT_EQ(client_->request("POST", "/_emulator/reset").response.status, 200u);
  EXPECT_TRUE(state().at("contact_user").as_object().empty());
  EXPECT_EQ(stats().at("requests").to_number<std::uint64_t>(), 0u);
  EXPECT_FEISHU_OK(put_u1());  // tokens survive a reset
}

}  // namespace
}  // namespace hrsync::emulator::testing
