// EmulatorHarness: a GoogleTest fixture that starts an emulator in-process on an ephemeral
// loopback port, with a ManualClock and a small known fixture, and talks to it over real HTTP.
//
// Thread-safety: test-thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "emulator/emulator.h"
#include "tests/emulator/test_client.h"

namespace hrsync::emulator::testing {

// The fixture the HTTP tests share:
//   users u1 (13011111111, a@example.com, od-1; also an avatar_key, a city, orders and a custom
//         attribute, which valid_user_body() does not carry), u2 (+8613022222222, b@example.com,
//         b@corp.example.com, od-1),
//         u3 resigned, u4 unjoined, u5 the tenant founder (od-2), u6 (+41446681800, f@example.com, od-2);
//   departments od-1, od-2, od-3; custom attribute "attr1"; mail domain corp.example.com;
//   groups g1 "Alpha", g2 "Beta"; attendance users E001/u1, E002/u2; ACS users u1, u2;
//   Sophon persons E001, E002.
Fixture standard_fixture();

// A body for PUT /contact/v3/users/:id that passes every rule, for the fixture's user `n`
// ("u1" -> mobile 13011111111, email a@example.com).
boost::json::object valid_user_body(const std::string& user_id);

// `s` repeated `n` times ("名" x 65: a name one character too long).
inline std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

class EmulatorHarness : public ::testing::Test {
 protected:
  // Starts an emulator with `options` (clock, fixture and department limit filled in when unset)
  // and fetches a token.
  void start(EmulatorOptions options = {});
  void TearDown() override;

  std::string fetch_token();

  // A request with the token and the JSON Content-Type.
  TestResult call(const std::string& method, const std::string& target, const std::string& body,
                  const std::string& token_override = "\x01");
  TestResult call(const std::string& method, const std::string& target, const boost::json::object& body) {
    return call(method, target, boost::json::serialize(body));
  }

  TestResult put_user(const std::string& id, const boost::json::object& body) {
    return call("PUT", "/open-apis/contact/v3/users/" + id + "?user_id_type=user_id", body);
  }
  TestResult patch_user(const std::string& id, const boost::json::object& body) {
    return call("PATCH", "/open-apis/contact/v3/users/" + id + "?user_id_type=user_id", body);
  }

  boost::json::value stats();
  boost::json::value state();

  // Polls `done` until it holds (up to 20 s): for an event on another connection to reach the
  // server. Returns whether it held.
  static bool eventually(const std::function<bool()>& done);

  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1000.0);
  std::unique_ptr<Emulator> emu_;
  std::unique_ptr<TestClient> client_;
  std::string token_;
};

// Expects a Feishu error answer: HTTP status, code, and a msg and error.log_id.
#define EXPECT_FEISHU_ERROR(result, http_status, api_code)                                   \
  do {                                                                                       \
    const auto& r_ = (result);                                                               \
    ASSERT_TRUE(r_.ok) << r_.error;                                                          \
    EXPECT_EQ(r_.response.status, (http_status)) << r_.response.body;                       \
    auto j_ = r_.response.json();                                                            \
    ASSERT_TRUE(j_.is_object()) << r_.response.body;                                         \
    EXPECT_EQ(j_.at("code").to_number<std::int64_t>(), (api_code)) << r_.response.body;      \
    EXPECT_FALSE(j_.at("msg").as_string().empty()) << r_.response.body;                      \
    EXPECT_FALSE(j_.at("error").at("log_id").as_string().empty()) << r_.response.body;       \
  } while (0)

#define EXPECT_FEISHU_OK(result)                                                             \
  do {                                                                                       \
    const auto& r_ = (result);                                                               \
    ASSERT_TRUE(r_.ok) << r_.error;                                                          \
    EXPECT_EQ(r_.response.status, 200u) << r_.response.body;                                \
    auto j_ = r_.response.json();                                                            \
    ASSERT_TRUE(j_.is_object()) << r_.response.body;                                         \
    EXPECT_EQ(j_.at("code").to_number<std::int64_t>(), 0) << r_.response.body;               \
  } while (0)

}  // namespace hrsync::emulator::testing
