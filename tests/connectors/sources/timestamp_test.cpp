#include "connectors/sources/timestamp.h"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

namespace hrsync {
namespace {

// An independent reference: timegm from the C library.
std::int64_t reference(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm));
}

TEST(Timestamp, DatesAreMidnightUtc) {
  EXPECT_EQ(parse_timestamp("1970-01-01"), 0);
  EXPECT_EQ(parse_timestamp("2021-03-01"), reference(2021, 3, 1));
  EXPECT_EQ(parse_timestamp("2000-02-29"), reference(2000, 2, 29));
  EXPECT_EQ(parse_timestamp("1969-12-31"), -86400);
  EXPECT_EQ(parse_timestamp("0001-01-01"), reference(1, 1, 1));
}

TEST(Timestamp, DateTimesWithoutZoneAreUtc) {
  const auto want = reference(2021, 3, 1, 9, 30, 0);
  EXPECT_EQ(parse_timestamp("2021-03-01 09:30:00"), want);
  EXPECT_EQ(parse_timestamp("2021-03-01T09:30:00"), want);
  EXPECT_EQ(parse_timestamp("2021-03-01t09:30"), want);
  EXPECT_EQ(parse_timestamp("2021-03-01 09:30:00.999999"), want);  // fractions dropped
}

TEST(Timestamp, ZonesShiftToUtc) {
  const auto want = reference(2021, 3, 1, 9, 30, 0);
  EXPECT_EQ(parse_timestamp("2021-03-01T09:30:00Z"), want);
  EXPECT_EQ(parse_timestamp("2021-03-01 17:30:00+08"), want);
  EXPECT_EQ(parse_timestamp("2021-03-01 17:30:00+0800"), want);
  EXPECT_EQ(parse_timestamp("2021-03-01T17:30:00.5+08:00"), want);
  EXPECT_EQ(parse_timestamp("2021-03-01 04:00:00-05:30"), want);
  EXPECT_EQ(parse_timestamp("2021-03-01 04:00:00-05:30:00"), want);
  EXPECT_EQ(parse_timestamp("2021-03-01 01:30+08"), reference(2021, 2, 28, 17, 30));
}

TEST(Timestamp, UnixSecondsPassThrough) {
  EXPECT_EQ(parse_timestamp("1614556800"), 1614556800);
  EXPECT_EQ(parse_timestamp("0"), 0);
  EXPECT_EQ(parse_timestamp("-86400"), -86400);
}

TEST(Timestamp, RefusesWhatItCannotReadExactly) {
  for (const char* bad : {"", " 2021-03-01", "2021-03-01 ", "2021-3-1", "2021-13-01", "2021-02-29", "2021-04-31",
                          "2021-00-10", "0000-01-01", "2021-03-01 24:00:00", "2021-03-01 09:60", "2021-03-01 09:30:60",
                          "2021-03-01 9:30", "2021-03-01X09:30", "2021-03-01 09:30:00.", "2021-03-01 09:30:00+8",
                          "2021-03-01 09:30:00+08:0", "2021-03-01 09:30:00 UTC", "infinity", "-infinity",
                          "0044-03-15 BC", "12abc", "1.5", "+5", "2021/03/01", "10000-01-01"}) {
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
  }
}

TEST(Timestamp, DaysFromCivilMatchesTheCLibraryAcrossCenturies) {
  for (int y = 1900; y <= 2100; y += 7) {
    for (unsigned m = 1; m <= 12; ++m) {
      EXPECT_EQ(days_from_civil(y, m, 28) * 86400, reference(y, static_cast<int>(m), 28)) << y << "-" << m;
    }
  }
}

}  // namespace
}  // namespace hrsync
