// The Feishu throttle headers: the reset is seconds (zero or more), the window limit a positive
// integer; anything else is read as absent. Every Feishu connector's classify() reads them, the
// Sophon box's does not (it documents none).
#include <gtest/gtest.h>

#include "connectors/targets/feishu_throttle.h"
#include "connectors/targets/target_connector.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;

constexpr std::string_view kThrottled = R"({"code":99991400,"msg":"request trigger frequency limit"})";

TEST(FeishuThrottle, AResetIsSecondsZeroOrMore) {
  EXPECT_EQ(parse_reset_seconds("3"), 3.0);
  EXPECT_EQ(parse_reset_seconds("0"), 0.0);
  EXPECT_EQ(parse_reset_seconds("0.75"), 0.75);
  EXPECT_EQ(parse_reset_seconds("1000000000"), 1e9);  // absurd, or a Unix time: the engine bounds the pause
  for (const char* bad : {"", "-1", "three", "3s", " 3", "nan"}) {
    EXPECT_FALSE(parse_reset_seconds(bad).has_value()) << bad;
  }
}

TEST(FeishuThrottle, AWindowLimitThatIsNoPositiveIntegerIsIgnored) {
  EXPECT_EQ(parse_window_limit("40"), 40u);
  for (const char* bad : {"0", "-5", "40.5", "forty", "99999999999", ""}) {
    EXPECT_FALSE(parse_window_limit(bad).has_value()) << bad;
  }
}

TEST(FeishuThrottle, EveryFeishuConnectorReadsTheHeadersIntoItsVerdict) {
  const HttpHeaders headers{{"X-Ogw-Ratelimit-Reset", "3"}, {"x-ogw-ratelimit-limit", "40"}};
  for (std::string_view id : {"contact_user", "contact_group", "attendance_face", "acs_card"}) {
    const Verdict v = connector(id)->update().classify(429, kThrottled, headers);
    EXPECT_EQ(v.disposition, Disposition::kRateLimited) << id;
    EXPECT_EQ(v.reset_s, 3.0) << id;
    EXPECT_EQ(v.announced_limit, 40u) << id;
    // A body that is no envelope (a gateway's page) still carries the gateway's headers.
    const Verdict page = connector(id)->update().classify(429, "<html>slow down</html>", headers);
    EXPECT_EQ(page.reset_s, 3.0) << id;
  }
}

TEST(FeishuThrottle, NoHeadersOrUnreadableOnesLeaveTheVerdictWithout) {
  const Verdict none = connector("contact_user")->update().classify(429, kThrottled);
  EXPECT_FALSE(none.reset_s.has_value());
  EXPECT_FALSE(none.announced_limit.has_value());
  const HttpHeaders bad{{"x-ogw-ratelimit-reset", "soon"}, {"x-ogw-ratelimit-limit", "0"}};
  const Verdict unread = connector("acs_card")->update().classify(429, kThrottled, bad);
  EXPECT_FALSE(unread.reset_s.has_value());
  EXPECT_FALSE(unread.announced_limit.has_value());
}

TEST(FeishuThrottle, TheSophonBoxDocumentsNoThrottleHeader) {
  const HttpHeaders headers{{"x-ogw-ratelimit-reset", "3"}, {"x-ogw-ratelimit-limit", "40"}};
  const Verdict v = connector("sophon_person")->update().classify(429, R"({"error":{"code":42900,"message":"slow"}})", headers);
  EXPECT_FALSE(v.reset_s.has_value());
  EXPECT_FALSE(v.announced_limit.has_value());
}

}  // namespace
}  // namespace hrsync
