#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace hrsync {
namespace {

TEST(Utf8, AcceptsAsciiAndWellFormedSequences) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii, long enough for the eight-byte path"));
  EXPECT_TRUE(is_valid_utf8("é 中文 😀 \xEF\xBF\xBF \xF4\x8F\xBF\xBF"));  // up to U+10FFFF
  EXPECT_TRUE(is_valid_utf8(std::string("nul\0inside", 10)));
}

TEST(Utf8, RefusesMalformedSequencesAtTheirFirstByte) {
  struct Case {
    std::string text;
    std::size_t bad;
  };
  const Case cases[] = {
      {"abc\xFF", 3},                  // never valid
      {"\x80", 0},                     // lone continuation
      {"ab\xC3", 2},                   // truncated at end
      {"ab\xC3(", 2},                  // truncated before ASCII
      {"\xC0\xAF", 0},                 // overlong '/'
      {"\xC1\xBF", 0},                 // overlong
      {"x\xE0\x80\xAF", 1},            // overlong 3-byte
      {"\xED\xA0\x80", 0},             // surrogate U+D800
      {"12345678\xF0\x8F\xBF\xBF", 8}, // overlong 4-byte, after the ASCII fast path
      {"\xF4\x90\x80\x80", 0},         // above U+10FFFF
      {"\xF5\x80\x80\x80", 0},         // never valid lead
      {"\xE4\xB8\xADok\xE4\xB8", 5},   // good then truncated
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(is_valid_utf8(c.text)) << c.bad;
    EXPECT_EQ(first_invalid_utf8(c.text), c.bad) << c.bad;
  }
}

TEST(Utf8Stream, SequenceSplitAcrossChunksIsValid) {
  const std::string text = "a中b😀c";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    Utf8Stream s;
    EXPECT_EQ(s.feed(std::string_view(text).substr(0, cut), 0), Utf8Stream::kNone) << cut;
    EXPECT_EQ(s.feed(std::string_view(text).substr(cut), cut), Utf8Stream::kNone) << cut;
    EXPECT_EQ(s.finish(), Utf8Stream::kNone) << cut;
  }
}

TEST(Utf8Stream, ReportsAbsoluteOffsetOfSequenceStartedInEarlierChunk) {
  Utf8Stream s;
  EXPECT_EQ(s.feed("xx\xE4\xB8", 100), Utf8Stream::kNone);
  EXPECT_EQ(s.feed("A", 104), 102u);
  EXPECT_EQ(s.bad_byte(), 0xE4);
}

TEST(Utf8Stream, FinishReportsATruncatedSequence) {
  Utf8Stream s;
  EXPECT_EQ(s.feed("ok\xF0\x9F", 10), Utf8Stream::kNone);
  EXPECT_EQ(s.finish(), 12u);
  EXPECT_EQ(s.bad_byte(), 0xF0);
}

}  // namespace
}  // namespace hrsync
