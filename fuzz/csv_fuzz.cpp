// Fuzz target: the CSV source (csv_scanner.h, csv_source.h, column_map.h, encoding.h).
//
// Input: a byte of options, a byte naming the delimiter, then the file. The options byte:
//   bit 0   the file is GB18030 (read through its UTF-8 copy), else UTF-8
//   bit 1   the rows are groups (key group_id), else employees (key employee_no)
//   bits 2-4  the scanner's buffer: 4 KiB (0 to 4), 1 byte (5), 3 bytes (6) or 64 bytes (7), so
//           that fields and line breaks fall across reads (the default 1 MiB runs the same code,
//           and zeroing it would take most of a run; a read a byte costs a system call a byte)
//   bit 5   fields are capped at 8 bytes, else at 1 MiB
// The delimiter byte is taken as a job config would allow it: ASCII other than a quote or a line
// break (anything else becomes ','). The file is read as a source, record by record, and scanned
// once more with the bare scanner; both must stop at the end of the file with line numbers that
// never go back. A record has its key; no field is longer than the cap; and a file that does not
// end with a line break ends with a row that has a problem (cut short, or a quote never closed):
// a torn export's last row is never taken as whole.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/sources/csv_scanner.h"
#include "connectors/sources/csv_source.h"
#include "scratch_file.h"

namespace {

using namespace hrsync;

CsvOptions options_of(std::uint8_t flags, std::uint8_t delimiter) {
  static constexpr std::array<std::size_t, 8> kBuffers = {4096, 4096, 4096, 4096, 4096, 1, 3, 64};
  CsvOptions csv;
  csv.encoding = (flags & 1) != 0 ? "gb18030" : "utf-8";
  csv.buffer_size = kBuffers[(flags >> 2) & 7];
  if ((flags & 32) != 0) csv.max_field_bytes = 8;
  const char d = static_cast<char>(delimiter);
  csv.delimiter = delimiter >= 0x80 || d == '"' || d == '\n' || d == '\r' ? ',' : d;
  return csv;
}

void read_source(const std::string& path, Entity entity, const CsvOptions& csv) {
  SourceOptions options;
  options.entity = entity;
  auto source = open_csv_source(path, options, csv);
  if (!source) return;
  Record r;
  std::uint64_t last_line = 0;
  while ((*source)->next(r)) {
    if (r.origin.line <= last_line || r.at(key_field(entity)).empty()) __builtin_trap();
    last_line = r.origin.line;
  }
  (void)(*source)->status();
}

void scan(const std::string& path, const CsvOptions& csv, std::string_view file) {
  CsvOptions utf8 = csv;
  utf8.encoding = "utf-8";
  auto scanner = CsvScanner::open(path, utf8);
  if (!scanner) return;
  std::array<std::string, 8> fields;
  std::array<std::string*, 8> slots = {&fields[0], &fields[1], nullptr, &fields[3],
                                       &fields[4], nullptr,    &fields[6], &fields[7]};
  CsvRow row;
  std::uint64_t last_line = 0;
  CsvProblem last_problem = CsvProblem::kNone;
  for (;;) {
    for (std::string& f : fields) f.clear();
    if (!(*scanner)->next_row(slots, row)) break;
    if (row.line <= last_line || row.fields == 0) __builtin_trap();
    for (const std::string& f : fields) {
      if (f.size() > utf8.max_field_bytes) __builtin_trap();
    }
    last_line = row.line;
    last_problem = row.problem;
  }
  if (!(*scanner)->status()) return;
  const bool torn = !file.empty() && file.back() != '\n' && file.back() != '\r';
  if (torn && last_line != 0 && last_problem == CsvProblem::kNone) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const CsvOptions csv = options_of(data[0], data[1]);
  const Entity entity = (data[0] & 2) != 0 ? Entity::kGroups : Entity::kEmployees;
  const std::string_view file(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::string path = fuzz::write_scratch("hr.csv", file);
  read_source(path, entity, csv);
  scan(path, csv, file);
  return 0;
}
