// Error: the one vocabulary for everything in hrsync that can fail.
//
// A function that can fail returns Result<T> (std::expected<T, Error>). Exceptions thrown by
// third-party libraries (SQLiteCpp, simdjson, toml++, Boost) are caught at the edge of the module
// that uses them and turned into an Error. An Error names where (file:line, config key, target and
// entity key, URL) and what, in words an operator can act on. It never carries a secret.
//
// Thread-safety: a plain value type.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace hrsync {

struct Error {
  enum class Kind {
    kUsage,     // bad command line
    kConfig,    // bad job config
    kInput,     // bad HR data (a source row, a column)
    kIo,        // a file could not be read or written
    kDatabase,  // SQLite or PostgreSQL failed
    kNetwork,   // connect, TLS, timeout, reset
    kProtocol,  // a remote answered something undocumented
    kOversize,  // a remote's answer passed a size limit (body or headers): the same call gets the
                // same answer, so it is never retried
    kMalformed,  // a remote's answer whose header is not well-formed HTTP (a control byte in a
                 // field): the same call gets the same answer, so it is never retried
    kAuth,      // credentials refused, token endpoint failed
    kSourceRead,  // a source changed or failed while it was read (after it opened): the records
                  // read are not the whole source, so nothing may be planned from them
    kInternal,  // a bug
  };

  Kind kind = Kind::kInternal;
  std::string where;    // "job.toml:12 feishu.app_id", "hr.csv:17", "" when there is no place
  std::string message;  // what went wrong and, where known, what to do about it

  // "where: message", or just the message when `where` is empty.
  std::string str() const { return where.empty() ? message : where + ": " + message; }
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Error::Kind kind, std::string where, std::string message) {
  return std::unexpected<Error>(Error{kind, std::move(where), std::move(message)});
}

}  // namespace hrsync
