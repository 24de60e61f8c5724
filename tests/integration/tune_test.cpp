// `hrsync tune` against the emulator playing an undocumented tenant: the access-control limit at
// 30/s (announced when it throttles), a face box of 4 workers at 100 ms (40/s, queueing), and
// 30-60 ms added to every Feishu answer.
#include <fstream>
#include <iterator>
#include <sstream>

#include "engine/cli/tune_command.h"
#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

class TuneTest : public SyncHarness {
 protected:
  void start_tenant() {
    emulator::EmulatorOptions o;
    o.acs_rate = {{30, 1}};
    o.sophon_workers = 4;
    o.sophon_service_ms = 100;
    o.feishu_latency_min_ms = 30;
    o.feishu_latency_max_ms = 60;
    start_emulator(std::move(o));
    for (auto& t : spec_.targets) {
      if (t.id == "acs_card") t.rate = {"20/s"};
      if (t.id == "sophon_person") t.rate = {"10/s"};
    }
  }

  // Runs `hrsync tune --json` on the job as written; its exit code and its JSON.
  std::pair<int, json::object> tune(bool write_probe, unsigned max_calls = 200, std::string svg = "") {
    TuneCommand cmd;
    cmd.svg = std::move(svg);
    cmd.config = dir_.file("job.toml");
    cmd.write_probe = write_probe;
    cmd.max_calls = max_calls;
    cmd.json = true;
    std::ostringstream out, err;
    int code = run_tune_command(cmd, out, err);
    EXPECT_TRUE(err.str().empty()) << err.str();
    boost::system::error_code ec;
    json::value v = json::parse(out.str(), ec);
    EXPECT_FALSE(ec) << out.str();
    return {code, v.is_object() ? v.as_object() : json::object{}};
  }

  static const json::object& target(const json::object& report, std::string_view id) {
    for (const auto& t : report.at("targets").as_array()) {
      if (t.at("id").as_string() == id) return t.as_object();
    }
    throw std::logic_error("no target " + std::string(id));
  }

  static std::uint64_t updates(const json::object& stats) { return stats.at("operations").at("update").to_number<std::uint64_t>(); }
};

TEST_F(TuneTest, TheWriteProbeFindsTheUndocumentedLimitsAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(start_tenant());
  SyncRun first = sync();
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const json::object before = state();
  const std::uint64_t updates_before = updates(stats());

  auto [code, report] = tune(/*write_probe=*/true, 200, dir_.file("tune.svg"));
  ASSERT_EQ(code, 0);
  // --svg: one panel per target, the probed ones with their steps.
  std::ifstream svg_file(dir_.file("tune.svg"));
  const std::string svg((std::istreambuf_iterator<char>(svg_file)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(svg.starts_with("<?xml") && svg.ends_with("</svg>\n")) << svg.substr(0, 200);
  std::size_t panels = 0;
  for (std::size_t at = svg.find("<g class=\"panel\""); at != std::string::npos; at = svg.find("<g class=\"panel\"", at + 1)) ++panels;
  EXPECT_EQ(panels, report.at("targets").as_array().size());
  EXPECT_NE(svg.find("id=\"panel-acs_card\""), std::string::npos);
  EXPECT_NE(svg.find("acs_card: recommended"), std::string::npos);
  const json::object& acs = target(report, "acs_card");
  EXPECT_EQ(acs.at("measured").at("found_by").as_string(), "announced");
  EXPECT_EQ(acs.at("measured").at("announced_limit").to_number<int>(), 30);
  const int acs_rate = acs.at("recommended").at("rate_per_s").to_number<int>();
  EXPECT_GE(acs_rate, 27);
  EXPECT_LE(acs_rate, 30);
  const json::object& box = target(report, "sophon_person");
  EXPECT_EQ(box.at("measured").at("found_by").as_string(), "knee");
  const int box_rate = box.at("recommended").at("rate_per_s").to_number<int>();
  EXPECT_GE(box_rate, 34);
  EXPECT_LE(box_rate, 40);
  // The documented targets keep their rate; every target gets a concurrency.
  EXPECT_TRUE(target(report, "contact_user").at("recommended").at("rate").is_null());
  for (const auto& t : report.at("targets").as_array()) EXPECT_GE(t.at("recommended").at("concurrency").to_number<int>(), 2);

  const std::uint64_t writes = updates(stats()) - updates_before;
  EXPECT_LE(writes, 200u);
  EXPECT_EQ(writes, report.at("calls").at("writes").to_number<std::uint64_t>());
  EXPECT_EQ(state(), before) << "every entity holds what it held";

  // The job takes the lines tune recommends.
  for (auto& t : spec_.targets) {
    const json::object& r = target(report, t.id).at("recommended").as_object();
    if (!r.at("rate").is_null()) t.rate = {std::string(r.at("rate").as_string())};
    t.concurrency = r.at("concurrency").to_number<unsigned>();
  }
  SyncRun again = sync();
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

TEST_F(TuneTest, WithoutTheWriteProbeTheEmulatorCountsNoWrite) {
  ASSERT_NO_FATAL_FAILURE(start_tenant());
  ASSERT_TRUE(prepare());
  auto [code, report] = tune(/*write_probe=*/false);
  EXPECT_EQ(code, 0);
  const json::object stats_after = stats();
  EXPECT_EQ(updates(stats_after), 0u);
  EXPECT_EQ(stats_after.at("operations").at("create").to_number<int>(), 0);
  EXPECT_GT(stats_after.at("operations").at("read").to_number<int>(), 0);
  EXPECT_EQ(report.at("calls").at("writes").to_number<int>(), 0);
  const json::object& acs = target(report, "acs_card");
  EXPECT_TRUE(acs.at("recommended").at("rate").is_null());
  EXPECT_EQ(acs.at("measured").at("found_by").as_string(), "none");
  EXPECT_GE(acs.at("measured").at("reads").at("p50_ms").to_number<double>(), 30.0) << "the Feishu latency shows";
}

}  // namespace
}  // namespace hrsync::integration
