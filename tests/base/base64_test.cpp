// base64: RFC 4648 vectors, and long input in one piece.
#include "base/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace hrsync {
namespace {

TEST(Base64, MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto [in, want] : vectors) {
    std::string out = "x";
    append_base64(out, in);
    EXPECT_EQ(out, std::string("x") + want) << in;
  }
  std::string out;
  append_base64(out, std::string("\xfb\xff\x00", 3));
  EXPECT_EQ(out, "+/8A");
}

TEST(Base64, ReturnsWhatItAppends) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("ab"), "YWI=");
  EXPECT_EQ(base64(std::string("\x00\x00\x00\x00", 4)), "AAAAAA==");
  // Long input: no line breaks (EVP_EncodeBlock writes none), 4 characters for every 3 bytes.
  const std::string photo(100000, '\x7f');
  const std::string text = base64(photo);
  EXPECT_EQ(text.size(), 133336u);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(text.substr(0, 8), "f39/f39/");
  EXPECT_EQ(text.substr(text.size() - 4), "fw==");
}

}  // namespace
}  // namespace hrsync
