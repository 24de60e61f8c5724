#include "tests/emulator/emulator_harness.h"

namespace hrsync::emulator::testing {
namespace json = boost::json;

Fixture standard_fixture() {
  Fixture f;
  f.users = {
      {.user_id = "u1", .employee_no = "E001", .name = "张三", .mobile = "13011111111", .email = "a@example.com", .department_ids = {"od-1"},
       .fields = {{"avatar_key", "av-u1"},
                  {"city", "杭州"},
                  {"orders", json::array{json::object{{"department_id", "od-1"}, {"user_order", 3}, {"department_order", 1}}}},
                  {"custom_attrs", json::array{json::object{{"type", "TEXT"}, {"id", "attr1"}, {"value", json::object{{"text", "x"}}}}}}}},
      {.user_id = "u2", .employee_no = "E002", .name = "Li Si", .mobile = "+8613022222222", .email = "b@example.com",
       .enterprise_email = "b@corp.example.com", .department_ids = {"od-1"}},
      {.user_id = "u3", .name = "Gone", .mobile = "13033333333", .department_ids = {"od-2"}, .status = "resigned"},
      {.user_id = "u4", .name = "Not yet", .mobile = "13044444444", .department_ids = {"od-2"}, .status = "unjoined"},
      {.user_id = "u5", .name = "Founder", .mobile = "13055555555", .department_ids = {"od-2"}, .tenant_founder = true},
      {.user_id = "u6", .name = "Zurich", .mobile = "+41446681800", .email = "f@example.com", .department_ids = {"od-2"}},
  };
  f.departments = {"od-1", "od-2", "od-3"};
  f.custom_attr_ids = {"attr1"};
  f.enterprise_email_domains = {"corp.example.com"};
  f.groups = {{"g1", "Alpha", "first"}, {"g2", "Beta", "second"}};
  f.attendance_users = {{"E001", "u1"}, {"E002", "u2"}};
  f.acs_users = {"u1", "u2"};
  f.sophon_persons = {{"E001", "张三", 1, {"1"}}, {"E002", "Li Si", 1, {}}};
  return f;
}

json::object valid_user_body(const std::string& user_id) {
  if (user_id == "u2") {
    return json::object{{"name", "Li Si"}, {"mobile", "+8613022222222"}, {"email", "b@example.com"},
                        {"department_ids", json::array{"od-1"}}, {"employee_type", 1}};
  }
  return json::object{{"name", "张三"}, {"mobile", "13011111111"}, {"email", "a@example.com"},
                      {"department_ids", json::array{"od-1"}}, {"employee_type", 1}};
}

void EmulatorHarness::start(EmulatorOptions options) {
  if (!options.clock) options.clock = clock_;
  if (options.fixture.users.empty()) options.fixture = standard_fixture();
  emu_ = std::make_unique<Emulator>(std::move(options));
  auto started = emu_->start();
  ASSERT_TRUE(started) << started.error().str();
  client_ = std::make_unique<TestClient>("127.0.0.1", emu_->port());
  token_ = fetch_token();
  ASSERT_FALSE(token_.empty());
}

void EmulatorHarness::TearDown() {
  client_.reset();
  emu_.reset();
}

std::string EmulatorHarness::fetch_token() {
  auto r = client_->request("POST", "/open-apis/auth/v3/tenant_access_token/internal",
                            R"({"app_id":"cli_demo","app_secret":"demo-secret"})",
                            {{"Content-Type", "application/json; charset=utf-8"}});
  if (!r.ok || r.response.status != 200) return {};
  return std::string(r.response.json().at("tenant_access_token").as_string());
}

TestResult EmulatorHarness::call(const std::string& method, const std::string& target, const std::string& body,
                                 const std::string& token_override) {
  std::string token = token_override == "\x01" ? token_ : token_override;
  Headers headers{{"Content-Type", "application/json; charset=utf-8"}};
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return client_->request(method, target, body, headers);
}

json::value EmulatorHarness::stats() { return json::parse(emu_->stats_json()); }
json::value EmulatorHarness::state() { return json::parse(emu_->state_json()); }

bool EmulatorHarness::eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

}  // namespace hrsync::emulator::testing
