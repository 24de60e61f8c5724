#include "emulator/csv_table.h"

#include <fstream>
#include <sstream>

namespace hrsync::emulator {
namespace {

// Walks the text one row at a time.
class CsvScanner {
 public:
  explicit CsvScanner(std::string_view text) : text_(text) {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
  }

  bool done() const { return pos_ >= text_.size(); }

  CsvRow next_row() {
    CsvRow row;
    row.line = line_;
    while (true) {
      row.fields.emplace_back();
      bool more = read_field(row.fields.back(), row.ok);
      if (!more) break;
    }
    return row;
  }

 private:
  // Reads one field into `out`; returns true when another field of the same row follows.
  bool read_field(std::string& out, bool& ok) {
    if (pos_ < text_.size() && text_[pos_] == '"') return read_quoted(out, ok);
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == ',') return true;
      if (c == '\n') return end_line();
      if (c == '\r' && peek() == '\n') continue;
      if (c == '"') ok = false;
      out.push_back(c);
    }
    return false;
  }

  bool read_quoted(std::string& out, bool& ok) {
    ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '\n') ++line_;
      if (c != '"') {
        out.push_back(c);
        continue;
      }
      if (peek() == '"') {
        out.push_back('"');
        ++pos_;
        continue;
      }
      return after_closing_quote(ok);
    }
    ok = false;  // unterminated quote
    return false;
  }

  bool after_closing_quote(bool& ok) {
    if (peek() == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    if (pos_ >= text_.size()) return false;
    char c = text_[pos_++];
    if (c == ',') return true;
    if (c == '\n') return end_line();
    ok = false;  // text after a closing quote: skip the rest of the line
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    if (pos_ < text_.size()) {
      ++pos_;
      ++line_;
    }
    return false;
  }

  bool end_line() {
    ++line_;
    return false;
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

std::vector<CsvRow> parse_csv(std::string_view text) {
  std::vector<CsvRow> rows;
  CsvScanner scanner(text);
  while (!scanner.done()) rows.push_back(scanner.next_row());
  return rows;
}

Result<std::vector<CsvRow>> read_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Error::Kind::kIo, path, "cannot open the CSV file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(Error::Kind::kIo, path, "cannot read the CSV file");
  return parse_csv(text.str());
}

}  // namespace hrsync::emulator
