// Tune in virtual time against a scripted tenant: the access-control connector as it is, a fake
// transport that answers its reads and its PATCHes with a limit it announces or with a box that
// queues behind a few workers, and the manual clock.
#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "engine/net/manual_clock.h"
#include "engine/run/tune.h"

namespace hrsync {
namespace {

// A tenant for acs_card: reads answer a user with a card; a PATCH passes a sliding window of
// `limit` a second (0 = none), announced when it throttles, and is then served by `workers`
// workers of `service_s` each (0 workers = at once), after `latency_s`.
class TenantTransport final : public Transport {
 public:
  TenantTransport(Clock& clock, double latency_s) : clock_(clock), latency_s_(latency_s) {}

  std::uint32_t limit = 0;
  unsigned workers = 0;
  double service_s = 0;
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;

  net::awaitable<Result<HttpResponse>> send(Platform, const HttpRequest& request) override {
    const double now = std::chrono::duration<double>(clock_.now().time_since_epoch()).count();
    HttpResponse r;
    r.status = 200;
    double delay = latency_s_;
    std::string key(request.target.substr(request.target.rfind('/') + 1));
    key = key.substr(0, key.find('?'));
    if (request.method == "GET") {
      ++reads;
      r.body = R"({"code":0,"msg":"ok","data":{"user":{"user_id":")" + key + R"(","feature":{"card":7}}}})";
    } else {
      ++writes;
      EXPECT_EQ(request.body, R"({"feature":{"card":7}})") << "the document it holds, sent back";
      while (!window_.empty() && window_.front() <= now - 1.0) window_.pop_front();
      if (limit > 0 && window_.size() >= limit) {
        r.status = 429;
        r.body = R"({"code":99991400,"msg":"request trigger frequency limit"})";
        r.headers.add("x-ogw-ratelimit-limit", std::to_string(limit));
        r.headers.add("x-ogw-ratelimit-reset", "1");
      } else {
        window_.push_back(now);
        r.body = R"({"code":0,"msg":"ok","data":{}})";
        delay += queue(now);
      }
    }
    co_await clock_.sleep_until(clock_.now() + seconds_to_duration(delay));
    co_return r;
  }

 private:
  double queue(double now) {
    if (workers == 0) return 0;
    if (free_at_.empty()) free_at_.assign(workers, 0.0);
    auto w = std::min_element(free_at_.begin(), free_at_.end());
    const double start = std::max(now, *w);
    *w = start + service_s;
    return *w - now;
  }

  Clock& clock_;
  double latency_s_;
  std::deque<double> window_;
  std::vector<double> free_at_;
};

class TuneTest : public ::testing::Test {
 protected:
  TuneTest() : transport(clock, 0.05) {
    auto made = make_target("acs_card", TargetOptions{});
    EXPECT_TRUE(made) << made.error().str();
    connector = std::move(*made);
  }

  TuneReport tune(TuneOptions options, unsigned keys = 40) {
    TuneTarget t;
    t.connector = connector.get();
    for (unsigned i = 0; i < keys; ++i) t.keys.push_back("u" + std::to_string(i));
    t.entities = keys;
    t.rate = connector->update().default_rate();
    t.concurrency = 8;
    std::optional<TuneReport> report;
    net::co_spawn(io, run_tune({t}, TuneSeams{transport, clock, {}}, options), [&](std::exception_ptr e, TuneReport r) {
      if (e) std::rethrow_exception(e);
      report = std::move(r);
    });
    EXPECT_TRUE(clock.run(io)) << "the tune got stuck";
    EXPECT_TRUE(report.has_value());
    return report.value_or(TuneReport{});
  }

  net::io_context io;
  ManualClock clock;
  TenantTransport transport;
  std::unique_ptr<TargetConnector> connector;
};

TEST_F(TuneTest, AnAnnouncedLimitIsFoundAndTheRecommendedRateStaysUnderIt) {
  transport.limit = 30;
  TuneReport r = tune(TuneOptions{.write_probe = true});
  ASSERT_EQ(r.targets.size(), 1u);
  const TargetTuning& t = r.targets[0];
  EXPECT_FALSE(t.documented);
  EXPECT_EQ(t.found_by, FoundBy::kAnnounced);
  EXPECT_EQ(t.announced, 30u);
  ASSERT_TRUE(t.recommended_rate);
  EXPECT_GE(*t.recommended_rate, 27u);
  EXPECT_LE(*t.recommended_rate, 30u);
  EXPECT_LE(r.writes, 200u);
  EXPECT_EQ(r.writes, transport.writes);
  EXPECT_EQ(r.reads, transport.reads);
  EXPECT_NEAR(t.read_trips.p50_s, 0.05, 1e-6);
  // 28/s x 50 ms x 1.5 = 2.1: three in flight.
  EXPECT_EQ(t.recommended_concurrency, 3u);
}

TEST_F(TuneTest, ABoxThatQueuesIsFoundAtItsKnee) {
  transport.workers = 4;
  transport.service_s = 0.1;
  TuneReport r = tune(TuneOptions{.write_probe = true});
  const TargetTuning& t = r.targets[0];
  EXPECT_EQ(t.found_by, FoundBy::kKnee);
  ASSERT_TRUE(t.recommended_rate);
  EXPECT_GE(*t.recommended_rate, 34u) << t.found_rate;
  EXPECT_LE(*t.recommended_rate, 40u) << t.found_rate;
  EXPECT_LE(r.writes, 200u);
  ASSERT_GE(t.steps.size(), 2u);
  EXPECT_GT(t.steps.back().p50_s, t.steps.front().p50_s * 1.5);
}

TEST_F(TuneTest, WithoutTheWriteProbeNoWriteIsSentAndTheRateIsLeftAsConfigured) {
  transport.limit = 30;
  TuneReport r = tune(TuneOptions{});
  const TargetTuning& t = r.targets[0];
  EXPECT_EQ(transport.writes, 0u);
  EXPECT_EQ(r.writes, 0u);
  EXPECT_EQ(t.found_by, FoundBy::kNone);
  EXPECT_FALSE(t.recommended_rate);
  EXPECT_EQ(t.read_trips.samples, 20u);
  EXPECT_TRUE(std::any_of(t.notes.begin(), t.notes.end(), [](const std::string& n) { return n.find("--write-probe") != std::string::npos; }));
}

TEST_F(TuneTest, TheWritesNeverPassMaxWrites) {
  TuneReport r = tune(TuneOptions{.write_probe = true, .max_writes = 25});
  EXPECT_LE(transport.writes, 25u);
  EXPECT_EQ(r.writes, transport.writes);
  const TargetTuning& t = r.targets[0];
  EXPECT_EQ(t.found_by, FoundBy::kBudget);
  ASSERT_TRUE(t.recommended_rate);
  EXPECT_LE(*t.recommended_rate, t.found_rate);
}

}  // namespace
}  // namespace hrsync
