// CsvTable: a small RFC 4180 reader for the HR CSV files a fixture is built from.
//
// The whole file is read at once (fixtures are small). Fields may be quoted; a quoted field may
// hold commas, doubled quotes and line breaks. Lines end in LF or CRLF; a UTF-8 byte order mark
// is skipped. A row that breaks the grammar (a quote inside an unquoted field, text after a
// closing quote, an unterminated quote) is kept with ok = false, so callers can skip it.
// This reader is the emulator's own: it shares nothing with connectors/sources.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace hrsync::emulator {

struct CsvRow {
  std::size_t line = 0;             // 1-based line where the row starts
  std::vector<std::string> fields;
  bool ok = true;                   // false when the row breaks the CSV grammar
};

// Every row of `text`, the header included. An empty last line is not a row.
std::vector<CsvRow> parse_csv(std::string_view text);

// parse_csv of the file at `path`; a kIo error names the file when it cannot be read.
Result<std::vector<CsvRow>> read_csv_file(const std::string& path);

}  // namespace hrsync::emulator
