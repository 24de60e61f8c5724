// Plans that read their targets first (engine/plan/read_planning.h): the diff is against what a
// target holds, entities it lacks are absent, edits made on the target are drift, a failed read
// sends that target nothing. The reads come from a fake reader built from what a plan without a
// read would send, edited where a test says.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "engine/plan/job.h"
#include "engine/plan/plan_report.h"
#include "store/snapshot_store.h"

namespace hrsync {
namespace {

namespace fs = std::filesystem;

std::string secret_env(const char*) { return "secret"; }

constexpr std::string_view kHeader = "employee_no,user_id,name,mobile,email,department_ids,employee_type,card_no\n";

std::string employee(int n, std::string_view departments = "od-1") {
  return fmt::format("E{:04},u{:04},Person {},+8613800{:06},p{}@example.com,{},1,{}\n", n, n, n, n, n, departments,
                     100000 + n);
}

// Replaces `from` by `to` in the document and seals it again.
Document edited(Document d, std::string_view from, std::string_view to) {
  const auto at = d.body.find(from);
  if (at == std::string::npos) throw std::runtime_error(fmt::format("{} not in {}", from, d.body));
  d.body.replace(at, from.size(), to);
  d.seal();
  return d;
}

class ReadPlanningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hrsync-read-planning-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "job.toml") << R"([job]
snapshot = "snap.db"
max_change_ratio = 0.9
[feishu]
base_url = "http://127.0.0.1:1"
app_id = "cli_test"
app_secret_env = "X"
[sources.employees]
kind = "csv"
path = "employees.csv"
[targets.contact_user]
source = "employees"
mode = "patch"
[targets.acs_card]
source = "employees"
)";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_csv(const std::string& rows) { std::ofstream(dir_ / "employees.csv") << kHeader << rows; }

  Result<Job> plan(PlanOptions options = {}) {
    return prepare_job((dir_ / "job.toml").string(), options, /*create_store=*/true, secret_env);
  }

  // What each target would hold if every document a plan without a read sends were applied.
  std::map<std::string, std::map<std::string, Document>> sent_documents() {
    auto job = plan(PlanOptions{.read = ReadChoice::kNone});
    EXPECT_TRUE(job.has_value()) << job.error().str();
    std::map<std::string, std::map<std::string, Document>> out;
    for (const auto& t : job->plan.targets) {
      for (const auto& w : t.work) out[t.id][w.desired.key] = w.desired;
    }
    return out;
  }

  // A reader that answers from `holds` (target -> key -> document); a key not there is absent;
  // a target in `failing` fails its read.
  TargetReader reader(std::map<std::string, std::map<std::string, Document>> holds,
                      std::vector<std::string> failing = {}) {
    return [this, holds = std::move(holds), failing = std::move(failing)](const std::vector<ReadAsk>& asks) {
      ++reads_;
      std::vector<TargetRead> out;
      for (const ReadAsk& ask : asks) {
        TargetRead r;
        r.target = std::string(ask.connector->id());
        asked_[r.target] = ask.keys;
        if (std::find(failing.begin(), failing.end(), r.target) != failing.end()) {
          r.failed = "a read of 1 key(s) from u0001 failed: HTTP 503";
          out.push_back(std::move(r));
          continue;
        }
        auto held = holds.find(r.target);
        for (const std::string& key : ask.keys) {
          ++r.calls;
          if (held != holds.end() && held->second.contains(key)) {
            r.found.push_back(held->second.at(key));
          } else {
            r.absent.push_back(key);
          }
        }
        out.push_back(std::move(r));
      }
      return out;
    };
  }

  // Commits every planned document and the reads, as a fully successful sync would.
  void apply_all(Job& job) {
    for (auto& t : job.plan.targets) {
      std::vector<SnapshotStore::AppliedRow> rows;
      if (t.read) {
        for (const Document& d : t.read->adopt) rows.push_back({d.key, d.hash, d.body});
        ASSERT_TRUE(job.store->replace_absent(t.id, t.absent_keys, 1).has_value());
      }
      for (const auto& w : t.work) {
        const Document& held = w.holds ? *w.holds : w.desired;
        rows.push_back({held.key, held.hash, held.body});
      }
      ASSERT_TRUE(job.store->commit(t.id, rows, 1, 1000).has_value());
    }
  }

  static const TargetPlan& target(const Plan& p, std::string_view id) {
    for (const auto& t : p.targets) {
      if (t.id == id) return t;
    }
    throw std::runtime_error("no target " + std::string(id));
  }

  fs::path dir_;
  int reads_ = 0;
  std::map<std::string, std::vector<std::string>> asked_;
};

TEST_F(ReadPlanningTest, AFirstRunAgainstAPopulatedTenantSendsOnlyWhatDiffers) {
  write_csv(employee(1) + employee(2) + employee(3) + employee(4));
  auto holds = sent_documents();
  // u0002 sits in another department, u0003's card differs, u0004 does not exist yet.
  holds["contact_user"]["u0002"] = edited(holds["contact_user"]["u0002"], "od-1", "od-9");
  holds["acs_card"]["u0003"] = edited(holds["acs_card"]["u0003"], "100003", "100999");
  holds["contact_user"].erase("u0004");
  holds["acs_card"].erase("u0004");

  auto job = plan(PlanOptions{.reader = reader(holds)});
  ASSERT_TRUE(job.has_value()) << job.error().str();
  EXPECT_EQ(asked_["contact_user"], (std::vector<std::string>{"u0001", "u0002", "u0003", "u0004"}));
  const auto& cu = target(job->plan, "contact_user");
  ASSERT_EQ(cu.work.size(), 1u);
  EXPECT_EQ(cu.work[0].desired.key, "u0002");
  ASSERT_TRUE(cu.work[0].last_applied.has_value());  // a PATCH of the members that differ
  EXPECT_EQ(cu.work[0].last_applied->hash, holds["contact_user"]["u0002"].hash);
  EXPECT_EQ(cu.counts.unchanged, 2u);
  EXPECT_EQ(cu.counts.created, 0u);
  EXPECT_EQ(cu.counts.absent, 1u);
  EXPECT_EQ(cu.absent_keys, std::vector<std::string>{"u0004"});
  ASSERT_TRUE(cu.read.has_value());
  EXPECT_EQ(cu.read->found, 3u);
  EXPECT_TRUE(cu.read->drift.empty());  // no snapshot: nothing was applied to drift from
  EXPECT_EQ(cu.read->adopt.size(), 3u);
  // Only the department change passes the 1/s lane.
  std::uint64_t lane_calls = 0;
  for (const auto& l : cu.lanes) lane_calls += l.lane.empty() ? 0 : l.calls;
  EXPECT_EQ(lane_calls, 1u);
  const auto& acs = target(job->plan, "acs_card");
  ASSERT_EQ(acs.work.size(), 1u);
  EXPECT_EQ(acs.work[0].desired.key, "u0003");
  EXPECT_EQ(acs.absent_keys, std::vector<std::string>{"u0004"});
  EXPECT_TRUE(job->plan.gates.empty());

  const std::string text = render_plan_text(job->plan, PlanRenderOptions{});
  EXPECT_NE(text.find("Read before the diff"), std::string::npos) << text;
  EXPECT_NE(text.find("Not in the target (2)"), std::string::npos) << text;
  const std::string json = render_plan_json(job->plan, PlanRenderOptions{});
  EXPECT_NE(json.find(R"("absent":["u0004"])"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("found":3)"), std::string::npos) << json;
}

// on_new = "create": an entity the read found absent is created (counted created, no longer
// absent, through no lane); the target without it keeps it absent; more creates than max_create
// stop the plan at the gate.
TEST_F(ReadPlanningTest, AnAbsentEntityIsCreatedWhereOnNewSaysSoAndCountsAgainstMaxCreate) {
  std::string text;
  {
    std::ifstream in(dir_ / "job.toml");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("mode = \"patch\"\n"), 15, "mode = \"patch\"\non_new = \"create\"\n");
  std::ofstream(dir_ / "job.toml") << text;
  write_csv(employee(1) + employee(2));
  auto holds = sent_documents();
  holds["contact_user"].erase("u0002");
  holds["acs_card"].erase("u0002");

  auto job = plan(PlanOptions{.reader = reader(holds)});
  ASSERT_TRUE(job.has_value()) << job.error().str();
  const auto& cu = target(job->plan, "contact_user");
  ASSERT_EQ(cu.work.size(), 1u);
  EXPECT_EQ(cu.work[0].action, Work::Action::kCreate);
  EXPECT_EQ(cu.work[0].desired.key, "u0002");
  EXPECT_FALSE(cu.work[0].last_applied.has_value());
  EXPECT_EQ(cu.creates, 1u);
  EXPECT_EQ(cu.counts.created, 1u);
  EXPECT_EQ(cu.counts.absent, 0u);
  EXPECT_TRUE(cu.absent_keys.empty());
  for (const auto& l : cu.lanes) EXPECT_EQ(l.lane.empty() ? 0u : l.calls, 0u) << l.lane;
  const auto& acs = target(job->plan, "acs_card");
  EXPECT_TRUE(acs.work.empty());
  EXPECT_EQ(acs.absent_keys, std::vector<std::string>{"u0002"});
  EXPECT_TRUE(job->plan.gates.empty());
  const std::string rendered = render_plan_text(job->plan, PlanRenderOptions{});
  EXPECT_NE(rendered.find("create"), std::string::npos) << rendered;
  // The read's line counts what the read did not find, the one to create included, as its JSON does.
  EXPECT_NE(rendered.find(": 1 found, 1 absent, 0 drifted"), std::string::npos) << rendered;

  text.replace(text.find("max_change_ratio"), 0, "max_create = 0\n");
  std::ofstream(dir_ / "job.toml") << text;
  auto gated = plan(PlanOptions{.reader = reader(holds)});
  ASSERT_TRUE(gated.has_value()) << gated.error().str();
  ASSERT_EQ(gated->plan.gates.size(), 1u);
  EXPECT_EQ(gated->plan.gates[0].gate, "max_create");
  EXPECT_EQ(gated->plan.gates[0].message, "1 entities would be created (contact_user 1), above max_create 0");
}

TEST_F(ReadPlanningTest, AnEditOnTheTargetIsDriftWithTargetHrAndLastAppliedValuesAndOneRepair) {
  write_csv(employee(1) + employee(2));
  auto holds = sent_documents();
  auto first = plan(PlanOptions{.reader = reader(holds)});
  ASSERT_TRUE(first.has_value()) << first.error().str();
  apply_all(*first);
  first->store.reset();

  // An admin renames u0001 in the console.
  holds["contact_user"]["u0001"] = edited(holds["contact_user"]["u0001"], "Person 1", "Renamed In Console");
  auto second = plan(PlanOptions{.reader = reader(holds)});
  ASSERT_TRUE(second.has_value()) << second.error().str();
  const auto& cu = target(second->plan, "contact_user");
  ASSERT_TRUE(cu.read.has_value());
  ASSERT_EQ(cu.read->drift.size(), 1u);
  const Drift& d = cu.read->drift[0];
  EXPECT_EQ(d.key, "u0001");
  EXPECT_EQ(d.field, "name");
  EXPECT_EQ(d.target, "Renamed In Console");
  EXPECT_EQ(d.source, "Person 1");
  EXPECT_EQ(d.last_applied, "Person 1");
  EXPECT_EQ(cu.read->drifted, 1u);
  ASSERT_EQ(cu.work.size(), 1u);  // exactly the repair
  EXPECT_EQ(cu.work[0].desired.key, "u0001");
  const std::string json = render_plan_json(second->plan, PlanRenderOptions{});
  EXPECT_NE(json.find(R"({"field":"name","key":"u0001","last_applied":"Person 1","source":"Person 1","target":"Renamed In Console"})"),
            std::string::npos)
      << json;

  // Without a read the snapshot still believes its last write: no drift seen, nothing sent.
  second->store.reset();
  auto blind = plan(PlanOptions{.read = ReadChoice::kNone, .reader = reader(holds)});
  ASSERT_TRUE(blind.has_value());
  EXPECT_TRUE(target(blind->plan, "contact_user").work.empty());
  EXPECT_FALSE(target(blind->plan, "contact_user").read.has_value());
}

TEST_F(ReadPlanningTest, AFailedReadSendsThatTargetNothingAndTheOthersGoOn) {
  write_csv(employee(1) + employee(2));
  auto job = plan(PlanOptions{.reader = reader({}, {"acs_card"})});
  ASSERT_TRUE(job.has_value()) << job.error().str();
  const auto& acs = target(job->plan, "acs_card");
  ASSERT_TRUE(acs.read.has_value());
  ASSERT_TRUE(acs.read->failed.has_value());
  EXPECT_EQ(acs.calls(), 0u);
  EXPECT_TRUE(acs.read->adopt.empty());
  // contact_user's read found nobody: both absent, nothing sent, no failure.
  const auto& cu = target(job->plan, "contact_user");
  EXPECT_FALSE(cu.read->failed.has_value());
  EXPECT_EQ(cu.absent_keys.size(), 2u);
  EXPECT_NE(render_plan_text(job->plan, PlanRenderOptions{}).find("the read failed"), std::string::npos);
}

TEST_F(ReadPlanningTest, TheAbsentKeysOfTheLastReadAreSkippedByARunThatDoesNotRead) {
  write_csv(employee(1) + employee(2));
  auto holds = sent_documents();
  holds["acs_card"].erase("u0002");
  auto first = plan(PlanOptions{.reader = reader(holds)});
  ASSERT_TRUE(first.has_value()) << first.error().str();
  apply_all(*first);
  first->store.reset();
  // acs_card reads only when its snapshot is empty: now it holds u0001, so it is not read, and
  // u0002 stays absent as the last read found it.
  reads_ = 0;
  asked_.clear();
  auto second = plan(PlanOptions{.reader = reader(holds)});
  ASSERT_TRUE(second.has_value()) << second.error().str();
  EXPECT_FALSE(asked_.contains("acs_card"));
  EXPECT_TRUE(asked_.contains("contact_user"));  // contact_user reads every run by default
  const auto& acs = target(second->plan, "acs_card");
  EXPECT_TRUE(acs.work.empty());
  EXPECT_EQ(acs.absent_keys, std::vector<std::string>{"u0002"});
  EXPECT_EQ(acs.counts.missing, 0u);
}

}  // namespace
}  // namespace hrsync
