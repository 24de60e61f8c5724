#include "connectors/sources/csv_source.h"

#include <utility>
#include <vector>

#include <fmt/format.h>

#include "connectors/sources/column_map.h"
#include "connectors/sources/encoding.h"
#include "connectors/sources/file_stamp.h"

namespace hrsync {
namespace {

constexpr std::size_t kMaxHeaderColumns = 1024;

std::string bad_row_reason(const CsvRow& row, const ColumnMap& map, std::size_t max_field_bytes) {
  const std::string column = map.describe_column(row.problem_field);
  switch (row.problem) {
    case CsvProblem::kNone:
      break;
    case CsvProblem::kStrayQuote:
      return fmt::format("quote inside unquoted field {}; quote the whole field and double the quote",
                         column);
    case CsvProblem::kTextAfterQuote:
      return fmt::format("text after the closing quote of field {}", column);
    case CsvProblem::kUnterminatedQuote:
      return fmt::format("field {} opens a quote at line {} that is never closed", column, row.quote_line);
    case CsvProblem::kFieldTooLong:
      return fmt::format("field {} is longer than {} bytes", column, max_field_bytes);
    case CsvProblem::kCutShort:
      return fmt::format("the file ends inside field {} of this row, with no line break after it: the file was "
                         "cut short (its last value may be only the start of one)",
                         column);
    case CsvProblem::kInvalidUtf8:
      return fmt::format("invalid UTF-8 in field {}: byte 0x{:02X} at byte {} of the field", column,
                         row.bad_byte, row.bad_offset + 1);
  }
  return {};
}

class CsvSource final : public RecordSource {
 public:
  CsvSource(std::string path, FileStamp stamp, std::unique_ptr<CsvScanner> scanner, ColumnMap map,
            const CsvOptions& csv, Entity entity)
      : path_(std::move(path)), stamp_(stamp), scanner_(std::move(scanner)), map_(std::move(map)),
        max_field_bytes_(csv.max_field_bytes), key_(key_field(entity)),
        key_column_(*map_.column_of(key_)), slots_(map_.fields.size(), nullptr) {}

  bool next(Record& out) override {
    bind(out);
    CsvRow row;
    for (;;) {
      out.clear();
      if (!scanner_->next_row(slots_, row)) {
        status_ = scanner_->status();
        // The end of the file is the end of the source only if the file is still the one opened.
        if (status_ && !ended_) status_ = check_unchanged(path_, stamp_, path_);
        ended_ = true;
        return false;
      }
      if (accept(row, out)) return true;
    }
  }

  const Result<void>& status() const override { return status_; }
  const std::vector<Rejection>& rejections() const override { return rejections_; }
  std::string describe() const override { return path_; }

 private:
  // Points each mapped column's slot at the field of `out` it fills.
  void bind(Record& out) {
    if (bound_ == &out) return;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      slots_[i] = map_.fields[i] ? &out.at(*map_.fields[i]) : nullptr;
    }
    bound_ = &out;
  }

  bool accept(const CsvRow& row, Record& out) {
    trim_keys(out);
    std::string reason;
    if (row.problem != CsvProblem::kNone) {
      reason = bad_row_reason(row, map_, max_field_bytes_);
    } else if (row.fields != map_.fields.size()) {
      reason = fmt::format("expected {} fields, found {}", map_.fields.size(), row.fields);
    } else if (out.get(key_).empty()) {
      reason = fmt::format("empty key ({})", map_.names[key_column_]);
    }
    out.origin.set(path_, row.line, Origin::Unit::kLine);
    if (reason.empty()) return true;
    const bool key_readable = row.problem == CsvProblem::kNone || row.problem_field != key_column_;
    rejections_.push_back(
        Rejection{out.origin, key_readable ? std::string(out.get(key_)) : std::string(), std::move(reason)});
    return false;
  }

  // Keys lose surrounding spaces and tabs (" E00003 " is E00003): a key is an identifier that no
  // API accepts with them, and left on they would make one person two entities. Other cells are
  // kept as written; the targets' rules judge them.
  void trim_keys(Record& out) const {
    trim(out.at(key_));
    if (key_ == Field::kEmployeeNo) trim(out.at(Field::kUserId));
  }
  static void trim(std::string& s) {
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    if (s.empty() || (!blank(s.front()) && !blank(s.back()))) return;
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && blank(s[b])) ++b;
    while (e > b && blank(s[e - 1])) --e;
    s.erase(e);
    s.erase(0, b);
  }

  std::string path_;
  FileStamp stamp_;  // the file before the read began
  bool ended_ = false;
  std::unique_ptr<CsvScanner> scanner_;
  ColumnMap map_;
  std::size_t max_field_bytes_;
  Field key_;
  std::size_t key_column_;
  std::vector<std::string*> slots_;
  Record* bound_ = nullptr;
  Result<void> status_;
  std::vector<Rejection> rejections_;
};

// Reads the header row into column names.
Result<std::vector<std::string>> read_header(CsvScanner& scanner, const std::string& path,
                                              std::size_t max_field_bytes) {
  std::vector<std::string> names(kMaxHeaderColumns);
  std::vector<std::string*> slots;
  for (auto& n : names) slots.push_back(&n);
  CsvRow row;
  if (!scanner.next_row(slots, row)) {
    if (!scanner.status()) return std::unexpected(scanner.status().error());
    return fail(Error::Kind::kInput, path, "the file is empty: expected a header row naming the columns");
  }
  const std::string where = fmt::format("{}:{}", path, row.line);
  if (row.fields > kMaxHeaderColumns) {
    return fail(Error::Kind::kInput, where,
                fmt::format("the header has {} columns, more than {}", row.fields, kMaxHeaderColumns));
  }
  names.resize(row.fields);
  if (row.problem != CsvProblem::kNone) {
    ColumnMap unnamed;
    return fail(Error::Kind::kInput, where,
                "bad header row: " + bad_row_reason(row, unnamed, max_field_bytes));
  }
  return names;
}

// True iff some header column names a canonical field or a rename: false when the first row is
// data, i.e. the header is missing.
bool names_any_column(const std::vector<std::string>& names, const SourceOptions& options) {
  for (const auto& n : names) {
    if (field_from_name(n)) return true;
    for (const auto& rename : options.renames) {
      if (rename.second == n) return true;
    }
  }
  return false;
}

std::string first_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 5; ++i) out += (i == 0 ? "" : ",") + names[i];
  return names.size() > 5 ? out + ",..." : out;
}

}  // namespace

Result<std::unique_ptr<RecordSource>> open_csv_source(const std::string& path, const SourceOptions& options) {
  return open_csv_source(path, options, CsvOptions{});
}

Result<std::unique_ptr<RecordSource>> open_csv_source(const std::string& path, const SourceOptions& options,
                                                      const CsvOptions& csv) {
  if (!known_csv_encoding(csv.encoding)) {
    return fail(Error::Kind::kConfig, path, fmt::format("encoding \"{}\" is not utf-8 or gb18030", csv.encoding));
  }
  // Taken before the first byte is read: a file replaced or written from here on fails the read at its end.
  auto stamp = stamp_file(path);
  if (!stamp) return std::unexpected(stamp.error());
  Result<std::unique_ptr<CsvScanner>> scanner;
  if (csv.encoding == "gb18030") {
    auto fd = gb18030_to_utf8_file(path);
    if (!fd) return std::unexpected(fd.error());
    scanner = CsvScanner::adopt(*fd, path, csv);
  } else {
    if (auto ok = check_not_gb18030(path); !ok) return std::unexpected(ok.error());
    scanner = CsvScanner::open(path, csv);
  }
  if (!scanner) return std::unexpected(scanner.error());
  auto names = read_header(**scanner, path, csv.max_field_bytes);
  if (!names) return std::unexpected(names.error());
  if (!names_any_column(*names, options)) {
    return fail(Error::Kind::kInput, path + ":1",
                fmt::format("the first row names no known column, so the header row is missing; expected a header "
                            "such as \"{},name,...\", found \"{}\"",
                            field_name(key_field(options.entity)), first_names(*names)));
  }
  auto map = map_columns(*names, options, path);
  if (!map) return std::unexpected(map.error());
  return std::make_unique<CsvSource>(path, *stamp, std::move(*scanner), std::move(*map), csv, options.entity);
}

}  // namespace hrsync
