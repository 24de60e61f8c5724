// Database sources: rows/s and memory reading employees from SQLite and from PostgreSQL.
//
// Each benchmark reads the first N rows of a 1,000,000-employee table (built once, from the
// sample generator) through the source, with one reused Record. Memory is reported twice: the
// process's peak RSS (getrusage) and the growth of the current RSS while reading (sampled every
// 64k rows); flat memory shows as the same figures for 100k and 1M rows. The PostgreSQL cases
// need HRSYNC_TEST_PG_DSN (see scripts/pg_test_cluster.sh) and are skipped without it.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "bench/sources/bench_memory.h"
#include "connectors/sources/postgres_source.h"
#include "connectors/sources/sqlite_source.h"
#include "samples/employee_generator.h"

namespace {

using hrsync::samples::EmployeeGenerator;
using hrsync::samples::EmployeeValues;
using hrsync::samples::kEmployeeColumnCount;
using hrsync::samples::kEmployeeColumns;

constexpr std::uint64_t kTableRows = 1'000'000;

hrsync::samples::GeneratorOptions population() {
  hrsync::samples::GeneratorOptions o;
  o.count = kTableRows;
  o.seed = 42;
  return o;
}

// Declared types as in samples/hr_sqlite.sql: join_time and face_key_update_time hold Unix seconds
// in DATE/DATETIME columns, so every row goes through the time conversion.
std::string sqlite_type(std::string_view column) {
  if (column == "join_time") return "DATE";
  if (column == "face_key_update_time") return "DATETIME";
  if (column == "gender" || column == "employee_type" || column == "person_type") return "INTEGER";
  return "TEXT";
}

bool sqlite_ok(int rc, sqlite3* db) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return true;
  std::fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
  return false;
}

// A 1M-employee SQLite database in the temp folder, removed at exit.
class SqliteTable {
 public:
  SqliteTable() : path_((std::filesystem::temp_directory_path() /
                         fmt::format("hrsync-bench-{}.sqlite", ::getpid())).string()) {
    if (!build()) std::abort();
  }
  ~SqliteTable() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  bool build() const {
    sqlite3* db = nullptr;
    if (sqlite3_open(path_.c_str(), &db) != SQLITE_OK) return false;
    std::string ddl = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; CREATE TABLE employees (id INTEGER PRIMARY KEY";
    std::string insert = "INSERT INTO employees VALUES (?";
    for (auto c : kEmployeeColumns) {
      ddl += fmt::format(", {} {}", c, sqlite_type(c));
      insert += ", ?";
    }
    ddl += "); BEGIN;";
    insert += ")";
    sqlite3_stmt* stmt = nullptr;
    bool ok = sqlite_ok(sqlite3_exec(db, ddl.c_str(), nullptr, nullptr, nullptr), db) &&
              sqlite_ok(sqlite3_prepare_v2(db, insert.c_str(), -1, &stmt, nullptr), db);
    const EmployeeGenerator gen(population());
    EmployeeValues v;
    for (std::uint64_t i = 0; ok && i < kTableRows; ++i) {
      gen.values(i, v);
      sqlite3_bind_int64(stmt, 1, static_cast<sqlite3_int64>(i + 1));
      for (std::size_t c = 0; c < kEmployeeColumnCount; ++c) {
        sqlite3_bind_text(stmt, static_cast<int>(c) + 2, v[c].data(), static_cast<int>(v[c].size()), SQLITE_STATIC);
      }
      ok = sqlite_ok(sqlite3_step(stmt), db) && sqlite_ok(sqlite3_reset(stmt), db);
    }
    sqlite3_finalize(stmt);
    ok = ok && sqlite_ok(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
    sqlite3_close(db);
    return ok;
  }

  std::string path_;
};

bool pg_ok(PGresult* r, ExecStatusType want, PGconn* conn) {
  const bool ok = PQresultStatus(r) == want;
  if (!ok) std::fprintf(stderr, "postgres: %s\n", PQerrorMessage(conn));
  PQclear(r);
  return ok;
}

// A 1M-employee PostgreSQL table (typed like samples/hr.sql), loaded through COPY; dropped at exit.
class PgTable {
 public:
  PgTable() {
    const char* dsn = std::getenv("HRSYNC_TEST_PG_DSN");
    if (dsn == nullptr || *dsn == '\0') return;
    dsn_ = dsn;
    PGconn* conn = PQconnectdb(dsn_.c_str());
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    ready_ = PQstatus(conn) == CONNECTION_OK && load(conn);
    PQfinish(conn);
  }
  ~PgTable() {
    if (dsn_.empty()) return;
    PGconn* conn = PQconnectdb(dsn_.c_str());
    PQclear(PQexec(conn, "DROP TABLE IF EXISTS hrsync_bench_employees"));
    PQfinish(conn);
  }
  bool ready() const { return ready_; }
  const std::string& dsn() const { return dsn_; }

 private:
  static bool load(PGconn* conn) {
    std::string staging = "DROP TABLE IF EXISTS hrsync_bench_staging, hrsync_bench_employees;"
                          "CREATE UNLOGGED TABLE hrsync_bench_staging (";
    for (auto c : kEmployeeColumns) staging += fmt::format("{}{} text", c == kEmployeeColumns[0] ? "" : ", ", c);
    staging += ")";
    if (!pg_ok(PQexec(conn, staging.c_str()), PGRES_COMMAND_OK, conn)) return false;
    const std::string copy = "COPY hrsync_bench_staging FROM STDIN (FORMAT csv, HEADER true)";
    if (!pg_ok(PQexec(conn, copy.c_str()), PGRES_COPY_IN, conn)) return false;
    const EmployeeGenerator gen(population());
    EmployeeValues scratch;
    std::string buf;
    EmployeeGenerator::append_header(buf);
    for (std::uint64_t i = 0; i < kTableRows; ++i) {
      gen.append_row(i, buf, scratch);
      if (buf.size() < (1u << 20) && i + 1 < kTableRows) continue;
      if (PQputCopyData(conn, buf.data(), static_cast<int>(buf.size())) != 1) return false;
      buf.clear();
    }
    if (PQputCopyEnd(conn, nullptr) != 1 || !pg_ok(PQgetResult(conn), PGRES_COMMAND_OK, conn)) return false;
    const std::string typed = fmt::format(
        "CREATE UNLOGGED TABLE hrsync_bench_employees AS SELECT row_number() OVER () AS id, employee_no, user_id,"
        " name, en_name, nickname, email, mobile, mobile_visible::boolean, gender::smallint, department_ids,"
        " leader_user_id, city, country, work_station, to_timestamp(join_time::bigint)::date AS join_time,"
        " employee_type::smallint, job_title, enterprise_email, is_frozen::boolean, card_no, face_key,"
        " to_timestamp(face_key_update_time::bigint) AS face_key_update_time, photo, person_type::smallint,"
        " permission_ids FROM hrsync_bench_staging; DROP TABLE hrsync_bench_staging; ANALYZE hrsync_bench_employees");
    return pg_ok(PQexec(conn, typed.c_str()), PGRES_COMMAND_OK, conn);
  }

  std::string dsn_;
  bool ready_ = false;
};

// Reads the source to the end; returns the rows read, or -1 after reporting an error.
std::int64_t drain(benchmark::State& state, hrsync::Result<std::unique_ptr<hrsync::RecordSource>> source,
                   long& rss_peak) {
  if (!source) {
    state.SkipWithError(source.error().str().c_str());
    return -1;
  }
  hrsync::Record record;
  std::int64_t rows = 0;
  while ((*source)->next(record)) {
    if ((++rows & 0xFFFF) == 0) rss_peak = std::max(rss_peak, hrsync::bench::current_rss_kib());
  }
  if (!(*source)->status() || !(*source)->rejections().empty()) {
    state.SkipWithError("the table did not read cleanly");
    return -1;
  }
  return rows;
}

template <typename Open>
void run(benchmark::State& state, Open open) {
  const long rss_before = hrsync::bench::current_rss_kib();
  long rss_peak = rss_before;
  std::int64_t rows = 0;
  for (auto _ : state) {
    rows = drain(state, open(), rss_peak);
    if (rows < 0) return;
  }
  state.SetItemsProcessed(rows * static_cast<std::int64_t>(state.iterations()));
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["rss_growth_KiB"] = static_cast<double>(rss_peak - rss_before);
  state.counters["max_rss_KiB"] = static_cast<double>(hrsync::bench::max_rss_kib());
}

void BM_SqliteSource(benchmark::State& state) {
  static const SqliteTable table;
  const std::string query = fmt::format("SELECT * FROM employees WHERE id <= {}", state.range(0));
  run(state, [&] { return hrsync::open_sqlite_source(table.path(), query, {}); });
}

void BM_PostgresSource(benchmark::State& state) {
  static const PgTable table;
  if (!table.ready()) {
    state.SkipWithError("HRSYNC_TEST_PG_DSN is not set or the table could not be loaded");
    return;
  }
  const std::string query = fmt::format("SELECT * FROM hrsync_bench_employees WHERE id <= {}", state.range(0));
  run(state, [&] { return hrsync::open_postgres_source(table.dsn(), query, {}, "HRSYNC_TEST_PG_DSN"); });
}

BENCHMARK(BM_SqliteSource)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK(BM_PostgresSource)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
