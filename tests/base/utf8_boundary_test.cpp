// UTF-8 character boundaries: counting characters and backing up to a character start.
// (Validation is tested in tests/connectors/sources/utf8_test.cpp.)
#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace hrsync {
namespace {

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("张三"), 2u);
  EXPECT_EQ(utf8_length("é😀a"), 3u);
}

TEST(Utf8CharStart, BacksUpToTheStartOfTheCharacter) {
  const std::string text = "a张b";  // 'a', E5 BC A0, 'b'
  EXPECT_EQ(utf8_char_start(text, 0), 0u);
  EXPECT_EQ(utf8_char_start(text, 1), 1u);
  EXPECT_EQ(utf8_char_start(text, 2), 1u);
  EXPECT_EQ(utf8_char_start(text, 3), 1u);
  EXPECT_EQ(utf8_char_start(text, 4), 4u);
  EXPECT_EQ(utf8_char_start(text, 5), 5u);   // the end
  EXPECT_EQ(utf8_char_start(text, 99), 5u);  // past the end
  EXPECT_EQ(text.substr(0, utf8_char_start(text, 3)), "a");
  EXPECT_EQ(utf8_char_start("", 0), 0u);
  EXPECT_EQ(utf8_char_start("\x80\x80", 1), 0u);  // only continuation bytes: the start
}

TEST(Utf8CharStart, ContinuationBytesAreThoseOfTheForm10xxxxxx) {
  EXPECT_FALSE(is_utf8_continuation('a'));
  EXPECT_FALSE(is_utf8_continuation('\xC3'));
  EXPECT_FALSE(is_utf8_continuation('\xF0'));
  EXPECT_TRUE(is_utf8_continuation('\x80'));
  EXPECT_TRUE(is_utf8_continuation('\xBF'));
}

}  // namespace
}  // namespace hrsync
