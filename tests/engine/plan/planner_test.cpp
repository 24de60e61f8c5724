#include "engine/plan/planner.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "engine/plan/job.h"
#include "engine/plan/plan_report.h"
#include "store/snapshot_store.h"

namespace hrsync {
namespace {

namespace fs = std::filesystem;

std::string no_env(const char*) { return "secret"; }

constexpr std::string_view kHeader =
    "employee_no,user_id,name,mobile,email,department_ids,employee_type,gender,card_no,face_key\n";

std::string employee(int n, std::string_view card = "") {
  return fmt::format("E{:04},u{:04},Person {},+8613800{:06},p{}@example.com,od-1;od-2,1,1,{},fk{}\n", n, n, n, n, n,
                     card.empty() ? std::to_string(100000 + n) : std::string(card), n);
}

// Line `line` of the in-memory source.
Origin memory_origin(int line) { return Origin{"memory", static_cast<std::uint64_t>(line), Origin::Unit::kLine}; }

class PlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hrsync-planner-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    write_config("");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_config(std::string_view extra_job) {
    std::ofstream(dir_ / "job.toml") << fmt::format(R"([job]
snapshot = "snap.db"
max_change_ratio = 0.5
max_missing_ratio = 0.2
{}
[feishu]
base_url = "http://127.0.0.1:1"
app_id = "cli_test"
app_secret_env = "X"

[sources.employees]
kind = "csv"
path = "employees.csv"

[targets.contact_user]
source = "employees"
on_missing = "freeze"

[targets.acs_card]
source = "employees"

[targets.attendance_face]
source = "employees"
)",
                                                    extra_job);
  }

  void write_csv(const std::string& rows) { std::ofstream(dir_ / "employees.csv") << kHeader << rows; }

  Result<Job> plan(bool create_store = true, PlanOptions options = {}) {
    return prepare_job((dir_ / "job.toml").string(), options, create_store, no_env);
  }

  // Commits every planned document, as a fully successful sync would.
  void apply_all(Job& job) {
    for (const auto& t : job.plan.targets) {
      std::vector<SnapshotStore::AppliedRow> rows;
      for (const auto& w : t.work) {
        const Document& held = w.holds ? *w.holds : w.desired;
        rows.push_back({held.key, held.hash, held.body});
      }
      for (Work w; t.stream && t.stream->next(w);) rows.push_back({w.desired.key, w.desired.hash, w.desired.body});
      ASSERT_TRUE(job.store->commit(t.id, rows, 1, 1000).has_value());
      ASSERT_TRUE(job.store->forget(t.id, t.forget_keys).has_value());
    }
  }

  static const TargetPlan& target(const Plan& p, std::string_view id) {
    for (const auto& t : p.targets) {
      if (t.id == id) return t;
    }
    throw std::runtime_error("no target " + std::string(id));
  }

  fs::path dir_;
};

TEST_F(PlannerTest, FirstRunPlansEveryValidRecordAsNew) {
  write_csv(employee(1) + employee(2) + employee(3));
  auto job = plan();
  ASSERT_TRUE(job.has_value()) << job.error().str();
  for (const auto& t : job->plan.targets) {
    EXPECT_EQ(t.counts.created, 3u) << t.id;
    EXPECT_EQ(t.work.size(), 3u) << t.id;
    EXPECT_EQ(t.counts.known, 0u);
  }
  EXPECT_TRUE(job->plan.gates.empty());
  EXPECT_EQ(target(job->plan, "contact_user").work[0].desired.key, "u0001");
  EXPECT_EQ(target(job->plan, "attendance_face").work[0].desired.key, "E0001");
}

TEST_F(PlannerTest, SecondRunAfterApplyingPlansNothing) {
  write_csv(employee(1) + employee(2));
  auto first = plan();
  ASSERT_TRUE(first.has_value()) << first.error().str();
  apply_all(*first);
  first->store.reset();
  auto second = plan();
  ASSERT_TRUE(second.has_value()) << second.error().str();
  for (const auto& t : second->plan.targets) {
    EXPECT_TRUE(t.work.empty()) << t.id;
    EXPECT_EQ(t.counts.unchanged, 2u) << t.id;
    EXPECT_EQ(t.counts.known, 2u) << t.id;
  }
}

TEST_F(PlannerTest, ACsvSourceReadsTheDelimiterItsConfigNames) {
  std::string config;
  {
    std::ifstream in(dir_ / "job.toml");
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  config.replace(config.find("path = \"employees.csv\""), 22, "path = \"employees.csv\"\ndelimiter = \";\"");
  std::ofstream(dir_ / "job.toml") << config;
  // Every ',' becomes ';', and the department list, which holds ';', is quoted.
  std::string rows = std::string(kHeader) + employee(1) + employee(2);
  for (std::size_t at; (at = rows.find("od-1;od-2")) != std::string::npos;) rows.replace(at, 9, "\x01");
  std::replace(rows.begin(), rows.end(), ',', ';');
  for (std::size_t at; (at = rows.find('\x01')) != std::string::npos;) rows.replace(at, 1, "\"od-1;od-2\"");
  std::ofstream(dir_ / "employees.csv") << rows;
  auto job = plan();
  ASSERT_TRUE(job.has_value()) << job.error().str();
  ASSERT_EQ(job->plan.sources.size(), 1u);
  EXPECT_EQ(job->plan.sources[0].records, 2u);
  for (const auto& r : job->plan.sources[0].rejected) ADD_FAILURE() << r.origin.str() << ": " << r.reason;
  const auto& contact = target(job->plan, "contact_user");
  ASSERT_EQ(contact.work.size(), 2u);
  EXPECT_EQ(contact.work[0].desired.key, "u0001");
  EXPECT_NE(contact.work[0].desired.body.find("\"department_ids\":[\"od-1\",\"od-2\"]"), std::string::npos)
      << contact.work[0].desired.body;
  EXPECT_NE(contact.work[0].desired.body.find("\"name\":\"Person 1\""), std::string::npos) << contact.work[0].desired.body;
}

// In patch mode a change of department_ids goes through the connector's 1/s lane; other changes
// do not. The estimate counts both without building a request; lane_rate replaces the lane's tier.
TEST_F(PlannerTest, LaneEstimatesCountTheChangesThatGoThroughTheConnectorsLane) {
  const auto patch_mode = [this](std::string_view lane_rate) {
    std::ifstream in(dir_ / "job.toml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string freeze = "on_missing = \"freeze\"\n";
    text.replace(text.find(freeze), freeze.size(), freeze + "mode = \"patch\"\n" + std::string(lane_rate));
    std::ofstream(dir_ / "job.toml") << text;
  };
  patch_mode("");
  write_csv(employee(1) + employee(2) + employee(3) + employee(4));
  auto first = plan();
  ASSERT_TRUE(first.has_value()) << first.error().str();
  const auto& created = target(first->plan, "contact_user").lanes;
  ASSERT_EQ(created.size(), 2u);  // new users: every member, departments included
  EXPECT_EQ(created[1].lane, "dept_or_frozen");
  EXPECT_EQ(created[1].calls, 4u);
  apply_all(*first);
  first->store.reset();

  std::string moved2 = employee(2);
  moved2.replace(moved2.find("od-1;od-2"), 9, "od-3");
  std::string moved3 = employee(3);
  moved3.replace(moved3.find("od-1;od-2"), 9, "od-1");
  std::string renamed4 = employee(4);
  renamed4.replace(renamed4.find("Person 4"), 8, "Person X");
  write_csv(employee(1) + moved2 + moved3 + renamed4);
  auto second = plan();
  ASSERT_TRUE(second.has_value()) << second.error().str();
  const auto& lanes = target(second->plan, "contact_user").lanes;
  ASSERT_EQ(lanes.size(), 2u);
  EXPECT_EQ(lanes[0].endpoint, "PATCH /open-apis/contact/v3/users/:user_id");
  EXPECT_EQ(lanes[0].lane, "");
  EXPECT_EQ(lanes[0].calls, 3u);
  EXPECT_EQ(lanes[0].tiers, (std::vector<RateTier>{{50, 1}, {1000, 60}}));
  EXPECT_EQ(lanes[1].endpoint, lanes[0].endpoint);
  EXPECT_EQ(lanes[1].lane, "dept_or_frozen");
  EXPECT_EQ(lanes[1].calls, 2u);
  EXPECT_EQ(lanes[1].tiers, (std::vector<RateTier>{{1, 1}}));
  EXPECT_DOUBLE_EQ(lanes[1].min_seconds, 2.0);
  second->store.reset();

  write_config("");
  patch_mode("lane_rate = \"1/2s\"\n");
  auto overridden = plan();
  ASSERT_TRUE(overridden.has_value()) << overridden.error().str();
  const auto& slow = target(overridden->plan, "contact_user").lanes;
  ASSERT_EQ(slow.size(), 2u);
  EXPECT_EQ(slow[1].tiers, (std::vector<RateTier>{{1, 2}}));
  EXPECT_DOUBLE_EQ(slow[1].min_seconds, 4.0);
  // Targets without lanes estimate their endpoint alone.
  EXPECT_EQ(target(overridden->plan, "acs_card").lanes.size(), 1u);
  EXPECT_EQ(target(overridden->plan, "acs_card").lanes[0].endpoint, "PATCH /open-apis/acs/v1/users/:user_id");
}

TEST_F(PlannerTest, ChangingOneCardChangesOnlyTheAccessControlTarget) {
  write_csv(employee(1) + employee(2) + employee(3));
  auto first = plan();
  ASSERT_TRUE(first.has_value());
  apply_all(*first);
  first->store.reset();
  write_csv(employee(1) + employee(2, "999999") + employee(3));
  auto second = plan();
  ASSERT_TRUE(second.has_value()) << second.error().str();
  EXPECT_TRUE(target(second->plan, "contact_user").work.empty());
  EXPECT_TRUE(target(second->plan, "attendance_face").work.empty());
  const auto& acs = target(second->plan, "acs_card");
  ASSERT_EQ(acs.work.size(), 1u);
  EXPECT_EQ(acs.counts.changed, 1u);
  EXPECT_EQ(acs.work[0].desired.key, "u0002");
  ASSERT_TRUE(acs.work[0].last_applied.has_value());
  EXPECT_NE(acs.work[0].last_applied->body, acs.work[0].desired.body);
}

TEST_F(PlannerTest, EntitiesWhoseLastAttemptFailedArePlannedAfterTheFreshChanges) {
  write_csv(employee(1) + employee(2) + employee(3) + employee(4) + employee(5));
  auto first = plan();
  ASSERT_TRUE(first.has_value()) << first.error().str();
  // Last night: u0005 applied, u0001 and u0003 refused, u0002 skipped (never tried), u0004 not
  // reached; on acs_card only u0004 failed.
  const auto& planned = target(first->plan, "contact_user").work;
  const Work& u5 = planned[4];
  ASSERT_EQ(u5.desired.key, "u0005");
  const std::vector<SnapshotStore::AppliedRow> applied = {{u5.desired.key, u5.desired.hash, u5.desired.body}};
  ASSERT_TRUE(first->store->commit("contact_user", applied, 1, 1000).has_value());
  auto run = first->store->begin_run("sync", "job.toml", 1000);
  ASSERT_TRUE(run.has_value());
  auto outcome = [](std::string target, std::string key, std::string status) {
    return OutcomeRow{std::move(target), std::move(key), "upsert", std::move(status), 0, "", "", 1};
  };
  ASSERT_TRUE(first->store
                  ->record_outcomes(*run, std::vector<OutcomeRow>{outcome("contact_user", "u0001", "failed"),
                                                                  outcome("contact_user", "u0002", "skipped"),
                                                                  outcome("contact_user", "u0003", "failed"),
                                                                  outcome("contact_user", "u0005", "applied"),
                                                                  outcome("acs_card", "u0004", "failed")})
                  .has_value());
  first->store.reset();

  auto second = plan();
  ASSERT_TRUE(second.has_value()) << second.error().str();
  auto keys = [](const TargetPlan& t) {
    std::vector<std::string> out;
    for (const Work& w : t.work) out.push_back(w.desired.key);
    return out;
  };
  const TargetPlan& contact = target(second->plan, "contact_user");
  EXPECT_EQ(keys(contact), (std::vector<std::string>{"u0002", "u0004", "u0001", "u0003"}));
  EXPECT_EQ(contact.failed_last, 2u);
  const TargetPlan& acs = target(second->plan, "acs_card");
  EXPECT_EQ(keys(acs), (std::vector<std::string>{"u0001", "u0002", "u0003", "u0005", "u0004"}));
  EXPECT_EQ(acs.failed_last, 1u);
  const TargetPlan& attendance = target(second->plan, "attendance_face");
  EXPECT_EQ(keys(attendance), (std::vector<std::string>{"E0001", "E0002", "E0003", "E0004", "E0005"}));
  EXPECT_EQ(attendance.failed_last, 0u);
  std::string text = render_plan_text(second->plan, {});
  EXPECT_NE(text.find("contact_user: 2 of its changes failed at their last attempt; they are sent after the others"),
            std::string::npos)
      << text;
  EXPECT_NE(render_plan_json(second->plan, {}).find(R"("failed_last":2)"), std::string::npos);
}

// With part of the work streamed (a first run past its first changes), the entities that failed
// last time go after the fresh ones of both parts: held and streamed alike.
TEST_F(PlannerTest, EntitiesThatFailedLastGoAfterTheStreamedFreshOnesToo) {
  std::string rows;
  for (int i = 1; i <= 10; ++i) rows += employee(i);
  write_csv(rows);
  PlanOptions options;
  options.spool_after = 3;
  auto first = plan(true, options);
  ASSERT_TRUE(first.has_value()) << first.error().str();
  auto run = first->store->begin_run("sync", "job.toml", 1000);
  ASSERT_TRUE(run.has_value());
  auto failed = [](std::string key) { return OutcomeRow{"contact_user", std::move(key), "upsert", "failed", 0, "", "", 1}; };
  ASSERT_TRUE(first->store->record_outcomes(*run, std::vector<OutcomeRow>{failed("u0001"), failed("u0007")}).has_value());
  first->store.reset();

  auto second = plan(true, options);
  ASSERT_TRUE(second.has_value()) << second.error().str();
  const TargetPlan& contact = target(second->plan, "contact_user");
  std::vector<std::string> held;
  for (const Work& w : contact.work) held.push_back(w.desired.key);
  EXPECT_EQ(held, (std::vector<std::string>{"u0002", "u0003"}));
  ASSERT_TRUE(contact.stream);
  std::vector<std::string> streamed;
  for (Work w; contact.stream->next(w);) {
    EXPECT_EQ(w.desired.hash, content_hash(w.desired.body)) << w.desired.key;
    streamed.push_back(w.desired.key);
  }
  ASSERT_TRUE(contact.stream->status()) << contact.stream->status().error().str();
  EXPECT_EQ(streamed, (std::vector<std::string>{"u0004", "u0005", "u0006", "u0008", "u0009", "u0010", "u0001", "u0007"}));
  EXPECT_EQ(contact.streamed, 8u);
  EXPECT_EQ(contact.calls(), 10u);
  EXPECT_EQ(contact.failed_last, 2u);
  const TargetPlan& acs = target(second->plan, "acs_card");
  EXPECT_EQ(acs.failed_last, 0u);
  EXPECT_EQ(acs.calls(), 10u);
}

TEST_F(PlannerTest, FullPlansUnchangedEntitiesToo) {
  write_csv(employee(1) + employee(2));
  auto first = plan();
  ASSERT_TRUE(first.has_value());
  apply_all(*first);
  first->store.reset();
  auto full = plan(true, PlanOptions{true, {}});
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(target(full->plan, "contact_user").work.size(), 2u);
}

TEST_F(PlannerTest, LeaversAreMissingAndFrozenWhereThePolicySaysSo) {
  std::string rows;
  for (int i = 1; i <= 10; ++i) rows += employee(i);
  write_csv(rows);
  auto first = plan();
  ASSERT_TRUE(first.has_value());
  apply_all(*first);
  first->store.reset();
  rows.clear();
  for (int i = 1; i <= 9; ++i) rows += employee(i);
  write_csv(rows);
  auto second = plan();
  ASSERT_TRUE(second.has_value()) << second.error().str();
  const auto& cu = target(second->plan, "contact_user");
  EXPECT_EQ(cu.counts.missing, 1u);
  EXPECT_EQ(cu.counts.frozen, 1u);
  ASSERT_EQ(cu.work.size(), 1u);
  EXPECT_EQ(cu.work[0].action, Work::Action::kFreeze);
  EXPECT_NE(cu.work[0].desired.body.find("\"is_frozen\":true"), std::string::npos) << cu.work[0].desired.body;
  const auto& acs = target(second->plan, "acs_card");
  EXPECT_EQ(acs.counts.missing, 1u);
  EXPECT_TRUE(acs.work.empty());  // on_missing = ignore
  EXPECT_EQ(acs.forget_keys, std::vector<std::string>{"u0010"});
  // The leaver's card stays on the device: the PATCH cannot clear it.
  ASSERT_EQ(acs.by_hand.size(), 1u);
  EXPECT_EQ(acs.by_hand[0].key, "u0010");
  EXPECT_TRUE(acs.by_hand[0].origin.empty());
  EXPECT_EQ(acs.by_hand[0].what.field, "feature.card");
  EXPECT_TRUE(cu.by_hand.empty());  // frozen: nothing left for a person
  EXPECT_TRUE(second->plan.gates.empty());  // 10 % missing, ceiling 20 %
  // The table's columns stay in line with a wider missing cell ("1 (1 freeze)"): the invalid
  // count ends where the header's "invalid" ends, in every target's row.
  const std::string text = render_plan_text(second->plan, {});
  std::istringstream lines(text);
  std::size_t end = 0;
  int rows_seen = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("unchanged") != std::string::npos && line.find("invalid") != std::string::npos) {
      end = line.find("invalid") + std::string("invalid").size();
    } else if (line.starts_with("  create:")) {
      break;  // the table's end
    } else if (end > 0 && (line.starts_with("  contact_user ") || line.starts_with("  acs_card "))) {
      ++rows_seen;
      ASSERT_GT(line.size(), end) << text;
      EXPECT_TRUE(line[end - 1] != ' ' && line[end] == ' ') << "out of line:\n" << text;
    }
  }
  EXPECT_EQ(rows_seen, 2) << text;
}

// `employee(n)` with its card_no cell (the 9th) empty.
std::string employee_without_card(int n) {
  std::string row = employee(n);
  const std::size_t end = row.rfind(",fk");
  const std::size_t start = row.rfind(',', end - 1);
  return row.erase(start + 1, end - start - 1);
}

TEST_F(PlannerTest, AcsCardTakesRowsWithoutACardAndListsACardEmptiedInHrForRemovalByHand) {
  write_csv(employee(1) + employee_without_card(2) + employee(3));
  auto first = plan();
  ASSERT_TRUE(first.has_value()) << first.error().str();
  const auto& acs1 = target(first->plan, "acs_card");
  EXPECT_TRUE(acs1.invalid.empty());
  ASSERT_EQ(acs1.work.size(), 2u);  // nothing to set for u0002: no call
  EXPECT_EQ(acs1.work[0].desired.key, "u0001");
  EXPECT_EQ(acs1.work[1].desired.key, "u0003");
  EXPECT_EQ(acs1.counts.created, 2u);
  EXPECT_EQ(acs1.counts.unchanged, 1u);
  EXPECT_EQ(target(first->plan, "contact_user").work.size(), 3u);
  apply_all(*first);
  first->store.reset();

  // u0003's card is emptied in HR: nothing is sent, the snapshot keeps the card, the plan says so.
  write_csv(employee(1) + employee_without_card(2) + employee_without_card(3));
  auto second = plan();
  ASSERT_TRUE(second.has_value()) << second.error().str();
  const auto& acs2 = target(second->plan, "acs_card");
  EXPECT_TRUE(acs2.work.empty());
  EXPECT_EQ(acs2.counts.changed, 0u);
  EXPECT_EQ(acs2.counts.unchanged, 3u);
  ASSERT_EQ(acs2.by_hand.size(), 1u);
  EXPECT_EQ(acs2.by_hand[0].key, "u0003");
  EXPECT_EQ(acs2.by_hand[0].origin.line, 4u);
  EXPECT_EQ(acs2.by_hand[0].what.field, "feature.card");
  const std::string text = render_plan_text(second->plan, PlanRenderOptions{});
  EXPECT_NE(text.find("Remove by hand (1)"), std::string::npos) << text;
  EXPECT_NE(text.find("employees.csv:4  u0003  feature.card: emptied in HR"), std::string::npos) << text;
  EXPECT_NE(render_plan_json(second->plan, PlanRenderOptions{}).find(R"("by_hand":[{"field":"feature.card","key":"u0003")"),
            std::string::npos);
  // --full sends no empty PATCH for it either.
  second->store.reset();
  auto full = plan(true, PlanOptions{true, {}});
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(target(full->plan, "acs_card").work.size(), 1u);  // u0001 alone
}

TEST_F(PlannerTest, PutModeWarnsOncePerRunWhatAPutMayReset) {
  std::string config;
  {
    std::ifstream in(dir_ / "job.toml");
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  config.replace(config.find("on_missing = \"freeze\""), 21, "on_missing = \"freeze\"\nmode = \"put\"");
  std::ofstream(dir_ / "job.toml") << config;
  std::string rows;
  for (int i = 1; i <= 30; ++i) rows += employee(i);
  write_csv(rows);
  auto job = plan();
  ASSERT_TRUE(job.has_value()) << job.error().str();
  const std::string text = render_plan_text(job->plan, PlanRenderOptions{});
  const std::string note = "avatar_key, orders, custom_attrs are documented members hrsync does not send";
  const std::size_t at = text.find(note);
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_EQ(text.find(note, at + 1), std::string::npos) << "once per run, not per user:\n" << text;
  EXPECT_NE(text.find("contact_user     PUT replaces the user"), std::string::npos) << text;
  EXPECT_NE(render_plan_json(job->plan, PlanRenderOptions{}).find(R"("notes":["PUT replaces the user)"), std::string::npos);
  EXPECT_TRUE(target(job->plan, "acs_card").notes.empty());
}

TEST_F(PlannerTest, PatchModeRecordsWhatTheUserHoldsSoAnEmptiedCellStaysADifference) {
  std::string config;
  {
    std::ifstream in(dir_ / "job.toml");
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  config.replace(config.find("on_missing = \"freeze\""), 21, "on_missing = \"freeze\"\nmode = \"patch\"");
  std::ofstream(dir_ / "job.toml") << config;
  write_csv(employee(1) + employee(2));
  auto first = plan();
  ASSERT_TRUE(first.has_value()) << first.error().str();
  apply_all(*first);
  first->store.reset();

  // u0001's e-mail is emptied and its name changed: the PATCH carries the name; the user keeps the
  // e-mail, and the snapshot is to record that.
  std::string one = employee(1);
  one.replace(one.find("p1@example.com"), 14, "");
  one.replace(one.find("Person 1"), 8, "Person One");
  write_csv(one + employee(2));
  auto second = plan();
  ASSERT_TRUE(second.has_value()) << second.error().str();
  const auto& cu = target(second->plan, "contact_user");
  ASSERT_EQ(cu.work.size(), 1u);
  const Work& w = cu.work[0];
  EXPECT_EQ(w.desired.body.find("\"email\""), std::string::npos) << w.desired.body;
  ASSERT_TRUE(w.holds.has_value());
  EXPECT_NE(w.holds->body.find("\"email\":\"p1@example.com\""), std::string::npos) << w.holds->body;
  EXPECT_NE(w.holds->body.find("\"name\":\"Person One\""), std::string::npos) << w.holds->body;
  ASSERT_EQ(cu.by_hand.size(), 1u);
  EXPECT_EQ(cu.by_hand[0].key, "u0001");
  EXPECT_EQ(cu.by_hand[0].what.field, "email");
  EXPECT_NE(cu.by_hand[0].what.rule.find("cannot be cleared through PATCH"), std::string::npos);
  apply_all(*second);
  second->store.reset();

  // The next run: nothing to send, but the e-mail is still listed, and stays so run after run.
  for (int run = 0; run < 2; ++run) {
    auto next = plan();
    ASSERT_TRUE(next.has_value()) << next.error().str();
    const auto& c = target(next->plan, "contact_user");
    EXPECT_TRUE(c.work.empty());
    EXPECT_EQ(c.counts.changed, 0u);
    EXPECT_EQ(c.counts.unchanged, 2u);
    ASSERT_EQ(c.by_hand.size(), 1u);
    EXPECT_EQ(c.by_hand[0].origin.line, 2u);
    EXPECT_EQ(c.by_hand[0].what.field, "email");
  }

  // The cell has a value again: sent, and nothing is left to do by hand.
  one.replace(one.find(",,"), 2, ",p1@example.org,");
  write_csv(one + employee(2));
  auto mended = plan();
  ASSERT_TRUE(mended.has_value()) << mended.error().str();
  const auto& m = target(mended->plan, "contact_user");
  ASSERT_EQ(m.work.size(), 1u);
  EXPECT_FALSE(m.work[0].holds.has_value());
  EXPECT_TRUE(m.by_hand.empty());
}

TEST_F(PlannerTest, LeaversHandledByAnEarlierRunDoNotCountAgainstTheGate) {
  std::string rows;
  for (int i = 1; i <= 10; ++i) rows += employee(i);
  write_csv(rows);
  auto first = plan();
  ASSERT_TRUE(first.has_value());
  apply_all(*first);
  first->store.reset();
  // Two leave (20 %, at the ceiling): frozen on contact_user, forgotten elsewhere.
  rows.clear();
  for (int i = 1; i <= 8; ++i) rows += employee(i);
  write_csv(rows);
  auto second = plan();
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->plan.gates.empty());
  apply_all(*second);
  second->store.reset();
  // One more leaves: 3 of 10 are gone from contact_user's snapshot, but two were frozen already.
  rows.clear();
  for (int i = 1; i <= 7; ++i) rows += employee(i);
  write_csv(rows);
  auto third = plan();
  ASSERT_TRUE(third.has_value());
  const auto& cu = target(third->plan, "contact_user");
  EXPECT_EQ(cu.counts.missing, 3u);
  EXPECT_EQ(cu.counts.settled, 2u);
  ASSERT_EQ(cu.work.size(), 1u);
  EXPECT_EQ(cu.work[0].desired.key, "u0008");
  EXPECT_EQ(target(third->plan, "acs_card").counts.missing, 1u);  // the forgotten two are gone for good
  EXPECT_TRUE(third->plan.gates.empty()) << third->plan.gates[0].message;
}

TEST_F(PlannerTest, AnInvalidRecordIsNeverReportedMissing) {
  write_csv(employee(1) + employee(2));
  auto first = plan();
  ASSERT_TRUE(first.has_value());
  apply_all(*first);
  first->store.reset();
  write_csv(employee(1) + employee(2, "not-a-number"));
  auto second = plan();
  ASSERT_TRUE(second.has_value());
  const auto& acs = target(second->plan, "acs_card");
  EXPECT_EQ(acs.counts.invalid, 1u);
  EXPECT_EQ(acs.counts.missing, 0u);
  ASSERT_EQ(acs.invalid.size(), 1u);
  EXPECT_EQ(acs.invalid[0].key, "E0002");
  EXPECT_NE(acs.invalid[0].origin.str().find("employees.csv:3"), std::string::npos) << acs.invalid[0].origin.str();
  EXPECT_TRUE(target(second->plan, "contact_user").work.empty());  // invalid for acs only
}

TEST_F(PlannerTest, DuplicateKeyIsRejectedNamingTheFirstLine) {
  write_csv(employee(1) + employee(2) + employee(1));
  auto job = plan();
  ASSERT_TRUE(job.has_value()) << job.error().str();
  ASSERT_EQ(job->plan.sources.size(), 1u);
  const auto& rejected = job->plan.sources[0].rejected;
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_NE(rejected[0].origin.str().find("employees.csv:4"), std::string::npos) << rejected[0].origin.str();
  EXPECT_NE(rejected[0].reason.find("first at line 2"), std::string::npos) << rejected[0].reason;
  EXPECT_EQ(target(job->plan, "contact_user").work.size(), 2u);
}

TEST_F(PlannerTest, BatchesAcrossThousandsOfRowsKeepEveryRuleOfTheSmallCase) {
  // More rows than one read batch: duplicates, invalid rows and leavers on both sides of the
  // batch boundaries must come out exactly as they do row by row.
  constexpr int kRows = 3000;
  std::string rows;
  for (int i = 1; i <= kRows; ++i) rows += employee(i);
  write_csv(rows);
  auto first = plan();
  ASSERT_TRUE(first.has_value()) << first.error().str();
  EXPECT_EQ(target(first->plan, "acs_card").counts.created, static_cast<std::uint64_t>(kRows));
  apply_all(*first);
  first->store.reset();

  rows.clear();
  for (int i = 1; i <= kRows; ++i) {
    if (i == 1500) continue;                                // a leaver in the middle batch
    if (i == 1024 || i == 2049) {                           // invalid for acs_card only, at batch edges
      rows += employee(i, "bad-card");
      continue;
    }
    rows += employee(i, i % 100 == 0 ? std::to_string(700000 + i) : "");  // 30 cards changed
  }
  rows += employee(1023) + employee(1025) + employee(7);    // duplicates of rows in other batches
  write_csv(rows);
  auto second = plan();
  ASSERT_TRUE(second.has_value()) << second.error().str();

  ASSERT_EQ(second->plan.sources[0].rejected.size(), 3u);
  for (const auto& r : second->plan.sources[0].rejected) EXPECT_NE(r.reason.find("duplicate"), std::string::npos) << r.reason;
  EXPECT_EQ(second->plan.sources[0].records, static_cast<std::uint64_t>(kRows - 1));

  const auto& acs = target(second->plan, "acs_card");
  EXPECT_EQ(acs.counts.invalid, 2u);
  EXPECT_EQ(acs.counts.missing, 1u);          // the leaver; invalid rows are not missing
  EXPECT_EQ(acs.counts.changed, 29u);         // i % 100 == 0, minus the leaver 1500
  EXPECT_EQ(acs.counts.unchanged, static_cast<std::uint64_t>(kRows - 1 - 2 - 29));
  EXPECT_EQ(acs.forget_keys, std::vector<std::string>{"u1500"});
  for (const auto& w : acs.work) {
    EXPECT_EQ(std::stoi(w.desired.key.substr(1)) % 100, 0) << w.desired.key;
    ASSERT_TRUE(w.last_applied.has_value()) << w.desired.key;
  }
  const auto& cu = target(second->plan, "contact_user");
  EXPECT_EQ(cu.counts.unchanged, static_cast<std::uint64_t>(kRows - 1));
  ASSERT_EQ(cu.work.size(), 1u);              // the leaver's freeze
  EXPECT_EQ(cu.work[0].desired.key, "u1500");
}

TEST_F(PlannerTest, AFirstRunKeepsItsFirstChangesAndSpoolsTheRestToStreamThemBack) {
  constexpr int kRows = 3000;
  std::string rows;
  for (int i = 1; i <= kRows; ++i) rows += employee(i);
  // A rehire far past the first changes: E9001 gives u2500's user_id, so both rows are invalid for
  // contact_user and acs_card, and the spooled u2500 must not be sent.
  rows += "E9001,u2500,Rehired,+8613900000001,r@example.com,od-1,1,1,900001,fk9001\n";
  write_csv(rows);
  PlanOptions options;
  options.spool_after = 100;
  auto job = plan(true, options);
  ASSERT_TRUE(job.has_value()) << job.error().str();
  for (const auto& t : job->plan.targets) {
    const bool rehire_refused = t.id != "attendance_face";
    const std::uint64_t sent = rehire_refused ? kRows - 1 : kRows + 1;
    EXPECT_EQ(t.counts.created, sent) << t.id;
    EXPECT_EQ(t.work.size(), 100u) << t.id << ": the first changes stay in memory, for the plan's display";
    EXPECT_EQ(t.calls(), sent) << t.id;
    ASSERT_TRUE(t.stream) << t.id;
    std::set<std::string> keys;
    for (const auto& w : t.work) keys.insert(w.desired.key);
    std::uint64_t streamed = 0;
    for (Work w; t.stream->next(w); ++streamed) {
      EXPECT_TRUE(keys.insert(w.desired.key).second) << t.id << " " << w.desired.key << " twice";
      EXPECT_EQ(w.desired.hash, content_hash(w.desired.body));
    }
    ASSERT_TRUE(t.stream->status()) << t.stream->status().error().str();
    EXPECT_EQ(streamed, t.streamed) << t.id;
    EXPECT_EQ(keys.size(), sent) << t.id;
    if (rehire_refused) {
      EXPECT_EQ(keys.count("u2500"), 0u) << t.id;
    }
  }
  // Nothing is left in the temporary folder.
  for (const auto& e : fs::directory_iterator(fs::temp_directory_path())) {
    EXPECT_EQ(e.path().filename().string().find("hrsync-" + std::to_string(::getpid()) + "-"), std::string::npos)
        << e.path();
  }
}

// A target's upserts as the executor takes them (the work held, then the stream), one line each:
// the key, the line it came from, the document, the last applied document and what the target
// holds after; and its freezes apart (held either way).
struct SentWork {
  std::vector<std::string> upserts;
  std::set<std::string> freezes;
};

SentWork sent_work(const TargetPlan& t) {
  SentWork out;
  const auto add = [&](const Work& w) {
    if (w.action == Work::Action::kFreeze) {
      out.freezes.insert(w.desired.key + " " + w.desired.body);
      return;
    }
    out.upserts.push_back(fmt::format("{} line {}: {} {:x} last {} holds {}", w.desired.key, w.origin.line,
                                      w.desired.body, w.desired.hash,
                                      w.last_applied ? w.last_applied->body : "none", w.holds ? w.holds->body : "none"));
  };
  for (const auto& w : t.work) add(w);
  for (Work w; t.stream && t.stream->next(w);) add(w);
  if (t.stream && !t.stream->status()) out.upserts.push_back("error: " + t.stream->status().error().str());
  return out;
}

TEST_F(PlannerTest, AFullRunStreamsEveryEntityPastItsFirstChangesAsItWouldHoldThem) {
  // 3000 employees applied; then --full with, past the first 100 of each target: a card emptied
  // in HR (held back: listed by hand, the snapshot keeps the card), changed cards, a leaver
  // (frozen by contact_user), a row that sets no card (no call) and a rehire giving the user_id of
  // an employee far down (both rows invalid where the user_id is the key).
  constexpr int kRows = 3000;
  std::string rows;
  for (int i = 1; i <= kRows; ++i) rows += employee(i);
  write_csv(rows);
  auto first = plan();
  ASSERT_TRUE(first.has_value()) << first.error().str();
  apply_all(*first);
  first->store.reset();

  rows.clear();
  for (int i = 1; i <= kRows; ++i) {
    if (i == 1500) continue;                                                 // the leaver
    if (i == 2000 || i == 2600) {
      rows += employee_without_card(i);                                      // emptied in HR
      continue;
    }
    rows += employee(i, i % 97 == 0 ? std::to_string(800000 + i) : "");    // changed cards
  }
  rows += "E9001,u2500,Rehired,+8613900000001,r@example.com,od-1,1,1,900001,fk9001\n";
  rows += employee_without_card(9002);                                       // new, sets no card
  write_csv(rows);

  PlanOptions held;
  held.full = true;
  held.spool_after = 0;  // every entity in memory
  auto in_memory = plan(true, held);
  ASSERT_TRUE(in_memory.has_value()) << in_memory.error().str();
  PlanOptions streamed = held;
  streamed.spool_after = 100;
  auto spooled = plan(true, streamed);
  ASSERT_TRUE(spooled.has_value()) << spooled.error().str();

  ASSERT_EQ(in_memory->plan.targets.size(), spooled->plan.targets.size());
  for (std::size_t i = 0; i < in_memory->plan.targets.size(); ++i) {
    const TargetPlan& a = in_memory->plan.targets[i];
    const TargetPlan& b = spooled->plan.targets[i];
    SCOPED_TRACE(a.id);
    EXPECT_FALSE(a.stream);
    ASSERT_TRUE(b.stream);
    EXPECT_LE(b.work.size(), 100u + a.counts.frozen) << "the first changes and the freezes are held";
    EXPECT_GT(b.streamed, static_cast<std::uint64_t>(kRows) - 200);
    EXPECT_EQ(a.calls(), b.calls());
    const auto counts = [](const TargetCounts& c) {
      return std::vector<std::uint64_t>{c.created, c.changed, c.unchanged, c.missing, c.frozen, c.settled, c.invalid, c.known};
    };
    EXPECT_EQ(counts(a.counts), counts(b.counts));
    ASSERT_EQ(a.lanes.size(), b.lanes.size());
    for (std::size_t l = 0; l < a.lanes.size(); ++l) {
      EXPECT_EQ(a.lanes[l].lane, b.lanes[l].lane);
      EXPECT_EQ(a.lanes[l].calls, b.lanes[l].calls) << a.lanes[l].lane;
    }
  }
  // What a person reads is the same, by-hand list and invalid rows included.
  EXPECT_EQ(render_plan_text(in_memory->plan, PlanRenderOptions{}), render_plan_text(spooled->plan, PlanRenderOptions{}));
  EXPECT_EQ(render_plan_json(in_memory->plan, PlanRenderOptions{}), render_plan_json(spooled->plan, PlanRenderOptions{}));
  const auto& acs = target(spooled->plan, "acs_card");
  EXPECT_EQ(acs.by_hand.size(), 3u);  // the two cards emptied in HR, and the leaver's
  EXPECT_EQ(acs.counts.invalid, 2u);
  // And the executor is given the same calls, in the same order, with the same last documents.
  for (std::size_t i = 0; i < in_memory->plan.targets.size(); ++i) {
    SCOPED_TRACE(in_memory->plan.targets[i].id);
    const SentWork a = sent_work(in_memory->plan.targets[i]);
    const SentWork b = sent_work(spooled->plan.targets[i]);
    ASSERT_EQ(a.upserts.size(), b.upserts.size());
    for (std::size_t u = 0; u < a.upserts.size(); ++u) ASSERT_EQ(a.upserts[u], b.upserts[u]) << u;
    EXPECT_EQ(a.freezes, b.freezes);
  }
}

TEST_F(PlannerTest, EmptySourceStopsAtTheGate) {
  write_csv("");
  auto job = plan();
  ASSERT_TRUE(job.has_value()) << job.error().str();
  ASSERT_FALSE(job->plan.gates.empty());
  EXPECT_EQ(job->plan.gates[0].gate, "empty_source");
}

TEST_F(PlannerTest, TooManyChangesStopAtTheGateWithTheNumbers) {
  std::string rows;
  for (int i = 1; i <= 10; ++i) rows += employee(i);
  write_csv(rows);
  auto first = plan();
  ASSERT_TRUE(first.has_value());
  apply_all(*first);
  first->store.reset();
  rows.clear();
  for (int i = 1; i <= 10; ++i) rows += employee(i, i <= 6 ? std::to_string(500000 + i) : "");
  write_csv(rows);
  auto second = plan();
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->plan.gates.size(), 1u);
  EXPECT_EQ(second->plan.gates[0].gate, "max_change_ratio");
  EXPECT_EQ(second->plan.gates[0].target, "acs_card");
  EXPECT_NE(second->plan.gates[0].message.find("6 of 10"), std::string::npos) << second->plan.gates[0].message;
  EXPECT_NE(second->plan.gates[0].message.find("60.0 %"), std::string::npos) << second->plan.gates[0].message;
}

TEST_F(PlannerTest, AResumedMigrationIsNotStoppedByTheChangeGate) {
  std::string rows;
  for (int i = 1; i <= 10; ++i) rows += employee(i);
  write_csv(rows);
  auto first = plan();
  ASSERT_TRUE(first.has_value());
  // An interrupted first run: only two entities per target were confirmed.
  for (auto& t : first->plan.targets) t.work.resize(2);
  apply_all(*first);
  first->store.reset();
  auto resumed = plan();
  ASSERT_TRUE(resumed.has_value());
  EXPECT_TRUE(resumed->plan.gates.empty()) << resumed->plan.gates[0].message;
  EXPECT_EQ(target(resumed->plan, "contact_user").counts.created, 8u);
  EXPECT_EQ(target(resumed->plan, "contact_user").counts.unchanged, 2u);
}

TEST_F(PlannerTest, TooManyLeaversStopAtTheGate) {
  std::string rows;
  for (int i = 1; i <= 10; ++i) rows += employee(i);
  write_csv(rows);
  auto first = plan();
  ASSERT_TRUE(first.has_value());
  apply_all(*first);
  first->store.reset();
  write_csv(employee(1) + employee(2));
  auto second = plan();
  ASSERT_TRUE(second.has_value());
  ASSERT_FALSE(second->plan.gates.empty());
  EXPECT_EQ(second->plan.gates[0].gate, "max_missing_ratio");
  EXPECT_NE(second->plan.gates[0].message.find("8 of 10"), std::string::npos) << second->plan.gates[0].message;
}

TEST_F(PlannerTest, PlanNeverCreatesTheSnapshot) {
  write_csv(employee(1));
  auto job = plan(/*create_store=*/false);
  ASSERT_TRUE(job.has_value()) << job.error().str();
  EXPECT_FALSE(fs::exists(dir_ / "snap.db"));
  EXPECT_EQ(target(job->plan, "contact_user").counts.created, 1u);
}

TEST_F(PlannerTest, OnlyRestrictsTargetsAndRefusesUnknownNames) {
  write_csv(employee(1));
  auto job = plan(false, PlanOptions{false, {"acs_card"}});
  ASSERT_TRUE(job.has_value());
  ASSERT_EQ(job->plan.targets.size(), 1u);
  EXPECT_EQ(job->plan.targets[0].id, "acs_card");
  auto bad = plan(false, PlanOptions{false, {"acs"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, Error::Kind::kUsage);
}

TEST_F(PlannerTest, OnlyNamingADisabledTargetIsAUsageError) {
  write_csv(employee(1));
  std::ofstream(dir_ / "job.toml", std::ios::app) << "enabled = false\n";  // attendance_face, the last table
  auto job = plan(false, PlanOptions{false, {"attendance_face"}});
  ASSERT_FALSE(job.has_value());
  EXPECT_EQ(job.error().kind, Error::Kind::kUsage);
  EXPECT_NE(job.error().str().find("disabled"), std::string::npos) << job.error().str();
  auto others = plan(false, PlanOptions{false, {"acs_card"}});
  ASSERT_TRUE(others.has_value()) << others.error().str();
  auto all = plan(false);
  ASSERT_TRUE(all.has_value()) << all.error().str();
  for (const auto& t : all->plan.targets) EXPECT_NE(t.id, "attendance_face");
}

TEST_F(PlannerTest, LaneEstimateFollowsTheDocumentedLimits) {
  EXPECT_DOUBLE_EQ(min_seconds(12000, {RateTier{50, 1}}), 240.0);
  EXPECT_DOUBLE_EQ(min_seconds(1000, {RateTier{50, 1}, RateTier{1000, 60}}), 60.0);
  EXPECT_DOUBLE_EQ(min_seconds(0, {RateTier{50, 1}}), 0.0);
  EXPECT_EQ(human_duration(240), "4 min 00 s");
  // 289 calls at 1000/min: the run's last call leaves after 17.28 s, so "at least" says 17 s, not 18.
  EXPECT_EQ(human_duration(min_seconds(289, {RateTier{50, 1}, RateTier{1000, 60}}), Rounding::kDown), "17 s");
  EXPECT_EQ(human_duration(17.34), "18 s") << "what is left rounds up";
  EXPECT_EQ(human_duration(3599.5, Rounding::kDown), "59 min 59 s");
  EXPECT_EQ(human_duration(3599.5), "1 h 00 min");
}

TEST_F(PlannerTest, RenderedPlanNamesCountsRejectionsAndMasksPersonalData) {
  write_csv(employee(1) + "E0009,u0009,Bad Row\n");
  auto job = plan(false);
  ASSERT_TRUE(job.has_value());
  const std::string text = render_plan_text(job->plan, {});
  EXPECT_NE(text.find("contact_user"), std::string::npos);
  EXPECT_NE(text.find("employees.csv:3"), std::string::npos) << text;
  EXPECT_EQ(text.find("+8613800000001"), std::string::npos) << "mobile must be masked:\n" << text;
  const std::string json = render_plan_json(job->plan, {});
  EXPECT_NE(json.find("\"rejected\":[{"), std::string::npos) << json;
}

// A source held in memory: the planner reads it as it reads a file or a query.
class MemorySource final : public RecordSource {
 public:
  MemorySource(std::vector<Record> records, std::vector<Rejection> rejected)
      : records_(std::move(records)), rejected_(std::move(rejected)) {}

  bool next(Record& out) override {
    if (next_ == records_.size()) return false;
    out = records_[next_++];
    return true;
  }
  const Result<void>& status() const override { return status_; }
  const std::vector<Rejection>& rejections() const override { return rejected_; }
  std::string describe() const override { return "memory"; }

 private:
  std::vector<Record> records_;
  std::vector<Rejection> rejected_;
  std::size_t next_ = 0;
  Result<void> status_;
};

// The employee of row `line` (its key E000n, its card 100000+n unless given).
Record person(int n, int line, std::string_view card = "") {
  Record r;
  r.at(Field::kEmployeeNo) = fmt::format("E{:04}", n);
  r.at(Field::kUserId) = fmt::format("u{:04}", n);
  r.at(Field::kName) = fmt::format("Person {}", n);
  r.at(Field::kMobile) = fmt::format("+8613800{:06}", n);
  r.at(Field::kEmail) = fmt::format("p{}@example.com", n);
  r.at(Field::kDepartmentIds) = "od-1;od-2";
  r.at(Field::kEmployeeType) = "1";
  r.at(Field::kGender) = "1";
  r.at(Field::kCardNo) = card.empty() ? std::to_string(100000 + n) : std::string(card);
  r.at(Field::kFaceKey) = fmt::format("fk{}", n);
  r.origin = memory_origin(line);
  return r;
}

class InMemoryPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.path = "memory.toml";
    config_.max_change_ratio = 0.5;
    config_.max_missing_ratio = 0.5;
    TargetConfig cu;
    cu.id = "contact_user";
    cu.source = "people";
    cu.options.on_missing = "freeze";
    TargetConfig acs;
    acs.id = "acs_card";
    acs.source = "people";
    config_.targets = {cu, acs};
    auto targets = make_targets(config_, {});
    ASSERT_TRUE(targets.has_value()) << targets.error().str();
    targets_ = std::move(*targets);
    auto store = SnapshotStore::open(":memory:");
    ASSERT_TRUE(store.has_value()) << store.error().str();
    store_ = std::make_unique<SnapshotStore>(std::move(*store));
  }

  Result<Plan> plan(std::vector<Record> records, std::vector<Rejection> rejected = {}) {
    std::vector<PlanSource> sources;
    sources.push_back({"people", Entity::kEmployees,
                       std::make_unique<MemorySource>(std::move(records), std::move(rejected))});
    return make_plan(config_, targets_, std::move(sources), store_.get(), PlanOptions{});
  }

  // Commits every planned document, as a fully successful sync would.
  void apply_all(const Plan& p) {
    for (const auto& t : p.targets) {
      std::vector<SnapshotStore::AppliedRow> rows;
      for (const auto& w : t.work) {
        const Document& held = w.holds ? *w.holds : w.desired;
        rows.push_back({held.key, held.hash, held.body});
      }
      for (Work w; t.stream && t.stream->next(w);) rows.push_back({w.desired.key, w.desired.hash, w.desired.body});
      ASSERT_TRUE(store_->commit(t.id, rows, 1, 1000).has_value());
      ASSERT_TRUE(store_->forget(t.id, t.forget_keys).has_value());
    }
  }

  JobConfig config_;
  std::vector<std::unique_ptr<TargetConnector>> targets_;
  std::unique_ptr<SnapshotStore> store_;
};

TEST_F(InMemoryPlanTest, CountsDuplicatesInvalidRowsAndMissingEntitiesFromAnInMemorySource) {
  std::vector<Record> first;
  for (int n = 1; n <= 5; ++n) first.push_back(person(n, n + 1));
  auto before = plan(first);
  ASSERT_TRUE(before.has_value()) << before.error().str();
  ASSERT_EQ(before->targets.size(), 2u);
  for (const auto& t : before->targets) {
    EXPECT_EQ(t.counts.created, 5u) << t.id;
    EXPECT_EQ(t.counts.known, 0u) << t.id;
  }
  apply_all(*before);

  // Row 2 unchanged, row 3 a new card, row 4 a card acs_card refuses, E0004 gone, row 5 a source
  // rejection, row 6 unchanged, row 7 a new employee, row 8 a second E0001.
  std::vector<Record> second = {person(1, 2), person(2, 3, "777777"), person(3, 4, "bad-card"), person(5, 6),
                                person(6, 7), person(1, 8, "888888")};
  std::vector<Rejection> refused = {{memory_origin(5), "E0009", "expected 10 fields, found 3"}};
  auto after = plan(second, refused);
  ASSERT_TRUE(after.has_value()) << after.error().str();

  ASSERT_EQ(after->sources.size(), 1u);
  const SourceSummary& source = after->sources[0];
  EXPECT_EQ(source.name, "people");
  EXPECT_EQ(source.describe, "memory");
  EXPECT_EQ(source.records, 5u);
  ASSERT_EQ(source.rejected.size(), 2u);  // the source's own and the duplicate, in row order
  EXPECT_EQ(source.rejected[0].origin.str(), "memory:5");
  EXPECT_EQ(source.rejected[0].key, "E0009");
  EXPECT_EQ(source.rejected[1].origin.str(), "memory:8");
  EXPECT_EQ(source.rejected[1].key, "E0001");
  EXPECT_EQ(source.rejected[1].reason, "duplicate employee_no E0001 (first at line 2); this row is ignored");

  const TargetPlan& acs = after->targets[1];
  ASSERT_EQ(acs.id, "acs_card");
  EXPECT_EQ(acs.counts.known, 5u);
  EXPECT_EQ(acs.counts.created, 1u);    // E0006
  EXPECT_EQ(acs.counts.changed, 1u);    // E0002's card
  EXPECT_EQ(acs.counts.unchanged, 2u);  // E0001 (its duplicate ignored), E0005
  EXPECT_EQ(acs.counts.invalid, 1u);    // E0003: not missing, not sent
  EXPECT_EQ(acs.counts.missing, 1u);    // E0004
  EXPECT_EQ(acs.counts.frozen, 0u);     // on_missing = ignore
  EXPECT_EQ(acs.forget_keys, std::vector<std::string>{"u0004"});
  ASSERT_EQ(acs.invalid.size(), 1u);
  EXPECT_EQ(acs.invalid[0].key, "E0003");
  EXPECT_EQ(acs.invalid[0].origin.str(), "memory:4");
  ASSERT_EQ(acs.work.size(), 2u);       // in source order
  EXPECT_EQ(acs.work[0].desired.key, "u0002");
  EXPECT_TRUE(acs.work[0].last_applied.has_value());
  EXPECT_EQ(acs.work[0].origin.str(), "memory:3");
  EXPECT_EQ(acs.work[1].desired.key, "u0006");
  EXPECT_FALSE(acs.work[1].last_applied.has_value());

  const TargetPlan& cu = after->targets[0];
  ASSERT_EQ(cu.id, "contact_user");
  EXPECT_EQ(cu.counts.created, 1u);
  EXPECT_EQ(cu.counts.changed, 0u);
  EXPECT_EQ(cu.counts.unchanged, 4u);   // E0001, E0005, and E0002 and E0003: a card is not contact_user's
  EXPECT_EQ(cu.counts.invalid, 0u);
  EXPECT_EQ(cu.counts.missing, 1u);
  EXPECT_EQ(cu.counts.frozen, 1u);
  ASSERT_EQ(cu.work.size(), 2u);        // the new employee, then the leaver's freeze
  EXPECT_EQ(cu.work[1].action, Work::Action::kFreeze);
  EXPECT_EQ(cu.work[1].desired.key, "u0004");
  EXPECT_TRUE(cu.missing_keys == std::vector<std::string>{"u0004"});
  EXPECT_TRUE(after->gates.empty()) << after->gates[0].message;
}

// The invalid entries of `t` as "origin key field: rule".
std::vector<std::string> invalid_lines(const TargetPlan& t) {
  std::vector<std::string> out;
  for (const auto& v : t.invalid) out.push_back(v.origin.str() + " " + v.key + " " + v.invalid.field + ": " + v.invalid.rule);
  return out;
}

// A database query that fails after its first rows (the connection dropped, a value the query
// cannot compute): what was read is a part of the source, and a part planned as the whole would
// freeze or revoke everyone after it. The plan fails as a source not read whole (exit 9).
TEST_F(InMemoryPlanTest, ASourceThatFailsAfterItsFirstRowsIsNotPlannedAndStopsAsNotReadWhole) {
  class FailingSource final : public RecordSource {
   public:
    bool next(Record& out) override {
      if (given_ == 3) {
        status_ = fail(Error::Kind::kDatabase, "postgres query", "reading row 4: server closed the connection");
        return false;
      }
      ++given_;
      out = person(given_, given_ + 1);
      return true;
    }
    const Result<void>& status() const override { return status_; }
    const std::vector<Rejection>& rejections() const override { return none_; }
    std::string describe() const override { return "postgres query"; }

   private:
    int given_ = 0;
    Result<void> status_;
    std::vector<Rejection> none_;
  };
  std::vector<PlanSource> sources;
  sources.push_back({"people", Entity::kEmployees, std::make_unique<FailingSource>()});
  auto p = make_plan(config_, targets_, std::move(sources), store_.get(), PlanOptions{});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, Error::Kind::kSourceRead);
  EXPECT_EQ(p.error().where, "postgres query");
  EXPECT_NE(p.error().message.find("reading row 4: server closed the connection"), std::string::npos) << p.error().str();
  EXPECT_NE(p.error().message.find("not read whole"), std::string::npos) << p.error().str();
  EXPECT_EQ(exit_code_for(p.error()), 9);
  EXPECT_EQ(exit_code_for(Error{Error::Kind::kConfig, "", ""}), 2) << "a config error keeps its code";
}

TEST_F(InMemoryPlanTest, AKeyGivenByTwoRowsHasNoOwnerOnItsTargetsOnly) {
  // E0001 applied last night; tonight E0009 (a rehire) gives the same user_id u0001 under a new
  // employee_no, with its own mobile, e-mail and card.
  std::vector<Record> first;
  for (int n = 1; n <= 4; ++n) first.push_back(person(n, n + 1));
  auto before = plan(first);
  ASSERT_TRUE(before.has_value()) << before.error().str();
  apply_all(*before);
  std::vector<Record> second = first;
  Record rehire = person(9, 6);
  rehire.at(Field::kUserId) = "u0001";
  second.push_back(rehire);

  auto after = plan(second);
  ASSERT_TRUE(after.has_value()) << after.error().str();

  for (const auto& t : after->targets) {
    SCOPED_TRACE(t.id);
    EXPECT_TRUE(t.work.empty()) << t.work.front().desired.key;
    EXPECT_EQ(invalid_lines(t), (std::vector<std::string>{
                                    "memory:2 E0001 user_id: user_id u0001 also given by memory:6: one user_id has "
                                    "one owner, so neither row is sent",
                                    "memory:6 E0009 user_id: user_id u0001 also given by memory:2: one user_id has "
                                    "one owner, so neither row is sent"}));
    EXPECT_EQ(t.counts.invalid, 2u);
    EXPECT_EQ(t.counts.unchanged, 3u);  // E0001 left the count it was in
    EXPECT_EQ(t.counts.created, 0u);
    EXPECT_EQ(t.counts.missing, 0u);    // u0001 is not gone: it is contested
  }
}

TEST_F(InMemoryPlanTest, AContestedRowPlannedEarlierIsTakenBackFromTheWork) {
  // Both rows new: the first one's work was planned before the second showed the clash.
  std::vector<Record> rows = {person(1, 2), person(2, 3), person(3, 4)};
  rows[2].at(Field::kUserId) = "u0001";
  auto p = plan(rows);
  ASSERT_TRUE(p.has_value()) << p.error().str();
  for (const auto& t : p->targets) {
    SCOPED_TRACE(t.id);
    ASSERT_EQ(t.work.size(), 1u);
    EXPECT_EQ(t.work[0].desired.key, "u0002");
    EXPECT_EQ(t.counts.created, 1u);
    EXPECT_EQ(t.counts.invalid, 2u);
    ASSERT_EQ(t.invalid.size(), 2u);
    EXPECT_EQ(t.invalid[0].key, "E0001");
    EXPECT_EQ(t.invalid[1].key, "E0003");
  }
}

TEST_F(InMemoryPlanTest, AMobileOrAddressGivenByTwoRowsIsInvalidForContactUserOnly) {
  std::vector<Record> rows = {person(1, 2), person(2, 3), person(3, 4), person(4, 5), person(5, 6)};
  rows[1].at(Field::kMobile) = "13800000001";          // E0001's +8613800000001, spelt without +86
  rows[3].at(Field::kEnterpriseEmail) = "P3@Example.com";  // E0003's e-mail, in other letter case
  rows[4].at(Field::kEnterpriseEmail) = "p5@example.com";  // its own e-mail again: no clash
  auto p = plan(rows);
  ASSERT_TRUE(p.has_value()) << p.error().str();
  const TargetPlan& cu = p->targets[0];
  ASSERT_EQ(cu.id, "contact_user");
  const auto lines = invalid_lines(cu);
  ASSERT_EQ(lines.size(), 4u) << fmt::format("{}", fmt::join(lines, "\n"));
  EXPECT_EQ(lines[0], "memory:2 E0001 mobile: also given by memory:3, and the API holds it unique (41001 mobile has "
                      "already exist): neither row is sent");
  EXPECT_EQ(lines[1], "memory:3 E0002 mobile: also given by memory:2, and the API holds it unique (41001 mobile has "
                      "already exist): neither row is sent");
  EXPECT_EQ(cu.invalid[2].key, "E0003");
  EXPECT_EQ(cu.invalid[2].invalid.field, "email");
  EXPECT_NE(cu.invalid[2].invalid.rule.find("memory:5"), std::string::npos);
  EXPECT_EQ(cu.invalid[3].key, "E0004");
  EXPECT_EQ(cu.invalid[3].invalid.field, "enterprise_email");
  EXPECT_NE(cu.invalid[3].invalid.rule.find("41002"), std::string::npos);
  for (const auto& v : cu.invalid) EXPECT_EQ(v.invalid.rule.find("13800000001"), std::string::npos) << "no value quoted";
  ASSERT_EQ(cu.work.size(), 1u);
  EXPECT_EQ(cu.work[0].desired.key, "u0005");
  const TargetPlan& acs = p->targets[1];
  EXPECT_EQ(acs.work.size(), 5u) << "the card target does not hold mobiles";
  EXPECT_TRUE(acs.invalid.empty());
}

TEST_F(InMemoryPlanTest, ATargetWhoseSourceIsNotGivenIsRefused) {
  auto p = make_plan(config_, targets_, {}, store_.get(), PlanOptions{});
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().kind, Error::Kind::kInternal);
  EXPECT_NE(p.error().message.find("people"), std::string::npos) << p.error().str();
}

}  // namespace
}  // namespace hrsync
