// The JSON member scanner: exact value text, and what it refuses.
#include "base/json_members.h"

#include <gtest/gtest.h>

#include <string>

namespace hrsync {
namespace {

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

}  // namespace
}  // namespace hrsync
