// A server (or a proxy) that echoes the request it got: the app secret, the Sophon token, the
// live tenant_access_token and the chat webhook come back in its answers. None of them may reach
// the snapshot's outcomes, the JSON report, stdout or stderr; bytes that are not UTF-8 in an answer
// are made valid, so the report still parses.
#include <boost/asio/io_context.hpp>

#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "base/utf8.h"
#include "store/snapshot_store.h"
#include "tests/engine/net/test_http_server.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

constexpr std::string_view kLiveToken = "t-echoed-live-token-3c9a71";
constexpr std::string_view kSophonToken = "sophon-box-token-e41b";
constexpr std::string_view kHookId = "hook-9f2d6c1e5a";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Answers every request with an error that quotes the request: the Feishu APIs in a JSON
// envelope (one of them as a non-JSON page with bytes that are not UTF-8), Sophon as a page with
// such bytes, the token endpoint with a real token, the chat webhook with a refusal.
class EchoServer {
 public:
  EchoServer() : server_(io_, [this](const testing::SeenRequest& r) { return answer(r); }) {
    thread_ = std::thread([this] { io_.run(); });
  }
  ~EchoServer() {
    io_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

 private:
  testing::Reply answer(const testing::SeenRequest& r) {
    std::lock_guard lock(mutex_);
    const std::string echo = "you sent " + r.method + " " + r.target + " Authorization: " + r.authorization +
                             " body " + r.body + " earlier " + token_request_;
    testing::Reply reply;
    if (r.target.find("tenant_access_token") != std::string::npos) {
      token_request_ = r.body;  // {"app_id": ..., "app_secret": ...}
      reply.body = R"({"code":0,"msg":"ok","tenant_access_token":")" + std::string(kLiveToken) + R"(","expire":7200})";
      return reply;
    }
    reply.status = 400;
    if (r.target.starts_with("/SophonFogSys") || r.target.starts_with("/open-apis/contact/v3/group")) {
      // Not JSON, and not UTF-8: a proxy's page quoting the request's headers first.
      reply.body = "Authorization: " + r.authorization + " \xff\xfe\xc3 bad bytes; " + echo;
      reply.headers = {{"Content-Type", "text/plain"}};
      return reply;
    }
    reply.body = boost::json::serialize(boost::json::object{{"code", 1234567}, {"msg", echo}});
    return reply;
  }

  boost::asio::io_context io_;
  testing::TestHttpServer server_;
  std::thread thread_;
  std::mutex mutex_;
  std::string token_request_;
};

class SecretsTest : public SyncHarness {};

TEST_F(SecretsTest, AServerThatEchoesTheRequestLeavesNoSecretInOutcomesReportOrOutput) {
  EchoServer echo;
  spec_.feishu_url = echo.url();
  spec_.sophon_url = echo.url();
  spec_.sophon_token_file = dir_.file("sophon_token");
  std::ofstream(spec_.sophon_token_file) << kSophonToken;
  const std::string webhook = dir_.file("webhook_url");
  std::ofstream(webhook) << echo.url() << "/open-apis/bot/v2/hook/" << kHookId;
  spec_.extra = "[notify]\nwebhook_url_file = \"" + webhook + "\"\nwhen = \"always\"\n";
  spec_.max_attempts = 1;

  const SyncRun run = sync();
  ASSERT_GT(run.run_id, 0) << run.err;
  EXPECT_NE(run.exit_code, 0);

  const std::string report_path = spec_.report_dir + "/run-" + std::to_string(run.run_id) + ".json";
  const std::string report = slurp(report_path);
  boost::system::error_code ec;
  (void)boost::json::parse(report, ec);
  EXPECT_FALSE(ec) << report_path << " does not parse: " << ec.message();
  EXPECT_TRUE(is_valid_utf8(report));

  std::string stored;
  for (const OutcomeRow& o : run.outcomes) stored += o.message + "\n" + o.log_id + "\n";
  EXPECT_TRUE(contains(stored, "[redacted]")) << "the echo should have been redacted, not lost";
  EXPECT_TRUE(contains(stored, "\xEF\xBF\xBD")) << "bad bytes become U+FFFD";
  EXPECT_TRUE(is_valid_utf8(stored));
  EXPECT_TRUE(contains(run.err, "the chat message was not posted")) << run.err;

  const std::string database = slurp(spec_.snapshot) + slurp(spec_.snapshot + "-wal");
  for (std::string_view secret : {kAppSecret, kLiveToken, kSophonToken, kHookId}) {
    EXPECT_FALSE(contains(report, secret)) << secret << " in the report:\n" << report;
    EXPECT_FALSE(contains(stored, secret)) << secret << " in the stored outcomes";
    EXPECT_FALSE(contains(database, secret)) << secret << " in the snapshot file";
    EXPECT_FALSE(contains(run.out, secret)) << secret << " on stdout:\n" << run.out;
    EXPECT_FALSE(contains(run.err, secret)) << secret << " on stderr:\n" << run.err;
  }
}

}  // namespace
}  // namespace hrsync::integration
