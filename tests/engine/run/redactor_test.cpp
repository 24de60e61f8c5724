// Redactor: every known secret out of a server's text, in the forms an echo shows it, and the
// text made valid UTF-8.
#include <gtest/gtest.h>

#include "base/utf8.h"
#include "engine/run/redactor.h"

namespace hrsync {
namespace {

TEST(RedactorTest, RemovesEverySecretAsWrittenAsJsonEscapesItAndAsAUrlEncodesIt) {
  Redactor r;
  r.add("s3cr\"et/val ue");
  r.add("t-live-token");
  EXPECT_EQ(r.clean("app_secret=s3cr\"et/val ue, Bearer t-live-token; Bearer t-live-token"),
            "app_secret=[redacted], Bearer [redacted]; Bearer [redacted]");
  EXPECT_EQ(r.clean(R"({"app_secret":"s3cr\"et\/val ue"})"), R"({"app_secret":"[redacted]"})");
  EXPECT_EQ(r.clean("GET /x?secret=s3cr%22et%2Fval%20ue"), "GET /x?secret=[redacted]");
  EXPECT_EQ(r.clean("nothing secret here"), "nothing secret here");
}

TEST(RedactorTest, ALongerSecretGoesBeforeOneItContains) {
  Redactor r;
  r.add("hook-abcdef");
  r.add("https://chat.example/hook/hook-abcdef");
  EXPECT_EQ(r.clean("posted to https://chat.example/hook/hook-abcdef"), "posted to [redacted]");
}

TEST(RedactorTest, EmptyAndTinyValuesAreNotSecrets) {
  Redactor r;
  r.add("");
  r.add("ab");
  EXPECT_EQ(r.clean("a b ab abc"), "a b ab abc");
}

TEST(RedactorTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  Redactor r;
  const std::string cleaned = r.clean("ok \xff\xfe then \xc3 end \xe4\xb8\xad");
  EXPECT_TRUE(is_valid_utf8(cleaned));
  EXPECT_EQ(cleaned, "ok \xEF\xBF\xBD\xEF\xBF\xBD then \xEF\xBF\xBD end \xe4\xb8\xad");
  EXPECT_EQ(valid_utf8("\xe4\xb8"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "a sequence cut short";
}

}  // namespace
}  // namespace hrsync
