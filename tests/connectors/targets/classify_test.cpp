// classify(): success, undocumented codes, throttling and bodies that are no envelope at all.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "connectors/targets/code_table.h"
#include "connectors/targets/target_connector.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;

std::vector<std::string> garbage_bodies() {
  std::vector<std::string> bodies = {
      "",
      "not json",
      "<html><body>502 Bad Gateway</body></html>",
      "[1,2,3]",
      "\"just a string\"",
      "42",
      "null",
      "{",
      "{\"code\":",
      "{\"code\":\"0\",\"msg\":\"ok\"}",
      "{\"code\":1.5}",
      "{\"msg\":\"no code here\"}",
      "{\"error\":{\"message\":\"no code\"}}",
      "{\"error\":[1]}",
      "{\"error\":{\"code\":\"x\"}}",
      std::string("{\"code\":0\0,\"msg\":\"nul\"}", 23),
      "\xff\xfe\xfd",
      std::string(100000, '['),
  };
  std::mt19937 rng(7);  // fixed seed: the same bytes every run
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng() & 0xff);
  bodies.push_back(noise);
  return bodies;
}

TEST(Classify, GarbageIsRetriedOn5xxAndPermanentOtherwiseNeverThrowing) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    for (const std::string& body : garbage_bodies()) {
      const Verdict server = c->update().classify(502, body);
      EXPECT_EQ(server.disposition, Disposition::kRetry) << id << " body " << body.substr(0, 40);
      EXPECT_EQ(server.code, -1) << id;
      EXPECT_FALSE(server.documented) << id;
      EXPECT_NE(server.message.find("HTTP 502"), std::string::npos) << server.message;

      const Verdict client = c->update().classify(400, body);
      EXPECT_EQ(client.disposition, Disposition::kPermanent) << id << " body " << body.substr(0, 40);
      EXPECT_EQ(client.code, -1) << id;

      EXPECT_EQ(c->update().classify(200, body).disposition, Disposition::kPermanent) << id << " body " << body.substr(0, 40);
      EXPECT_EQ(c->update().classify(429, body).disposition, Disposition::kRateLimited) << id << " body " << body.substr(0, 40);
    }
  }
}

TEST(Classify, UnreadableBodyMessageSaysWhatAndQuotesTheStartSafely) {
  auto c = connector("contact_user");
  const Verdict v = c->update().classify(503, "<html>\n\x01upstream down</html>");
  EXPECT_EQ(v.disposition, Disposition::kRetry);
  EXPECT_NE(v.message.find("not a JSON object"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("<html>..upstream down"), std::string::npos) << v.message;
  EXPECT_NE(c->update().classify(502, "").message.find("empty body"), std::string::npos);
  const std::string long_body(1000, 'x');
  EXPECT_LT(c->update().classify(502, long_body).message.size(), 200u);
}

TEST(Classify, FeishuCodeZeroIsSuccessOnlyWith2xx) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    if (c->platform() != Platform::kFeishu) continue;
    const Verdict ok = c->update().classify(200, R"({"code":0,"msg":"success","data":{"user":{"user_id":"u1"}}})");
    EXPECT_EQ(ok.disposition, Disposition::kSuccess) << id;
    EXPECT_EQ(ok.code, 0);
    EXPECT_EQ(ok.message, "success");
    EXPECT_EQ(c->update().classify(500, R"({"code":0,"msg":"success"})").disposition, Disposition::kRetry) << id;
  }
}

// An undocumented code is marked and falls back on its HTTP status: 429 waits, a server error is
// retried, anything else is permanent.
TEST(Classify, UndocumentedCodeFallsBackOnTheStatus) {
  const std::vector<std::pair<int, Disposition>> by_status = {
      {400, Disposition::kPermanent}, {404, Disposition::kPermanent}, {200, Disposition::kPermanent},
      {429, Disposition::kRateLimited}, {500, Disposition::kRetry}, {503, Disposition::kRetry},
  };
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    const std::string body = c->platform() == Platform::kSophon
                                 ? R"({"error":{"code":12345,"message":"odd","status":"ODD"}})"
                                 : R"({"code":12345,"msg":"odd","error":{"log_id":"L1"}})";
    for (const auto& [status, want] : by_status) {
      const Verdict v = c->update().classify(status, body);
      EXPECT_EQ(v.disposition, want) << id << " HTTP " << status;
      EXPECT_EQ(v.code, 12345) << id;
      EXPECT_FALSE(v.documented) << id;
      EXPECT_FALSE(v.backoff.has_value()) << id;
    }
  }
}

TEST(Classify, SettleUndocumentedLeavesDocumentedVerdictsAlone) {
  Verdict documented{.disposition = Disposition::kPermanent, .code = 41001};
  settle_undocumented(documented, 503);
  EXPECT_EQ(documented.disposition, Disposition::kPermanent);
  settle_undocumented(documented, 429);
  EXPECT_EQ(documented.disposition, Disposition::kPermanent);
  for (const auto& [status, want] : std::vector<std::pair<int, Disposition>>{
           {400, Disposition::kPermanent}, {429, Disposition::kRateLimited}, {500, Disposition::kRetry},
           {599, Disposition::kRetry}, {499, Disposition::kPermanent}}) {
    Verdict v{.disposition = Disposition::kPermanent, .code = 7, .documented = false};
    settle_undocumented(v, status);
    EXPECT_EQ(v.disposition, want) << "HTTP " << status;
  }
}

TEST(Classify, Http429IsRateLimitedWhateverTheBody) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    EXPECT_EQ(c->update().classify(429, R"({"code":99991400,"msg":"request trigger frequency limit"})").disposition,
              Disposition::kRateLimited)
        << id;
    EXPECT_EQ(c->update().classify(429, R"({"code":41001,"msg":"odd"})").disposition, Disposition::kRateLimited) << id;
  }
  // Older Feishu APIs throttle with HTTP 400: the code decides.
  EXPECT_EQ(connector("contact_group")->update().classify(400, R"({"code":99991400,"msg":"limit"})").disposition,
            Disposition::kRateLimited);
}

// HTTP 413 ("content too large") is HTTP's word, not an API code: the same body is refused again,
// so it is permanent whatever the body says, even a code whose table row says retry or wait.
TEST(Classify, Http413IsPermanentWhateverTheBody) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    const bool sophon = c->platform() == Platform::kSophon;
    auto body_of = [&](std::int64_t code) {
      return sophon ? fmt::format(R"({{"error":{{"code":{},"message":"x","status":"X"}}}})", code)
                    : fmt::format(R"({{"code":{},"msg":"x"}})", code);
    };
    std::vector<std::string> bodies = garbage_bodies();
    bodies.push_back(body_of(12345));
    for (const CodeRule& rule : c->update().codes()) {
      if (rule.disposition != Disposition::kPermanent && rule.disposition != Disposition::kSuccess) {
        bodies.push_back(body_of(rule.code));
      }
    }
    for (const std::string& body : bodies) {
      const Verdict v = c->update().classify(413, body);
      EXPECT_EQ(v.disposition, Disposition::kPermanent) << id << " body " << body.substr(0, 60);
      EXPECT_FALSE(v.backoff.has_value()) << id;
    }
  }
  Verdict documented{.disposition = Disposition::kRetry, .code = 50072, .documented = true};
  settle_undocumented(documented, 413);
  EXPECT_EQ(documented.disposition, Disposition::kPermanent);
}

TEST(Classify, FeishuEnvelopeMembersInAnyOrderAndExtraMembers) {
  auto c = connector("contact_user");
  const Verdict v = c->update().classify(400, R"({"error":{"field_violations":[{"field":"mobile"}],"log_id":"20240101abc"},
      "data":{},"extra":[1,{"a":null}],"msg":"update user lock error","code":44025})");
  EXPECT_EQ(v.disposition, Disposition::kRetry);
  EXPECT_EQ(v.code, 44025);
  EXPECT_EQ(v.log_id, "20240101abc");
  EXPECT_EQ(v.message, "update user lock error");
}

TEST(Classify, TheLogIdIsTheBodysElseTheGatewaysHeaderElseTheRequestId) {
  const HttpHeaders both{{"x-tt-logid", "H1"}, {"X-Request-Id", "R1"}};
  const HttpHeaders request_id{{"X-Request-Id", "R1"}};
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    if (c->platform() == Platform::kFeishu) {  // the Sophon box's envelope carries no log id
      EXPECT_EQ(c->update().classify(400, R"({"code":1,"msg":"x","error":{"log_id":"B1"}})", both).log_id, "B1") << id;
    }
    EXPECT_EQ(c->update().classify(502, "<html>down</html>", both).log_id, "H1") << id;
    EXPECT_EQ(c->update().classify(502, "<html>down</html>", request_id).log_id, "R1") << id;
    EXPECT_EQ(c->update().classify(502, "<html>down</html>").log_id, "") << id;
  }
}

TEST(Classify, SophonDataIsSuccessAndErrorIsLookedUp) {
  auto c = connector("sophon_person");
  const Verdict ok = c->update().classify(200, R"({"data":{"identity_id":"E001","image_id":"5","group_name":[]}})");
  EXPECT_EQ(ok.disposition, Disposition::kSuccess);
  const Verdict busy = c->update().classify(500, R"({"error":{"status":"SERVER_PROCESS_FAILED","code":50072,"message":"busy"}})");
  EXPECT_EQ(busy.disposition, Disposition::kRetry);
  EXPECT_EQ(busy.message, "SERVER_PROCESS_FAILED: busy");
  const Verdict no_face = c->update().classify(400, R"({"error":{"code":40004,"message":"no face","status":"NO_FACE"}})");
  EXPECT_EQ(no_face.disposition, Disposition::kPermanent);
  EXPECT_EQ(no_face.code, 40004);
  EXPECT_EQ(c->update().classify(502, R"({"data":{}})").disposition, Disposition::kRetry);
  // A Feishu envelope is not a Sophon reply.
  EXPECT_EQ(c->update().classify(200, R"({"code":0,"msg":"success"})").disposition, Disposition::kPermanent);
}

TEST(Classify, DispositionNamesAreDistinct) {
  const std::vector<Disposition> all = {Disposition::kSuccess, Disposition::kRetry, Disposition::kRateLimited,
                                        Disposition::kRefreshToken, Disposition::kPermanent};
  std::set<std::string_view> names;
  for (Disposition d : all) names.insert(disposition_name(d));
  EXPECT_EQ(names.size(), all.size());
  EXPECT_EQ(disposition_name(Disposition::kRateLimited), "rate_limited");
}

}  // namespace
}  // namespace hrsync
