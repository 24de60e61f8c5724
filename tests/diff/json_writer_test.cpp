#include "diff/json_writer.h"

#include <gtest/gtest.h>

#include "diff/document.h"
#include "diff/record.h"

namespace hrsync {
namespace {

TEST(JsonWriter, WritesNestedCanonicalJson) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("a").integer(-12).key("b").begin_array().string("x").boolean(true).null().end_array();
  w.key("c").begin_object().key("d").string("").end_object().end_object();
  EXPECT_EQ(out, R"({"a":-12,"b":["x",true,null],"c":{"d":""}})");
}

TEST(JsonWriter, EscapesControlCharactersQuotesAndBackslashes) {
  std::string out;
  append_json_string(out, "a\"b\\c\n\t\x01\x1f张三");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f张三\"");
}

TEST(Document, HashFollowsContent) {
  Document a{"k", R"({"a":1})"};
  Document b{"k", R"({"a":2})"};
  a.seal();
  b.seal();
  EXPECT_NE(a.hash, b.hash);
  Document c{"other", R"({"a":1})"};
  c.seal();
  EXPECT_EQ(a.hash, c.hash);
}

TEST(Record, FieldNamesRoundTrip) {
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    auto f = static_cast<Field>(i);
    ASSERT_EQ(field_from_name(field_name(f)), f) << field_name(f);
  }
  EXPECT_FALSE(field_from_name("employe_no").has_value());
}

}  // namespace
}  // namespace hrsync
