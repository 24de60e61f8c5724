// run_transport_options: the tokens a run's transport fetches go to the redactor and to the
// caller; a throttled token request pauses as a throttled call would, unless the caller says how.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "engine/run/run_transport.h"

namespace hrsync {
namespace {

TEST(RunTransportTest, AFetchedTokenIsRedactedAndToldToTheCaller) {
  JobConfig config;
  HttpTransportOptions given;
  std::vector<std::string> told;
  given.token.on_token = [&told](const std::string& token) { told.push_back(token); };
  Redactor redactor;
  const HttpTransportOptions options = run_transport_options(config, given, redactor);
  ASSERT_TRUE(options.token.on_token);
  options.token.on_token("t-fetched-token");
  EXPECT_EQ(redactor.clean("Bearer t-fetched-token"), "Bearer [redacted]");
  EXPECT_EQ(told, std::vector<std::string>{"t-fetched-token"});
}

TEST(RunTransportTest, AThrottledTokenRequestPausesWithinTheJobsLongestPause) {
  JobConfig config;
  config.retry.max_pause_s = 5;
  Redactor redactor;
  const HttpTransportOptions options = run_transport_options(config, {}, redactor);
  ASSERT_TRUE(options.token.throttle_pause);
  const auto asked_an_hour = options.token.throttle_pause(3600.0);
  EXPECT_LE(asked_an_hour, seconds_to_duration(5.0));
  EXPECT_GT(asked_an_hour, Clock::duration::zero());
}

TEST(RunTransportTest, TheCallersOwnPauseIsKept) {
  HttpTransportOptions given;
  given.token.throttle_pause = [](std::optional<double>) { return seconds_to_duration(0.25); };
  Redactor redactor;
  const HttpTransportOptions options = run_transport_options(JobConfig{}, given, redactor);
  EXPECT_EQ(options.token.throttle_pause(std::nullopt), seconds_to_duration(0.25));
}

}  // namespace
}  // namespace hrsync
