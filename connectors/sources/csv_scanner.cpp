#include "connectors/sources/csv_scanner.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hrsync {
namespace {

// The first byte in [p, e) that is the delimiter, a quote, LF or CR; e when there is none.
const char* find_special(const char* p, const char* e, char delim) {
#if defined(__SSE2__)
  const __m128i d = _mm_set1_epi8(delim);
  const __m128i q = _mm_set1_epi8('"');
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  while (e - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < e && *p != delim && *p != '"' && *p != '\n' && *p != '\r') ++p;
  return p;
}

// The first '"' or LF in [p, e); e when there is none.
const char* find_quote_or_lf(const char* p, const char* e) {
#if defined(__SSE2__)
  const __m128i q = _mm_set1_epi8('"');
  const __m128i lf = _mm_set1_epi8('\n');
  while (e - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, lf));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < e && *p != '"' && *p != '\n') ++p;
  return p;
}

// Length of a UTF-8 byte order mark at the start of the file (0 or 3).
std::uint64_t bom_length(int fd) {
  unsigned char head[3] = {0, 0, 0};
  const ssize_t n = ::pread(fd, head, sizeof head, 0);
  return n == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF ? 3 : 0;
}

}  // namespace

Result<std::unique_ptr<CsvScanner>> CsvScanner::open(const std::string& path, const CsvOptions& options) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(Error::Kind::kIo, path, fmt::format("cannot open the file: {}", std::strerror(errno)));
  }
  return adopt(fd, path, options);
}

Result<std::unique_ptr<CsvScanner>> CsvScanner::adopt(int fd, const std::string& path, const CsvOptions& options) {
  const std::uint64_t start = bom_length(fd);
  if (start != 0 && ::lseek(fd, static_cast<off_t>(start), SEEK_SET) < 0) {
    const int err = errno;
    ::close(fd);
    return fail(Error::Kind::kIo, path, fmt::format("cannot read the file: {}", std::strerror(err)));
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<CsvScanner>(new CsvScanner(fd, path, options, start));
}

CsvScanner::CsvScanner(int fd, std::string path, const CsvOptions& options, std::uint64_t start)
    : fd_(fd), path_(std::move(path)), options_(options), base_(start) {
  if (options_.buffer_size == 0) options_.buffer_size = 1;
  buf_ = std::make_unique<char[]>(options_.buffer_size);
  pos_ = end_ = buf_.get();
}

CsvScanner::~CsvScanner() { ::close(fd_); }

bool CsvScanner::refill(const char*& p, const char*& e) {
  if (eof_) return false;
  base_ += static_cast<std::uint64_t>(end_ - buf_.get());
  ssize_t n = 0;
  do {
    n = ::read(fd_, buf_.get(), options_.buffer_size);
  } while (n < 0 && errno == EINTR);
  p = e = pos_ = end_ = buf_.get();
  if (n < 0) {
    status_ = fail(Error::Kind::kIo, path_,
                   fmt::format("read failed at byte {}: {}", base_, std::strerror(errno)));
    eof_ = true;
    return false;
  }
  if (n == 0) {
    eof_ = true;
    if (bad_ == Utf8Stream::kNone) {
      bad_ = utf8_.finish();
      bad_byte_ = utf8_.bad_byte();
    }
    return false;
  }
  e = end_ = p + n;
  // While bad_ is set, it lies in the row being scanned: validation resumes where that row ends.
  if (bad_ == Utf8Stream::kNone) validate_from(p);
  return true;
}

void CsvScanner::validate_from(const char* p) {
  bad_ = utf8_.feed(std::string_view(p, static_cast<std::size_t>(end_ - p)), offset_of(p));
  if (bad_ != Utf8Stream::kNone) {
    bad_byte_ = utf8_.bad_byte();
    utf8_.reset();
  }
}

void CsvScanner::begin_row(std::uint64_t offset) {
  row_ = CsvRow{};
  row_.line = line_;
  field_ = 0;
  begin_field(offset);
}

void CsvScanner::begin_field(std::uint64_t offset) {
  if (field_ < field_starts_.size()) field_starts_[field_] = offset;
  cur_ = field_ < slot_count_ ? slots_[field_] : nullptr;
}

void CsvScanner::too_long() {
  problem(CsvProblem::kFieldTooLong);
  cur_ = nullptr;
}

void CsvScanner::problem(CsvProblem what) {
  if (row_.problem != CsvProblem::kNone) return;
  row_.problem = what;
  row_.problem_field = field_;
}

void CsvScanner::end_row(const char* p, CsvRow& row) {
  pos_ = p;
  state_ = State::kRowStart;
  row_.fields = field_ + 1;
  const std::uint64_t end = offset_of(p);
  if (bad_ < end) {
    if (row_.problem == CsvProblem::kNone) {
      std::size_t f = 0;
      const std::size_t known = std::min(row_.fields, field_starts_.size());
      while (f + 1 < known && field_starts_[f + 1] <= bad_) ++f;
      row_.problem = CsvProblem::kInvalidUtf8;
      row_.problem_field = f;
      row_.bad_offset = bad_ - field_starts_[f];
      row_.bad_byte = bad_byte_;
    }
    utf8_.reset();
    validate_from(p);
  }
  row = row_;
}

bool CsvScanner::finish_at_eof(CsvRow& row) {
  if (state_ == State::kRowStart || !status_) return false;  // a read error drops the partial row
  problem(state_ == State::kQuoted ? CsvProblem::kUnterminatedQuote : CsvProblem::kCutShort);
  end_row(end_, row);
  return true;
}

bool CsvScanner::next_row(std::span<std::string* const> slots, CsvRow& row) {
  slots_ = slots.data();
  slot_count_ = slots.size();
  if (field_starts_.size() < slot_count_ + 1) field_starts_.resize(slot_count_ + 1);
  const char delim = options_.delimiter;
  const char* p = pos_;
  const char* e = end_;
  for (;;) {
    if (p == e) {
      if (!refill(p, e)) return finish_at_eof(row);
      continue;
    }
    switch (state_) {
      case State::kRowStart: {
        const char c = *p;
        if (skip_lf_) {
          skip_lf_ = false;
          if (c == '\n') {
            ++p;
            continue;
          }
        }
        if (c == '\n' || c == '\r') {  // a blank line
          ++line_;
          skip_lf_ = c == '\r';
          ++p;
          continue;
        }
        begin_row(offset_of(p));
        state_ = State::kFieldStart;
        [[fallthrough]];
      }
      case State::kFieldStart:
        if (*p == '"') {
          ++p;
          row_.quote_line = line_;
          state_ = State::kQuoted;
          continue;
        }
        state_ = State::kUnquoted;
        [[fallthrough]];
      case State::kUnquoted: {
        const char* q = find_special(p, e, delim);
        put(p, static_cast<std::size_t>(q - p));
        p = q;
        if (p == e) continue;
        const char c = *p++;
        if (c == delim) {
          ++field_;
          begin_field(offset_of(p));
          state_ = State::kFieldStart;
          continue;
        }
        if (c == '"') {
          problem(CsvProblem::kStrayQuote);
          continue;
        }
        ++line_;
        skip_lf_ = c == '\r';
        end_row(p, row);
        return true;
      }
      case State::kQuoted: {
        const char* q = find_quote_or_lf(p, e);
        if (q != e && *q == '\n') {  // a line break inside quotes: part of the value
          ++line_;
          ++q;
          put(p, static_cast<std::size_t>(q - p));
          p = q;
          continue;
        }
        put(p, static_cast<std::size_t>(q - p));
        p = q;
        if (p == e) continue;
        ++p;
        state_ = State::kQuoteInQuoted;
        continue;
      }
      case State::kQuoteInQuoted: {
        const char c = *p;
        if (c == '"') {  // a doubled quote stands for one
          put(p, 1);
          ++p;
          state_ = State::kQuoted;
          continue;
        }
        if (c == delim) {
          ++p;
          ++field_;
          begin_field(offset_of(p));
          state_ = State::kFieldStart;
          continue;
        }
        if (c == '\n' || c == '\r') {
          ++p;
          ++line_;
          skip_lf_ = c == '\r';
          end_row(p, row);
          return true;
        }
        problem(CsvProblem::kTextAfterQuote);
        state_ = State::kUnquoted;
        continue;
      }
    }
  }
}

}  // namespace hrsync
