#include "connectors/sources/postgres_source.h"

#include <libpq-fe.h>

#include <cstring>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "connectors/sources/column_map.h"
#include "connectors/sources/db_value.h"

namespace hrsync {
namespace {

// How a result column's values are read, by type OID (pg_type.dat).
enum class PgKind : std::uint8_t { kInteger, kDecimal, kText, kBlankPadded, kBool, kTime };

struct PgType {
  Oid oid;
  std::string_view name;
  PgKind kind;
};

constexpr PgType kTypes[] = {
    {16, "bool", PgKind::kBool},          {20, "int8", PgKind::kInteger},
    {21, "int2", PgKind::kInteger},       {23, "int4", PgKind::kInteger},
    {19, "name", PgKind::kText},          {25, "text", PgKind::kText},
    {705, "unknown", PgKind::kText},      {1042, "bpchar", PgKind::kBlankPadded},
    {1043, "varchar", PgKind::kText},     {2950, "uuid", PgKind::kText},
    {700, "float4", PgKind::kDecimal},    {701, "float8", PgKind::kDecimal},
    {1700, "numeric", PgKind::kDecimal},  {1082, "date", PgKind::kTime},
    {1114, "timestamp", PgKind::kTime},   {1184, "timestamptz", PgKind::kTime},
};

constexpr std::pair<Oid, std::string_view> kUnreadable[] = {
    {17, "bytea"}, {114, "json"}, {3802, "jsonb"}, {1083, "time"}, {1266, "timetz"},
    {1186, "interval"}, {1007, "int4[]"}, {1009, "text[]"}, {142, "xml"}, {869, "inet"},
};

const PgType* find_type(Oid oid) {
  for (const auto& t : kTypes) {
    if (t.oid == oid) return &t;
  }
  return nullptr;
}

std::string type_label(Oid oid) {
  for (const auto& [o, name] : kUnreadable) {
    if (o == oid) return fmt::format("{} (oid {})", name, oid);
  }
  return fmt::format("oid {}", oid);
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

// A server or libpq message on one line, with a password it may repeat masked.
std::string clean_message(const char* raw, const std::string& password) {
  std::string msg;
  for (const char* p = raw != nullptr ? raw : ""; *p != '\0'; ++p) {
    if (*p == '\n' || *p == '\t') {
      if (!msg.empty() && msg.back() != ' ') msg += ' ';
      continue;
    }
    msg += *p;
  }
  while (!msg.empty() && msg.back() == ' ') msg.pop_back();
  if (password.size() >= 3) {
    for (auto at = msg.find(password); at != std::string::npos; at = msg.find(password, at)) {
      msg.replace(at, password.size(), "***");
    }
  }
  return msg;
}

// The server's error in a result: primary message, detail, hint and SQLSTATE, on one line.
std::string result_error(const PGresult* res, const std::string& password) {
  const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  if (primary == nullptr) return clean_message(PQresultErrorMessage(res), password);
  std::string msg = clean_message(primary, password);
  if (const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) {
    msg += "; " + clean_message(detail, password);
  }
  if (const char* hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT)) {
    msg += "; hint: " + clean_message(hint, password);
  }
  if (const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE)) msg += fmt::format(" (SQLSTATE {})", state);
  return msg;
}

Error::Kind connect_error_kind(std::string_view msg) {
  for (std::string_view auth : {"password", "authentication", "pg_hba.conf", "role \""}) {
    if (msg.find(auth) != std::string_view::npos) return Error::Kind::kAuth;
  }
  if (msg.find("FATAL") != std::string_view::npos) return Error::Kind::kDatabase;
  return Error::Kind::kNetwork;
}

void drain(PGconn* conn) {
  while (PGresult* r = PQgetResult(conn)) PQclear(r);
}

struct MappedColumn {
  int index;
  Field field;
  PgKind kind;
  bool time;
};

class PostgresSource final : public RecordSource {
 public:
  PostgresSource(std::string where, ConnPtr conn, ResultPtr first, std::vector<MappedColumn> columns,
                 ColumnMap map, Field key)
      : where_(std::move(where)), conn_(std::move(conn)), pending_(std::move(first)),
        columns_(std::move(columns)), map_(std::move(map)), key_(key) {}

  bool next(Record& out) override {
    while (!done_) {
      ResultPtr res = pending_ ? std::move(pending_) : ResultPtr(PQgetResult(conn_.get()));
      if (!res) break;
      const ExecStatusType st = PQresultStatus(res.get());
      if (st == PGRES_TUPLES_OK) break;
      if (st != PGRES_SINGLE_TUPLE) {
        status_ = fail(Error::Kind::kDatabase, where_,
                       fmt::format("reading row {}: {}", row_ + 1, result_error(res.get(), {})));
        break;
      }
      ++row_;
      if (accept(res.get(), out)) return true;
    }
    if (!done_) drain(conn_.get());
    done_ = true;
    return false;
  }

  const Result<void>& status() const override { return status_; }
  const std::vector<Rejection>& rejections() const override { return rejections_; }
  std::string describe() const override { return where_; }

 private:
  bool accept(const PGresult* res, Record& out) {
    out.clear();
    std::string reason = read_row(res, out);
    out.origin.set(where_, row_, Origin::Unit::kRow);
    if (reason.empty()) return true;
    const bool key_readable = reason_column_ != key_;
    rejections_.push_back(
        Rejection{out.origin, key_readable ? std::string(out.get(key_)) : std::string(), std::move(reason)});
    return false;
  }

  std::string read_row(const PGresult* res, Record& out) {
    for (const MappedColumn& c : columns_) {
      if (PQgetisnull(res, 0, c.index)) continue;
      const std::string_view value(PQgetvalue(res, 0, c.index),
                                   static_cast<std::size_t>(PQgetlength(res, 0, c.index)));
      std::string reason = read_value(c, value, out.at(c.field));
      if (!reason.empty()) {
        reason_column_ = c.field;
        return reason;
      }
    }
    if (out.get(key_).empty()) {
      reason_column_ = key_;
      return fmt::format("empty key ({})", map_.names[static_cast<std::size_t>(columns_.front().index)]);
    }
    return {};
  }

  std::string read_value(const MappedColumn& c, std::string_view value, std::string& dst) const {
    const std::string& name = map_.names[static_cast<std::size_t>(c.index)];
    switch (c.kind) {
      case PgKind::kInteger:
        dst.append(value);
        return {};
      case PgKind::kBool:
        dst.append(value == "t" ? "true" : "false");
        return {};
      case PgKind::kDecimal:
        if (!append_decimal_text(dst, value)) {
          return fmt::format("column {}: {} is not a finite number", name, quote_value(value));
        }
        if (c.time && dst.find_first_of(".eE") != std::string::npos) {
          return fmt::format("column {}: unparseable timestamp {} (not whole seconds)", name, value);
        }
        return {};
      case PgKind::kTime:
        if (!append_time_text(dst, value)) {
          return fmt::format("column {}: unparseable timestamp {}", name, quote_value(value));
        }
        return {};
      case PgKind::kBlankPadded:
        while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
        [[fallthrough]];
      case PgKind::kText:
        break;
    }
    return append_text_value(dst, name, value, c.time);
  }

  std::string where_;
  ConnPtr conn_;
  ResultPtr pending_;  // the first row, read by open_postgres_source to see the columns
  std::vector<MappedColumn> columns_;
  ColumnMap map_;
  Field key_;
  std::uint64_t row_ = 0;
  bool done_ = false;
  Field reason_column_ = Field::kCount;
  Result<void> status_;
  std::vector<Rejection> rejections_;
};

// The password a DSN holds ("" when none); nullopt when libpq cannot parse the DSN.
std::optional<std::string> dsn_password(const std::string& dsn) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  if (opts == nullptr) {
    PQfreemem(err);  // not shown: it may quote the DSN
    return std::nullopt;
  }
  std::string password;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(opts);
  return password;
}

Result<ConnPtr> connect(const std::string& dsn, const std::string& password, const std::string& where) {
  // Entries before dbname are defaults the DSN may override; entries after it are imposed.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {"10", "hrsync", dsn.c_str(), "UTF8", nullptr};
  ConnPtr conn(PQconnectdbParams(keys, values, 1));
  if (!conn) return fail(Error::Kind::kInternal, where, "libpq could not allocate a connection");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    const std::string msg = clean_message(PQerrorMessage(conn.get()), password);
    const char* host = PQhost(conn.get());
    const char* port = PQport(conn.get());
    return fail(connect_error_kind(msg), where,
                fmt::format("cannot connect to {}:{}: {}", host != nullptr && *host != '\0' ? host : "(default)",
                            port != nullptr && *port != '\0' ? port : "(default)", msg));
  }
  ResultPtr set(PQexec(conn.get(), "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'"));
  if (PQresultStatus(set.get()) != PGRES_COMMAND_OK) {
    return fail(Error::Kind::kDatabase, where,
                "cannot set the session time zone: " + clean_message(PQresultErrorMessage(set.get()), password));
  }
  return conn;
}

// Sends `query` in single-row mode and returns its first result (the first row, or the end).
Result<ResultPtr> start_query(PGconn* conn, const std::string& query, const std::string& password,
                              const std::string& where) {
  if (PQsendQueryParams(conn, query.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 0 ||
      PQsetSingleRowMode(conn) == 0) {
    return fail(Error::Kind::kDatabase, where,
                "cannot send the query: " + clean_message(PQerrorMessage(conn), password));
  }
  ResultPtr first(PQgetResult(conn));
  const ExecStatusType st = first ? PQresultStatus(first.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) return first;
  std::string msg = first ? result_error(first.get(), password) : "";
  if (msg.empty()) msg = clean_message(PQerrorMessage(conn), password);
  first.reset();
  drain(conn);
  if (st != PGRES_FATAL_ERROR && st != PGRES_NONFATAL_ERROR) {
    return fail(Error::Kind::kDatabase, where, "the query must be a SELECT that returns rows");
  }
  return fail(Error::Kind::kDatabase, where, "the query failed: " + msg);
}

Result<std::vector<MappedColumn>> typed_columns(const PGresult* res, const ColumnMap& map, Field key,
                                                const std::string& where) {
  std::vector<MappedColumn> columns;
  for (int i = 0; i < PQnfields(res); ++i) {
    const auto field = map.fields[static_cast<std::size_t>(i)];
    if (!field) continue;
    const Oid oid = PQftype(res, i);
    const PgType* type = find_type(oid);
    if (type == nullptr) {
      return fail(Error::Kind::kInput, where,
                  fmt::format("column {} has type {}, which hrsync cannot read; cast it to text in the query",
                              map.names[static_cast<std::size_t>(i)], type_label(oid)));
    }
    const bool time = type->kind == PgKind::kTime || is_time_column("", *field);
    MappedColumn c{i, *field, type->kind, time};
    if (*field == key) {
      columns.insert(columns.begin(), c);
    } else {
      columns.push_back(c);
    }
  }
  return columns;
}

}  // namespace

Result<std::unique_ptr<RecordSource>> open_postgres_source(const std::string& dsn, const std::string& query,
                                                           const SourceOptions& options,
                                                           std::string_view dsn_name) {
  const std::string where = fmt::format("postgres {}", dsn_name);
  const auto password = dsn_password(dsn);
  if (!password) {
    return fail(Error::Kind::kConfig, where, fmt::format("{} does not hold a valid connection string", dsn_name));
  }
  auto conn = connect(dsn, *password, where);
  if (!conn) return std::unexpected(conn.error());
  auto first = start_query(conn->get(), query, *password, where);
  if (!first) return std::unexpected(first.error());

  std::vector<std::string> names;
  for (int i = 0; i < PQnfields(first->get()); ++i) names.emplace_back(PQfname(first->get(), i));
  auto map = map_columns(names, options, where);
  if (!map) return std::unexpected(map.error());
  const Field key = key_field(options.entity);
  auto columns = typed_columns(first->get(), *map, key, where);
  if (!columns) return std::unexpected(columns.error());
  return std::make_unique<PostgresSource>(where, std::move(*conn), std::move(*first), std::move(*columns),
                                          std::move(*map), key);
}

}  // namespace hrsync
