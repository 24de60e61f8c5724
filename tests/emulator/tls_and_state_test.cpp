// TLS with a certificate made for the run (verification included), the state and stats shapes,
// fixtures loaded at run time and from the sample HR CSV.
#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "emulator/tls_material.h"
#include "tests/emulator/emulator_harness.h"

namespace hrsync::emulator::testing {
namespace {
namespace json = boost::json;

class TlsTest : public EmulatorHarness {};

TEST_F(TlsTest, ClientTrustingTheRunsCaConnectsOthersAreRefused) {
  EmulatorOptions o;
  o.tls = true;
  o.clock = clock_;
  o.fixture = standard_fixture();
  Emulator emu(std::move(o));
  ASSERT_TRUE(emu.start());
  EXPECT_EQ(emu.base_url(), "https://localhost:" + std::to_string(emu.port()));
  ASSERT_NE(emu.ca_pem().find("BEGIN CERTIFICATE"), std::string::npos);

  const std::string body = R"({"app_id":"cli_demo","app_secret":"demo-secret"})";
  const Headers json_type{{"Content-Type", "application/json"}};
  const std::string path = "/open-apis/auth/v3/tenant_access_token/internal";
  TestClient trusting("127.0.0.1", emu.port(), emu.ca_pem(), "localhost");
  auto ok = trusting.request("POST", path, body, json_type);
  ASSERT_TRUE(ok.ok) << ok.error;
  EXPECT_EQ(ok.response.status, 200u);
  auto again = trusting.request("POST", path, body, json_type);  // keep-alive over TLS
  EXPECT_TRUE(again.ok) << again.error;

  TestClient by_ip("127.0.0.1", emu.port(), emu.ca_pem(), "127.0.0.1");
  EXPECT_TRUE(by_ip.request("POST", path, body, json_type).ok);

  TestClient wrong_name("127.0.0.1", emu.port(), emu.ca_pem(), "open.feishu.cn");
  auto refused = wrong_name.request("POST", path, body, json_type);
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.error.find("handshake"), std::string::npos) << refused.error;

  auto other_ca = make_tls_material({"localhost"});
  ASSERT_TRUE(other_ca);
  TestClient untrusting("127.0.0.1", emu.port(), other_ca->ca_pem, "localhost");
  EXPECT_FALSE(untrusting.request("POST", path, body, json_type).ok);

  TestClient plain("127.0.0.1", emu.port());
  EXPECT_FALSE(plain.request("POST", path, body, json_type).ok);
}

class StateTest : public EmulatorHarness {};

TEST_F(StateTest, ManyConcurrentKeepAliveConnectionsOnSeveralThreads) {
  EmulatorOptions o;
  o.threads = 2;
  o.rate_limits = false;
  start(std::move(o));
  constexpr int kConnections = 24, kEach = 25;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kConnections; ++c) {
    clients.emplace_back([&, c] {
      TestClient client("127.0.0.1", emu_->port());
      std::string body = json::serialize(json::object{
          {"user_setting", json::object{{"user_id", c % 2 ? "E001" : "E002"}, {"face_key", "k" + std::to_string(c)}}}});
      for (int i = 0; i < kEach; ++i) {
        auto r = client.request("POST", "/open-apis/attendance/v1/user_settings/modify?employee_type=employee_no", body,
                                {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}});
        if (r.ok && r.response.status == 200) ++answered;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(answered.load(), kConnections * kEach);
  EXPECT_EQ(stats().at("endpoints").at("attendance_face").at("outcomes").at("0").to_number<int>(), kConnections * kEach);
}

TEST_F(StateTest, StateHoldsTheFiveTargetsAndStatsCountOutcomes) {
  start();
  EXPECT_FEISHU_OK(put_user("u1", valid_user_body("u1")));
  EXPECT_FEISHU_ERROR(put_user("u9", valid_user_body("u1")), 400u, 41050);
  auto s = json::parse(client_->request("GET", "/_emulator/state").response.body).as_object();
  EXPECT_EQ(s.size(), 5u);
  for (const char* k : {"contact_user", "contact_group", "attendance_face", "acs_card", "sophon_person"}) {
    EXPECT_TRUE(s.at(k).is_object()) << k;
  }
  EXPECT_EQ(s.at("contact_user").as_object().size(), 1u);
  auto st = json::parse(client_->request("GET", "/_emulator/stats").response.body);
  auto user = st.at("endpoints").at("contact_user");
  EXPECT_EQ(user.at("requests").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(user.at("outcomes").at("0").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(user.at("outcomes").at("41050").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(st.at("endpoints").at("token").at("requests").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(st.at("tokens_issued").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(st.at("entities").at("contact_user").to_number<std::uint64_t>(), 6u);
}

TEST_F(StateTest, FixtureCanBeReplacedAtRunTime) {
  start();
  Fixture f;
  f.users = {{.user_id = "x1", .mobile = "13077777777", .department_ids = {"od-7"}}};
  auto r = client_->request("PUT", "/_emulator/fixture", fixture_to_json(f));
  ASSERT_EQ(r.response.status, 200u) << r.response.body;
  EXPECT_FEISHU_ERROR(put_user("u1", valid_user_body("u1")), 400u, 41050);
  auto body = valid_user_body("u1");
  body["department_ids"] = json::array{"od-7"};
  EXPECT_FEISHU_OK(put_user("x1", body));
  auto bad = client_->request("PUT", "/_emulator/fixture", R"({"contact_users":[{"user_id":"y","colour":"red"}]})");
  EXPECT_EQ(bad.response.status, 400u);
  EXPECT_NE(bad.response.body.find("colour"), std::string::npos) << bad.response.body;
}

TEST_F(StateTest, SampleHrCsvMakesEveryWellFormedEmployeeExist) {
  auto f = fixture_from_hr_csv(HRSYNC_SAMPLES_DIR "/employees.csv", HRSYNC_SAMPLES_DIR "/groups.csv");
  ASSERT_TRUE(f) << f.error().str();
  ASSERT_GT(f->users.size(), 200u);
  ASSERT_FALSE(f->groups.empty());
  EmulatorOptions o;
  o.fixture = *f;
  start(std::move(o));
  // The first sample employee, written back as the HR file has it, is accepted.
  const FixtureUser& u = f->users.front();
  json::object body{{"name", u.name}, {"mobile", u.mobile}, {"employee_type", 1}};
  json::array depts;
  for (const auto& d : u.department_ids) depts.emplace_back(d);
  body["department_ids"] = depts;
  if (!u.email.empty()) body["email"] = u.email;
  EXPECT_FEISHU_OK(put_user(u.user_id, body));
  EXPECT_FEISHU_OK(call("PATCH", "/open-apis/contact/v3/group/" + f->groups.front().group_id, json::object{{"description", "x"}}));
  EXPECT_EQ(stats().at("entities").at("sophon_person").to_number<std::uint64_t>(), f->sophon_persons.size());
}

}  // namespace
}  // namespace hrsync::emulator::testing
