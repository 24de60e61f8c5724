// Database values as record text: the conversions shared by the SQLite and PostgreSQL sources.
//
// A record holds text (diff/record.h); a database holds typed values. Both database sources
// render them by the same rules, so the same data read from SQLite, PostgreSQL or a CSV export
// gives the same records:
//   - integers in decimal; NULL as "" (no value);
//   - floating-point and NUMERIC values that are whole numbers as integers ("3.0" -> "3"),
//     others in their shortest exact decimal form ("2.50" -> "2.5");
//   - a time column (see is_time_column) as Unix seconds by parse_timestamp (timestamp.h):
//     DATE values are midnight UTC, values without a zone are UTC, fractions of a second are
//     dropped. A time value that does not parse rejects the row.
// Booleans are the database's business: SQLite has none (0/1 pass as integers); PostgreSQL's
// become "true"/"false".
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "diff/record.h"

namespace hrsync {

// True iff values of a column are times: its declared type starts with DATE or TIMESTAMP
// (DATE, DATETIME, TIMESTAMP, TIMESTAMPTZ, case-insensitive), or it feeds join_time or
// face_key_update_time.
bool is_time_column(std::string_view declared_type, Field field);

// Appends `v` in decimal.
void append_integer(std::string& out, std::int64_t v);

// Appends `v`: whole numbers as integers, others in shortest round-trip form. False (nothing
// appended) for NaN and infinities.
bool append_real(std::string& out, double v);

// Appends a decimal number given as text ("123.4500", "-7", "1e3"): trailing fractional zeros
// and a bare decimal point are dropped. False for text that is not a finite decimal number.
bool append_decimal_text(std::string& out, std::string_view text);

// Appends the Unix seconds of a time given as text. False when parse_timestamp refuses it.
bool append_time_text(std::string& out, std::string_view text);

// Appends the text `value` of column `column`: as it is, or, for a time column (`time`), as Unix
// seconds (empty stays empty). Returns "" when appended, else why the row is rejected (text that
// is not valid UTF-8, a time that does not parse); the reason names the column.
std::string append_text_value(std::string& out, std::string_view column, std::string_view value, bool time);

// `value` in quotes for a message, cut at a character boundary after `max` bytes.
// REQUIRES: `value` is valid UTF-8.
std::string quote_value(std::string_view value, std::size_t max = 40);

}  // namespace hrsync
