#include "diff/json_writer.h"

#include <gtest/gtest.h>

#include <cstdio>

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

// Reference escaping, one byte at a time, to check the word-at-a-time scanner against.
std::string escape_slowly(std::string_view v) {
  std::string out = "\"";
  for (unsigned char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

TEST(JsonWriter, LongStringsWithEscapesAtEveryOffsetMatchTheReference) {
  const std::string_view specials[] = {"\"", "\\", "\n", "\x01", "\x1f", "张", "\t"};
  for (std::size_t len : {15u, 16u, 17u, 31u, 64u, 200u}) {
    for (std::size_t at = 0; at < len; ++at) {
      for (auto special : specials) {
        std::string v(len, 'a');
        v.replace(at, 1, special);
        std::string out = "prefix";
        append_json_string(out, v);
        ASSERT_EQ(out, "prefix" + escape_slowly(v)) << "len " << len << " at " << at;
      }
    }
  }
  std::string clean(1000, 'x');
  std::string out;
  append_json_string(out, clean);
  EXPECT_EQ(out, "\"" + clean + "\"");
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
