// The connectors' building blocks: field rules and photo hashes.
#include <gtest/gtest.h>

#include <string>

#include "connectors/targets/field_rules.h"
#include "connectors/targets/photo_file.h"
#include "diff/document.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

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
  EXPECT_EQ(hash_bytes(big), *hash);
  // Bounded: a file past the cap is refused without being read whole, a device is refused.
  EXPECT_FALSE(hash_file(path, big.size() - 1).has_value());
  EXPECT_TRUE(hash_file(path, big.size()).has_value());
  auto capped = read_whole_file(path, 1000);
  ASSERT_FALSE(capped.has_value());
  EXPECT_NE(capped.error().message.find("more than 1000 bytes"), std::string::npos);
  auto device = read_whole_file("/dev/zero", 1000);
  ASSERT_FALSE(device.has_value());
  EXPECT_NE(device.error().message.find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace hrsync
