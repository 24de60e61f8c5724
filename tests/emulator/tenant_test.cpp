// An undocumented tenant over loopback HTTP: a limit the documents do not give (the access-control
// PATCH), enforced and announced; a face box that queues its requests behind a few workers instead
// of refusing them; and latency added to one platform only.
#include <chrono>
#include <string>
#include <vector>

#include "tests/emulator/emulator_harness.h"

namespace hrsync::emulator::testing {
namespace {
namespace json = boost::json;

const std::string kSophon = "/SophonFogSys/api/users";

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

class TenantTest : public EmulatorHarness {
 protected:
  TestResult sophon_put(TestClient& client, const std::string& id) {
    json::object body{{"identity_id", id}, {"info", json::object{{"name", "Zhang San"}}}};
    return client.request("PUT", kSophon, json::serialize(body), {{"Content-Type", "application/json"}});
  }
  json::object box() { return stats().at("box").as_object(); }
};

TEST_F(TenantTest, AnUndocumentedAccessControlLimitIsEnforcedAndAnnounced) {
  EmulatorOptions o;
  o.acs_rate = {{30, 1}};
  start(std::move(o));
  json::object card{{"feature", json::object{{"card", 7}}}};
  for (int i = 0; i < 30; ++i) EXPECT_FEISHU_OK(call("PATCH", "/open-apis/acs/v1/users/u1?user_id_type=user_id", card));
  TestResult refused = call("PATCH", "/open-apis/acs/v1/users/u1?user_id_type=user_id", card);
  EXPECT_FEISHU_ERROR(refused, 429u, 99991400);
  EXPECT_EQ(refused.response.header("x-ogw-ratelimit-limit"), "30");
  clock_->advance(1.01);
  EXPECT_FEISHU_OK(call("PATCH", "/open-apis/acs/v1/users/u1?user_id_type=user_id", card));
}

TEST_F(TenantTest, ABoxQueuesBehindItsWorkersInsteadOfRefusing) {
  EmulatorOptions o;
  o.sophon_workers = 2;
  o.sophon_service_ms = 100;
  o.threads = 2;
  start(std::move(o));
  // Four requests at the same (manual) moment: two start at once, two wait one service time.
  std::vector<double> took;
  for (const char* id : {"E001", "E002", "E001", "E002"}) {
    auto t0 = std::chrono::steady_clock::now();
    TestResult r = sophon_put(*client_, id);
    took.push_back(seconds_since(t0));
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.response.status, 200u) << r.response.body;  // never refused
  }
  EXPECT_GE(took[0], 0.095);
  EXPECT_GE(took[2], 0.195) << "the third waited for a worker";
  json::object b = box();
  EXPECT_EQ(b.at("workers").to_number<int>(), 2);
  EXPECT_EQ(b.at("served").to_number<int>(), 4);
  EXPECT_EQ(b.at("waited").to_number<int>(), 2);
  EXPECT_NEAR(b.at("max_wait_ms").to_number<double>(), 100, 1e-6);
  EXPECT_EQ(stats().at("throttled").to_number<int>(), 0);
  // Once its workers are free again, a request is served at once.
  clock_->advance(5);
  EXPECT_EQ(sophon_put(*client_, "E001").response.status, 200u);
  EXPECT_EQ(box().at("waited").to_number<int>(), 2);
  // The reads wait for a worker too.
  TestResult read = client_->request("GET", kSophon + "?identity_id=E001", "", {});
  EXPECT_EQ(read.response.status, 200u);
  EXPECT_EQ(box().at("served").to_number<int>(), 6);
}

TEST_F(TenantTest, LatencyCanBeAddedToOnePlatformOnly) {
  EmulatorOptions o;
  o.feishu_latency_min_ms = 80;
  o.feishu_latency_max_ms = 90;
  start(std::move(o));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(fetch_token().empty());
  EXPECT_GE(seconds_since(t0), 0.079) << "the token endpoint is a Feishu path";
  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(sophon_put(*client_, "E001").response.status, 200u);
  EXPECT_LT(seconds_since(t0), 0.075) << "the box is not delayed";
}

}  // namespace
}  // namespace hrsync::emulator::testing
