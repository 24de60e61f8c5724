// Walks every row of the token endpoint's table (kTokenRules) with replies of that kind, and
// checks what the table says each kind means against docs/api-notes.md ("Token").
#include "connectors/targets/feishu_token_reply.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace hrsync {
namespace {

using Reply = std::pair<int, std::string>;  // HTTP status, body

constexpr std::string_view kGrant = R"({"code":0,"msg":"ok","tenant_access_token":"t-abc","expire":7200})";

// Replies of each kind, as the endpoint (or a proxy in front of it) may give them.
std::vector<Reply> examples(TokenReplyKind kind) {
  switch (kind) {
    case TokenReplyKind::kServerError:
      return {{500, ""}, {502, "<html>Bad Gateway</html>"}, {503, std::string(kGrant)}};
    case TokenReplyKind::kThrottled:
      return {{429, R"({"code":99991400,"msg":"request trigger frequency limit"})"}, {429, ""},
              {400, R"({"code":99991400,"msg":"request trigger frequency limit"})"},
              {200, R"({"code":99991400,"msg":"request trigger frequency limit"})"}};
    case TokenReplyKind::kNotAnObject:
      return {{200, ""}, {200, "not json"}, {200, "[1,2]"}, {400, "\"x\""}, {200, "{"}, {200, R"({"code":0} x)"}};
    case TokenReplyKind::kNoCode:
      return {{200, R"({"msg":"ok"})"}, {200, R"({"code":"0","tenant_access_token":"t","expire":1})"},
              {200, R"({"code":1.5})"}};
    case TokenReplyKind::kCodeNotZero:
      return {{400, R"({"code":10014,"msg":"app secret invalid"})"}, {200, R"({"code":10003,"msg":"invalid param"})"}};
    case TokenReplyKind::kNoToken:
      return {{200, R"({"code":0,"msg":"ok","expire":7200})"},
              {200, R"({"code":0,"msg":"ok","tenant_access_token":"","expire":7200})"},
              {200, R"({"code":0,"msg":"ok","tenant_access_token":7,"expire":7200})"}};
    case TokenReplyKind::kNoExpire:
      return {{200, R"({"code":0,"msg":"ok","tenant_access_token":"t-abc"})"},
              {200, R"({"code":0,"msg":"ok","tenant_access_token":"t-abc","expire":0})"},
              {200, R"({"code":0,"msg":"ok","tenant_access_token":"t-abc","expire":"7200"})"},
              {200, R"({"code":0,"msg":"ok","tenant_access_token":"t-abc","expire":7200.5})"}};
    case TokenReplyKind::kGranted:
      return {{200, std::string(kGrant)}, {200, R"({"expire":60,"tenant_access_token":"t-abc","extra":[{}],"code":0})"}};
  }
  return {};
}

TEST(TokenRules, EveryRowClassifiesAsTheTableSays) {
  for (const TokenRule& row : kTokenRules) {
    const std::vector<Reply> replies = examples(row.kind);
    ASSERT_FALSE(replies.empty()) << row.meaning;
    for (const auto& [status, body] : replies) {
      const TokenReply r = classify_token_reply(status, body);
      ASSERT_NE(r.rule, nullptr);
      EXPECT_EQ(r.rule, &row) << "HTTP " << status << " " << body << ": classified as \"" << r.rule->meaning
                              << "\", not \"" << row.meaning << "\"";
      EXPECT_EQ(r.answer(), row.answer) << body;
      if (row.answer == TokenAnswer::kGranted) {
        EXPECT_EQ(r.token, "t-abc") << body;
        EXPECT_GT(r.expire_s, 0) << body;
        EXPECT_TRUE(r.message.empty()) << r.message;
      } else {
        EXPECT_TRUE(r.token.empty()) << body;
        EXPECT_FALSE(r.message.empty()) << body;
        EXPECT_EQ(r.message.find("t-abc"), std::string::npos) << "a token in a message: " << r.message;
      }
    }
  }
}

TEST(TokenRules, EveryKindHasOneRow) {
  std::set<TokenReplyKind> kinds;
  for (const TokenRule& row : kTokenRules) {
    EXPECT_TRUE(kinds.insert(row.kind).second) << row.meaning;
    EXPECT_FALSE(row.meaning.empty());
  }
  EXPECT_EQ(kinds.size(), kTokenRules.size());
  EXPECT_EQ(kinds.size(), static_cast<std::size_t>(TokenReplyKind::kGranted) + 1);
}

// docs/api-notes.md, "Token": only code 0 grants; a throttle is waited out; a server error is no
// refusal (the endpoint may well answer the next try); every other answer refuses the app.
TEST(TokenRules, OnlyServerErrorsAndThrottlesAreWorthAnotherTry) {
  for (const TokenRule& row : kTokenRules) {
    const TokenAnswer want = row.kind == TokenReplyKind::kGranted       ? TokenAnswer::kGranted
                             : row.kind == TokenReplyKind::kThrottled   ? TokenAnswer::kThrottled
                             : row.kind == TokenReplyKind::kServerError ? TokenAnswer::kUnavailable
                                                                        : TokenAnswer::kRefused;
    EXPECT_EQ(row.answer, want) << row.meaning;
  }
}

// docs/api-notes.md, "Throttling": HTTP 429, or HTTP 400 with 99991400 on older APIs; the reset
// comes from x-ogw-ratelimit-reset.
TEST(TokenRules, AThrottleIsReadWithItsResetWhateverItsStatus) {
  const std::string body = R"({"code":99991400,"msg":"request trigger frequency limit"})";
  for (int status : {400, 429}) {
    const TokenReply r = classify_token_reply(status, HttpHeaders{{"X-Ogw-Ratelimit-Reset", "7"}}, body);
    EXPECT_EQ(r.rule->kind, TokenReplyKind::kThrottled) << status;
    EXPECT_EQ(r.answer(), TokenAnswer::kThrottled) << status;
    ASSERT_TRUE(r.reset_s.has_value()) << status;
    EXPECT_DOUBLE_EQ(*r.reset_s, 7) << status;
    EXPECT_NE(r.message.find("throttled"), std::string::npos) << r.message;
  }
  const TokenReply bare = classify_token_reply(429, HttpHeaders{}, "");
  EXPECT_EQ(bare.answer(), TokenAnswer::kThrottled);
  EXPECT_FALSE(bare.reset_s.has_value());
  const TokenReply garbled = classify_token_reply(400, HttpHeaders{{"x-ogw-ratelimit-reset", "soon"}}, body);
  EXPECT_EQ(garbled.answer(), TokenAnswer::kThrottled);
  EXPECT_FALSE(garbled.reset_s.has_value()) << "an unreadable reset is read as absent";
}

TEST(TokenRules, OtherCodesOnHttp400StayRefusals) {
  const TokenReply r = classify_token_reply(400, HttpHeaders{{"x-ogw-ratelimit-reset", "3"}},
                                            R"({"code":10003,"msg":"invalid param"})");
  EXPECT_EQ(r.answer(), TokenAnswer::kRefused);
  EXPECT_FALSE(r.reset_s.has_value());
}

TEST(TokenRules, ARefusalNamesCodeMessageAndStatus) {
  const TokenReply r = classify_token_reply(400, R"({"code":10014,"msg":"app secret invalid"})");
  EXPECT_EQ(r.answer(), TokenAnswer::kRefused);
  EXPECT_EQ(r.code, 10014);
  EXPECT_EQ(r.message, "token refused: code 10014: app secret invalid (HTTP 400)");
}

}  // namespace
}  // namespace hrsync
