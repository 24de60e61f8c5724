// The PostgreSQL source: HR records from a query on a PostgreSQL server, through libpq.
//
// open_postgres_source connects (connect_timeout 10 s unless the DSN sets one; client_encoding
// UTF8; session TimeZone UTC and DateStyle ISO), sends the query and waits for its first result,
// so that everything that can be wrong is reported before the first row: the server unreachable
// (kNetwork, naming host and port), authentication or role refused (kAuth), the query refused
// (kDatabase, with the server's message and SQLSTATE), a missing required column or a column of
// a type hrsync cannot read (kInput). Rows then stream in libpq's single-row mode: one row in
// memory at a time, whatever the size of the result.
//
// The DSN may hold a password: it is never printed. Messages name the source as
// "postgres <dsn_name>" (the environment variable the job config named), and a password that a
// server message happens to repeat is masked.
//
// Values become record text by result column type (db_value.h): int2/int4/int8 in decimal;
// numeric, float4 and float8 with whole numbers as integers ("12.50" -> "12.5", "3.00" -> "3");
// text, varchar, name, uuid as is and bpchar without its blank padding; bool as "true"/"false";
// date, timestamp and timestamptz as Unix seconds (dates at midnight UTC, timestamp without zone
// as UTC, fractions dropped); NULL as "". A text column feeding join_time or face_key_update_time
// is read as a time (timestamp.h). Other types fail the open: cast them in the query. A row with a
// time that does not parse, a non-finite number or an empty key goes to rejections() as
// {("postgres <dsn_name>", row N), key if readable, reason}; Record::origin has the same form,
// printed "postgres <dsn_name> row N".
//
// Thread-safety: a source is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "connectors/sources/record_source.h"
#include "base/error.h"

namespace hrsync {

// Connects with `dsn` and starts `query` (one SELECT). `dsn_name` stands for the DSN in every
// message (e.g. "HR_PG_DSN"). Errors as described above; kConfig for a DSN libpq cannot parse.
Result<std::unique_ptr<RecordSource>> open_postgres_source(const std::string& dsn, const std::string& query,
                                                           const SourceOptions& options,
                                                           std::string_view dsn_name);

}  // namespace hrsync
