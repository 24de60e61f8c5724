// The reads before a plan's diff (engine/run/target_reader.h), in virtual time: batches of the read
// operation's size, paced by read_rate, retried and paused as writes are, and a failure that ends
// that target's read with its reason while another target reads to its end.
#include "engine/run/target_reader.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <charconv>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "connectors/targets/code_table.h"
#include "engine/net/manual_clock.h"

namespace hrsync {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kOk = 0;
constexpr std::int64_t kBusy = 1;           // retried
constexpr std::int64_t kThrottled = 99991400;
constexpr std::int64_t kRefused = 40001;    // permanent

// Reads keys two at a time from /read/K1,K2; the answer body is "CODE" or "0:K1,K2" (the keys
// held). A held key's document is {"v":"K"}.
class FakeRead final : public ReadOperation {
 public:
  std::string_view endpoint() const override { return "GET /read/:keys"; }
  std::size_t batch_size() const override { return 2; }
  Result<Request> build_request(std::span<const std::string> keys) const override {
    std::string target = "/read/";
    for (std::size_t i = 0; i < keys.size(); ++i) target += (i ? "," : "") + keys[i];
    return Request{.method = "GET", .target = target};
  }
  Result<ReadPage> read_page(std::span<const std::string> keys, std::string_view body) const override {
    ReadPage page;
    if (!body.starts_with("0:")) return fail(Error::Kind::kProtocol, "fake read", "no page");
    const std::string held(body.substr(2));
    for (const std::string& k : keys) {
      if (held.find(k) == std::string::npos) {
        page.absent.push_back(k);
        continue;
      }
      Document d{k, "{\"v\":\"" + k + "\"}"};
      d.seal();
      if (held.ends_with("!")) page.found.push_back(d);  // "0:K1,K2!": an answer listing each twice
      page.found.push_back(std::move(d));
    }
    return page;
  }
  std::span<const CodeRule> codes() const override {
    static const CodeRule kTable[] = {
        {kOk, 200, Disposition::kSuccess, "ok"},
        {kBusy, 500, Disposition::kRetry, "busy"},
        {kThrottled, 429, Disposition::kRateLimited, "too many requests"},
        {kRefused, 400, Disposition::kPermanent, "refused"},
    };
    return kTable;
  }
  std::vector<RateTier> default_rate() const override { return {{10, 1}}; }

 protected:
  Verdict read_answer(int, std::string_view body, const HttpHeaders&) const override {
    Verdict v;
    std::int64_t code = -1;
    const std::string_view digits = body.substr(0, body.find(':'));
    std::from_chars(digits.data(), digits.data() + digits.size(), code);
    v.code = code;
    v.message = "code " + std::string(digits);
    apply_rule(v, find_code(codes(), v.code));
    return v;
  }
};

class FakeUpdate final : public UpdateOperation {
 public:
  Result<Request> build_request(const Document&, const Document*) const override { return Request{}; }
  std::string_view endpoint() const override { return "PUT /fake"; }
  std::span<const CodeRule> codes() const override { return {}; }
  std::vector<RateTier> default_rate() const override { return {{10, 1}}; }

 protected:
  Verdict read_answer(int, std::string_view, const HttpHeaders&) const override { return {}; }
};

class ReadableConnector final : public TargetConnector {
 public:
  explicit ReadableConnector(std::string id) : id_(std::move(id)) {}
  std::string_view id() const override { return id_; }
  Platform platform() const override { return Platform::kFeishu; }
  Entity entity() const override { return Entity::kEmployees; }
  std::span<const Field> required_columns() const override { return {}; }
  std::expected<Document, Invalid> project(const Record&) const override { return std::unexpected(Invalid{}); }
  std::optional<Document> on_missing(const Document&) const override { return std::nullopt; }
  const UpdateOperation& update() const override { return update_; }
  const ReadOperation* read() const override { return &read_; }

 private:
  std::string id_;
  FakeUpdate update_;
  FakeRead read_;
};

// Answers /read/... after 10 ms: the next scripted body of that path, else "0:" and every key
// but those in `lacks`.
class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(Clock& clock) : clock_(clock) {}
  std::map<std::string, std::deque<std::string>> script;
  std::string lacks;
  std::vector<std::pair<std::string, Clock::time_point>> sent;

  net::awaitable<Result<HttpResponse>> send(Platform, const HttpRequest& request) override {
    std::string path(request.target);
    sent.emplace_back(path, clock_.now());
    co_await clock_.sleep_until(clock_.now() + 10ms);
    std::string body;
    if (auto it = script.find(path); it != script.end() && !it->second.empty()) {
      body = it->second.front();
      it->second.pop_front();
    } else {
      body = "0:";
      std::string keys = path.substr(6);
      for (std::size_t at = 0; at <= keys.size();) {
        const std::size_t comma = std::min(keys.find(',', at), keys.size());
        const std::string key = keys.substr(at, comma - at);
        if (lacks.find(key) == std::string::npos) body += key + ",";
        at = comma + 1;
      }
    }
    co_return HttpResponse{.status = 200, .body = body};
  }

 private:
  Clock& clock_;
};

class TargetReaderTest : public ::testing::Test {
 protected:
  TargetReaderTest() {
    config.retry.base_delay_s = 0.01;
    config.retry.max_delay_s = 0.05;
    config.retry.max_attempts = 3;
    for (const char* id : {"a", "b"}) {
      TargetConfig tc;
      tc.id = id;
      tc.concurrency = 2;
      config.targets.push_back(tc);
    }
  }

  ReadAsk ask(std::size_t target, std::vector<std::string> keys) {
    return ReadAsk{&connectors[target], &config.targets[target], std::move(keys)};
  }

  std::vector<TargetRead> read(const std::vector<ReadAsk>& asks) {
    std::vector<TargetRead> out;
    net::co_spawn(io, read_targets(config, transport, clock, asks, {}, &board),
                  [&](std::exception_ptr e, std::vector<TargetRead> r) {
                    if (e) std::rethrow_exception(e);
                    out = std::move(r);
                  });
    EXPECT_TRUE(clock.run(io)) << "the read got stuck";
    return out;
  }

  ManualClock clock;
  net::io_context io;
  JobConfig config;
  ReadableConnector connectors[2] = {ReadableConnector("a"), ReadableConnector("b")};
  FakeTransport transport{clock};
  ProgressBoard board;
};

TEST_F(TargetReaderTest, ReadsEveryKeyInBatchesAndSortsWhatItFoundFromWhatIsAbsent) {
  transport.lacks = "k3";
  auto reads = read({ask(0, {"k1", "k2", "k3", "k4", "k5"})});
  ASSERT_EQ(reads.size(), 1u);
  const TargetRead& r = reads[0];
  EXPECT_EQ(r.target, "a");
  EXPECT_FALSE(r.failed.has_value());
  EXPECT_EQ(r.calls, 3u);  // 2 + 2 + 1
  ASSERT_EQ(r.found.size(), 4u);
  EXPECT_EQ(r.absent, std::vector<std::string>{"k3"});
  for (const Document& d : r.found) EXPECT_EQ(d.hash, content_hash(d.body));
  const auto rows = board.snapshot();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].target, "a read");
  EXPECT_EQ(rows[0].done, 3u);
}

// An answer that lists a key twice gives one document for it: the first.
TEST_F(TargetReaderTest, AKeyAnAnswerListsTwiceIsFoundOnce) {
  transport.script["/read/k1,k2"] = {"0:k1,k2!"};
  auto reads = read({ask(0, {"k1", "k2", "k3"})});
  ASSERT_EQ(reads.size(), 1u);
  ASSERT_FALSE(reads[0].failed.has_value()) << *reads[0].failed;
  std::vector<std::string> keys;
  for (const Document& d : reads[0].found) keys.push_back(d.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"k1", "k2", "k3"}));
  EXPECT_TRUE(reads[0].absent.empty());
}

TEST_F(TargetReaderTest, ReadsArePacedByReadRate) {
  config.targets[0].read_rate = {{2, 1}};  // 2/s: 4 batches take at least 1.5 s
  auto reads = read({ask(0, {"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"})});
  ASSERT_EQ(transport.sent.size(), 4u);
  EXPECT_GE(transport.sent.back().second - transport.sent.front().second, 1400ms);
  EXPECT_EQ(reads[0].found.size(), 8u);
}

TEST_F(TargetReaderTest, ATransientAnswerAndAThrottleAreRetriedAndTheReadCompletes) {
  transport.script["/read/k1,k2"] = {"1", "99991400", "0:k1,k2"};
  auto reads = read({ask(0, {"k1", "k2"})});
  EXPECT_FALSE(reads[0].failed.has_value());
  EXPECT_EQ(reads[0].found.size(), 2u);
  EXPECT_EQ(reads[0].calls, 3u);
  EXPECT_EQ(reads[0].throttled, 1u);
  EXPECT_EQ(reads[0].retries, 1u);
}

TEST_F(TargetReaderTest, AFailureEndsThatTargetsReadWithTheReasonAndTheOtherReadsOn) {
  transport.script["/read/k3,k4"] = {"1", "1", "1"};  // max_attempts 3: the batch gives up
  auto reads = read({ask(0, {"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"}), ask(1, {"k1", "k2", "k3"})});
  ASSERT_EQ(reads.size(), 2u);
  ASSERT_TRUE(reads[0].failed.has_value());
  EXPECT_NE(reads[0].failed->find("from k3 failed"), std::string::npos) << *reads[0].failed;
  EXPECT_LT(reads[0].found.size() + reads[0].absent.size(), 8u);  // never taken as the end of the data
  EXPECT_FALSE(reads[1].failed.has_value());
  EXPECT_EQ(reads[1].found.size(), 3u);
}

TEST_F(TargetReaderTest, APermanentRefusalAndAnUnreadableAnswerFailTheRead) {
  transport.script["/read/k1,k2"] = {"40001"};
  transport.script["/read/x1"] = {"0"};  // code 0 but no page
  auto reads = read({ask(0, {"k1", "k2"}), ask(1, {"x1"})});
  ASSERT_TRUE(reads[0].failed.has_value());
  EXPECT_NE(reads[0].failed->find("40001"), std::string::npos) << *reads[0].failed;
  ASSERT_TRUE(reads[1].failed.has_value());
  EXPECT_NE(reads[1].failed->find("could not be read"), std::string::npos) << *reads[1].failed;
}

}  // namespace
}  // namespace hrsync
