// Timestamps: the one rule by which database sources turn dates and times into Unix seconds.
//
// The targets take times as Unix seconds (join_time, face_key_update_time). A database keeps them
// as DATE, DATETIME, TIMESTAMP or TIMESTAMPTZ values, or as text. parse_timestamp accepts:
//   - Unix seconds as decimal digits, with an optional leading '-': "1614556800";
//   - an ISO 8601 / SQL date: "2021-03-01" (midnight);
//   - a date and time, separated by 'T', 't' or one space: "2021-03-01 09:30", "2021-03-01T09:30:00",
//     with optional fractional seconds ".123456" (dropped: the result is the whole second in which
//     the instant falls) and an optional zone "Z", "+08", "+0800", "+08:00" or "-05:30:00".
// A date or time without a zone is taken as UTC. Years run 0001..9999; a month, day, hour (0-23),
// minute or second (0-59) out of range is an error, as are "infinity", BC dates and surrounding
// whitespace.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hrsync {

// Unix seconds (UTC) of `text`, or nullopt when it is not one of the accepted forms.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

// Days from 1970-01-01 to the proleptic Gregorian date y-m-d. REQUIRES: a valid date.
std::int64_t days_from_civil(int y, unsigned m, unsigned d);

}  // namespace hrsync
