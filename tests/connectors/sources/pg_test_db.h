// PgTestDb: a scratch PostgreSQL database for one test binary, on the server named by the
// HRSYNC_TEST_PG_DSN environment variable (scripts/test.sh starts a throwaway cluster and sets
// it). When the variable is unset, available() is false and the tests skip themselves.
#pragma once

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace hrsync::testing {

class PgTestDb {
 public:
  PgTestDb() {
    const char* base = std::getenv("HRSYNC_TEST_PG_DSN");
    if (base == nullptr || *base == '\0') return;
    base_ = base;
    name_ = "hrsync_src_" + std::to_string(::getpid());
    admin("DROP DATABASE IF EXISTS " + name_);
    admin("CREATE DATABASE " + name_ + " ENCODING 'UTF8' TEMPLATE template0");
    dsn_ = base_ + " dbname=" + name_;
  }
  ~PgTestDb() {
    if (!dsn_.empty()) admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  PgTestDb(const PgTestDb&) = delete;
  PgTestDb& operator=(const PgTestDb&) = delete;

  bool available() const { return !dsn_.empty(); }
  const std::string& dsn() const { return dsn_; }   // the scratch database
  const std::string& base() const { return base_; }  // HRSYNC_TEST_PG_DSN itself

  // Runs `sql` (one or more statements) in the scratch database; throws on failure.
  void exec(const std::string& sql) const { run(dsn_, sql); }

 private:
  void admin(const std::string& sql) const { run(base_, sql); }

  static void run(const std::string& dsn, const std::string& sql) {
    PGconn* conn = PQconnectdb(dsn.c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
      error = PQerrorMessage(conn);
    } else {
      PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
      PGresult* r = PQexec(conn, sql.c_str());
      const auto st = PQresultStatus(r);
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) error = PQresultErrorMessage(r);
      PQclear(r);
    }
    PQfinish(conn);
    if (!error.empty()) throw std::runtime_error("PgTestDb: " + error);
  }

  std::string base_;
  std::string name_;
  std::string dsn_;
};

}  // namespace hrsync::testing
