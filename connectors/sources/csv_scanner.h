// CsvScanner: the rows of an RFC 4180 file, read through one fixed-size buffer.
//
// The scanner splits a file into rows and fields; it knows nothing of columns or records (see
// csv_source.h for that). It reads the file with plain read() calls into a buffer of
// CsvOptions::buffer_size bytes and appends each field straight into the caller's strings, so
// memory does not grow with the size of the file, and a field may be longer than the buffer.
//
// The format: fields separated by the delimiter; rows end with LF, CRLF or a lone CR; a field
// may be quoted with '"', and then holds delimiters, line breaks and doubled quotes ("" -> ").
// A UTF-8 byte order mark at the start is skipped. Blank lines are skipped. Values are kept
// exactly as written: nothing is trimmed. Lines are counted by LF (and a lone CR that ends a row),
// including the line breaks inside quoted fields, so CsvRow::line is what an editor shows.
// A row that breaks the format is still delimited and returned with CsvRow::problem set, and
// scanning goes on with the next row; only a read error stops it. Every row ends with a line
// break, the last one too: a file that ends inside a row was cut short (an export still being
// written, a copy that stopped), and that row, whose last field may be a prefix of its value,
// comes with CsvProblem::kCutShort.
//
// Thread-safety: one thread at a time. The scanner owns its file descriptor and buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/utf8.h"
#include "base/error.h"

namespace hrsync {

struct CsvOptions {
  std::size_t buffer_size = std::size_t{1} << 20;      // bytes per read(); at least 1
  std::size_t max_field_bytes = std::size_t{1} << 20;  // a longer field makes its row a problem row
  char delimiter = ',';                                // field separator
  std::string encoding = "utf-8";                      // utf-8 | gb18030 (encoding.h); open_csv_source reads it
};

enum class CsvProblem : std::uint8_t {
  kNone,
  kStrayQuote,         // a '"' inside an unquoted field
  kTextAfterQuote,     // something other than a delimiter or line break after a closing quote
  kUnterminatedQuote,  // the file ended inside a quoted field
  kFieldTooLong,       // a field longer than CsvOptions::max_field_bytes
  kInvalidUtf8,        // bytes that are not UTF-8
  kCutShort,           // the file ended inside the row, before its line break
};

struct CsvRow {
  std::uint64_t line = 0;          // physical line where the row starts, 1-based
  std::size_t fields = 0;          // number of fields in the row
  CsvProblem problem = CsvProblem::kNone;  // the first problem found in the row
  std::size_t problem_field = 0;   // 0-based index of the field with the problem
  std::uint64_t quote_line = 0;    // kUnterminatedQuote: the line where the quote opened
  std::uint64_t bad_offset = 0;    // kInvalidUtf8: byte offset in the field, counting a quote
  unsigned char bad_byte = 0;      // kInvalidUtf8: first byte of the invalid sequence
};

class CsvScanner {
 public:
  // Opens `path` and skips a byte order mark. Fails (kIo) when the file cannot be opened.
  static Result<std::unique_ptr<CsvScanner>> open(const std::string& path, const CsvOptions& options);
  // The same over `fd` (a seekable file at offset 0, owned by the scanner from now on); `path`
  // names it in messages.
  static Result<std::unique_ptr<CsvScanner>> adopt(int fd, const std::string& path, const CsvOptions& options);

  ~CsvScanner();
  CsvScanner(const CsvScanner&) = delete;
  CsvScanner& operator=(const CsvScanner&) = delete;

  // Scans the next row into `row`. Field i is appended to *slots[i] when i < slots.size() and
  // slots[i] is not null; other fields are checked and dropped. The caller clears the strings.
  // Returns false at the end of the file, or on a read error (then status() holds it).
  bool next_row(std::span<std::string* const> slots, CsvRow& row);

  // Ok, or the read error that stopped scanning.
  const Result<void>& status() const { return status_; }

 private:
  enum class State : std::uint8_t { kRowStart, kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };

  CsvScanner(int fd, std::string path, const CsvOptions& options, std::uint64_t start);

  bool refill(const char*& p, const char*& e);
  bool finish_at_eof(CsvRow& row);
  void begin_row(std::uint64_t offset);
  void begin_field(std::uint64_t offset);
  // Appends n bytes at p to the current field, unless it is dropped or too long.
  void put(const char* p, std::size_t n) {
    if (cur_ == nullptr || n == 0) return;
    if (cur_->size() + n > options_.max_field_bytes) return too_long();
    cur_->append(p, n);
  }
  void too_long();
  void problem(CsvProblem what);
  void end_row(const char* p, CsvRow& row);
  void validate_from(const char* p);
  std::uint64_t offset_of(const char* p) const { return base_ + static_cast<std::uint64_t>(p - buf_.get()); }

  int fd_;
  std::string path_;
  CsvOptions options_;
  std::unique_ptr<char[]> buf_;
  const char* pos_ = nullptr;  // next byte to scan
  const char* end_ = nullptr;  // end of the bytes read
  std::uint64_t base_ = 0;     // file offset of buf_[0]
  bool eof_ = false;
  Result<void> status_;

  State state_ = State::kRowStart;
  bool skip_lf_ = false;       // the last row ended with CR: an LF right after belongs to it
  std::uint64_t line_ = 1;     // the physical line being scanned

  // The row being scanned.
  std::string* const* slots_ = nullptr;
  std::size_t slot_count_ = 0;
  std::string* cur_ = nullptr;  // where the current field goes, or null
  std::size_t field_ = 0;       // index of the current field
  std::vector<std::uint64_t> field_starts_;  // file offset of each field, for UTF-8 messages
  CsvRow row_;

  // UTF-8 is validated over the raw bytes, ahead of the scan; bad_ is the first invalid
  // sequence found at or after the start of the current row (Utf8Stream::kNone if none yet).
  Utf8Stream utf8_;
  std::uint64_t bad_ = Utf8Stream::kNone;
  unsigned char bad_byte_ = 0;
};

}  // namespace hrsync
