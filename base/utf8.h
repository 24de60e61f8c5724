// UTF-8: validation (a one-shot check and a streaming validator for input read in chunks), and
// the character boundaries that counting and cutting text need.
//
// Every source guarantees that the text it hands on is valid UTF-8 (diff/json_writer.h relies on
// it). Valid means RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
// U+10FFFF. ASCII is checked eight bytes at a time, so clean ASCII input costs almost nothing.
// The boundary functions look at one byte at a time and do not validate: on invalid text they
// count and cut by the same rule, never out of bounds.
//
// Thread-safety: the functions are pure; a Utf8Stream belongs to one reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hrsync {

// True iff `text` is valid UTF-8.
bool is_valid_utf8(std::string_view text);

// Offset of the first byte of the first invalid sequence in `text`, or text.size() when valid.
std::size_t first_invalid_utf8(std::string_view text);

// True iff `byte` continues a character (10xxxxxx) rather than starting one.
constexpr bool is_utf8_continuation(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

// The characters (code points) of `text`: its bytes that are not continuation bytes. The length
// Feishu's field limits count in.
std::size_t utf8_length(std::string_view text);

// Where the character holding byte `at` starts: the largest offset <= `at` that is not a
// continuation byte, or 0. text.size() when `at` >= text.size(). Cutting `text` there keeps
// every character whole: text.substr(0, utf8_char_start(text, n)) is at most n bytes.
std::size_t utf8_char_start(std::string_view text, std::size_t at);

// Validates a byte stream that arrives in chunks, where a multi-byte sequence may straddle two
// chunks. Offsets are absolute: counted from the first byte ever fed.
class Utf8Stream {
 public:
  static constexpr std::uint64_t kNone = UINT64_MAX;

  // Validates `chunk`, which starts at absolute offset `offset`, continuing the sequence left
  // open by the previous call. Stops at the first invalid sequence and returns its absolute start
  // offset; returns kNone when the whole chunk is valid so far.
  std::uint64_t feed(std::string_view chunk, std::uint64_t offset);

  // Declares the end of input: returns the start of a sequence left incomplete, or kNone.
  std::uint64_t finish() {
    bad_byte_ = lead_;
    return need_ == 0 ? kNone : seq_start_;
  }

  // Forgets any open sequence (validation restarts at a character boundary).
  void reset() { need_ = 0; }

  // The first byte of the last invalid sequence reported (for messages).
  unsigned char bad_byte() const { return bad_byte_; }

 private:
  unsigned need_ = 0;            // continuation bytes still expected
  unsigned char lo_ = 0x80;      // allowed range of the next continuation byte
  unsigned char hi_ = 0xBF;
  std::uint64_t seq_start_ = 0;  // absolute offset of the open sequence's lead byte
  unsigned char lead_ = 0;       // the open sequence's lead byte
  unsigned char bad_byte_ = 0;
};

}  // namespace hrsync
