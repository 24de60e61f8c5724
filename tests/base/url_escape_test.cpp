// URL escaping: only the unreserved bytes pass as they are.
#include "base/url_escape.h"

#include <gtest/gtest.h>

#include <string>

namespace hrsync {
namespace {

TEST(UrlEscape, KeepsOnlyUnreservedBytes) {
  std::string out;
  append_url_escaped(out, "Az09-._~ /?#%&=+é");
  EXPECT_EQ(out, "Az09-._~%20%2F%3F%23%25%26%3D%2B%C3%A9");
}

TEST(UrlEscape, ReturnsWhatItAppends) {
  EXPECT_EQ(url_escaped(""), "");
  EXPECT_EQ(url_escaped("a b&c"), "a%20b%26c");
  EXPECT_EQ(url_escaped(std::string("\x00\xff", 2)), "%00%FF");
}

}  // namespace
}  // namespace hrsync
