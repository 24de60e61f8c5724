// The connectors' building blocks: field rules, base64, URL escaping, JSON members, photo hashes.
#include <gtest/gtest.h>

#include <string>

#include "connectors/targets/base64.h"
#include "connectors/targets/field_rules.h"
#include "connectors/targets/json_members.h"
#include "connectors/targets/photo_file.h"
#include "connectors/targets/url_escape.h"
#include "diff/document.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

TEST(FieldRuleChecks, Utf8LengthCountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("张三"), 2u);
  EXPECT_EQ(utf8_length("é😀a"), 3u);
}

TEST(FieldRuleChecks, FlagsAcceptSixSpellingsInAnyCase) {
  for (const char* t : {"true", "TRUE", "True", "1", "yes", "YES", " yes "}) EXPECT_EQ(parse_flag(t), true) << t;
  for (const char* f : {"false", "False", "0", "no", "No"}) EXPECT_EQ(parse_flag(f), false) << f;
  for (const char* bad : {"", "2", "y", "n", "on", "truee", "t rue"}) EXPECT_FALSE(parse_flag(bad).has_value()) << bad;
}

TEST(FieldRuleChecks, IntegersAreDecimalWithinBounds) {
  EXPECT_EQ(parse_integer("007", 0, 10), 7);
  EXPECT_EQ(parse_integer(" 5\t", 0, 10), 5);
  EXPECT_EQ(parse_integer("-3", -5, 5), -3);
  EXPECT_EQ(parse_integer("9223372036854775807", 0, INT64_MAX), INT64_MAX);
  for (const char* bad : {"", "-", "+1", "1e3", "0x10", "1.0", "1 2", "11", "-1", "99999999999999999999"}) {
    EXPECT_FALSE(parse_integer(bad, 0, 10).has_value()) << bad;
  }
}

TEST(FieldRuleChecks, MobilesAreNormalised) {
  ShortText out;
  ASSERT_TRUE(normalise_mobile("13011111111", out));
  EXPECT_EQ(out.view(), "+8613011111111");
  ASSERT_TRUE(normalise_mobile("+8613011111111", out));
  EXPECT_EQ(out.view(), "+8613011111111");
  ASSERT_TRUE(normalise_mobile("+41446681800", out));
  EXPECT_EQ(out.view(), "+41446681800");
  for (const char* bad : {"", "1301111111", "130111111111", "23011111111", "+", "+123456", "+1234567890123456",
                          "+0441446681800", "+41 446681800", "8613011111111", "1301111111a"}) {
    EXPECT_FALSE(normalise_mobile(bad, out)) << bad;
  }
}

TEST(FieldRuleChecks, EmailsHaveTheBasicForm) {
  for (const char* good : {"a@b.cn", "zhang.san+hr@corp.example.com", "张三@例子.中国"}) {
    EXPECT_TRUE(is_email(good)) << good;
  }
  for (const char* bad : {"", "a", "@b.cn", "a@", "a@b", "a@.b.cn", "a@b.cn.", "a@b..cn", "a b@c.cn", "a@b@c.cn",
                          "a,b@c.cn", "<a@b.cn>", "a@b.cn\n"}) {
    EXPECT_FALSE(is_email(bad)) << bad;
  }
  EXPECT_FALSE(is_email(testing::repeat("a", 65) + "@b.cn"));
}

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

TEST(UrlEscape, KeepsOnlyUnreservedBytes) {
  std::string out;
  append_url_escaped(out, "Az09-._~ /?#%&=+é");
  EXPECT_EQ(out, "Az09-._~%20%2F%3F%23%25%26%3D%2B%C3%A9");
}

TEST(JsonMembers, KeepTheExactTextOfEachValue) {
  JsonMembers members;
  ASSERT_TRUE(split_members(R"( {"b":[1, {"x":"\u00e9]}"}],"a":"q\"\\" , "c":-0.5E3,"d":{"k":null},"e":true} )", members));
  ASSERT_EQ(members.size(), 5u);
  EXPECT_EQ(members.begin()->key, "b");
  EXPECT_EQ(members.begin()->raw, R"([1, {"x":"\u00e9]}"}])");
  EXPECT_EQ(members.find("a")->raw, R"("q\"\\")");
  EXPECT_EQ(members.find("c")->raw, "-0.5E3");
  EXPECT_EQ(members.find("d")->raw, R"({"k":null})");
  EXPECT_EQ(members.find("z"), nullptr);
  std::string out;
  write_members(out, members);
  EXPECT_EQ(out, R"({"a":"q\"\\","b":[1, {"x":"\u00e9]}"}],"c":-0.5E3,"d":{"k":null},"e":true})");
  ASSERT_TRUE(split_members(R"({"k\\":"\\\\","v":"a\\\"b\\\\"})", members));  // escaped quotes and backslashes
  EXPECT_EQ(members.find("v")->raw, R"("a\\\"b\\\\")");
  EXPECT_EQ(members.begin()->raw, R"("\\\\")");
  ASSERT_TRUE(split_members("{}", members));
  EXPECT_TRUE(members.empty());
}

TEST(JsonMembers, RefuseWhatIsNotOneWellFormedObject) {
  JsonMembers members;
  for (const char* bad : {"", "[]", "1", "{", "{\"a\":", "{\"a\" 1}", "nope", "{\"a\":1,}", "{\"a\":1} x",
                          "{\"a\":[1}", "{\"a\":{\"b\":1]}", "{\"a\":\"open}", "{\"a\":}", "{,}", "{\"a\":1 \"b\":2}"}) {
    EXPECT_FALSE(split_members(bad, members)) << bad;
  }
  EXPECT_FALSE(split_members("{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}", members));
  EXPECT_TRUE(split_members("{\"a\":" + std::string(60, '[') + std::string(60, ']') + "}", members));
  std::string many = "{";
  for (std::size_t i = 0; i <= JsonMembers::kMaxMembers; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  many += "}";
  EXPECT_FALSE(split_members(many, members));
}

TEST(PhotoFile, PathsResolveAgainstTheBaseFolder) {
  EXPECT_EQ(resolve_photo_path("a.jpg", "/photos"), "/photos/a.jpg");
  EXPECT_EQ(resolve_photo_path("a.jpg", "/photos/"), "/photos/a.jpg");
  EXPECT_EQ(resolve_photo_path("/abs/a.jpg", "/photos"), "/abs/a.jpg");
  EXPECT_EQ(resolve_photo_path("a.jpg", ""), "a.jpg");
}

TEST(PhotoFile, HashIsTheXxh3OfTheContent) {
  testing::TempDir dir;
  const std::string big(100000, 'q');  // several read() chunks
  const std::string path = dir.write("p.jpg", big);
  auto hash = hash_file(path);
  ASSERT_TRUE(hash.has_value()) << hash.error().str();
  EXPECT_EQ(*hash, content_hash(big));
  auto bytes = read_whole_file(path);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, big);
  EXPECT_EQ(hash_text(0x0123456789abcdefULL).view(), "xxh3:0123456789abcdef");
  auto missing = hash_file(path + ".none");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, Error::Kind::kIo);
  EXPECT_EQ(missing.error().where, path + ".none");
}

}  // namespace
}  // namespace hrsync
