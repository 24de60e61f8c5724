// The reads over loopback HTTP (docs/api-notes.md "Reading what a target holds"): batching and
// its limit, paging that returns every entity once, ids the platform does not hold, the read's
// own rate limits and faults, and a console edit that a read sees.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "tests/emulator/emulator_harness.h"

namespace hrsync::emulator::testing {
namespace {
namespace json = boost::json;

std::int64_t code_of(const TestResult& r) { return r.response.json().at("code").to_number<std::int64_t>(); }

std::string batch_target(int n, const std::string& first = "u1") {
  std::string t = "/open-apis/contact/v3/users/batch?user_id_type=user_id&user_ids=" + first;
  for (int i = 1; i < n; ++i) t += "&user_ids=x" + std::to_string(i);
  return t;
}

// A fixture with `n` ACS users and Sophon persons (a00.., P00..), besides the standard one's.
Fixture many(int n) {
  Fixture f = standard_fixture();
  for (int i = 0; i < n; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "a%03d", i);
    f.acs_users.emplace_back(id);
    std::snprintf(id, sizeof id, "P%03d", i);
    f.sophon_persons.push_back({id, "Person", 1, {}, {"staff"}});
  }
  return f;
}

class ReadsTest : public EmulatorHarness {
 protected:
  TestResult get(const std::string& target) { return call("GET", target, ""); }
  TestResult sophon_get(const std::string& query) {
    return client_->request("GET", "/SophonFogSys/api/users?" + query, "", {});
  }
  std::int64_t sophon_get_type(const std::string& id) {
    auto r = sophon_get("identity_id=" + id);
    return r.response.json().at("data").at("identities_list").at(0).at("info").at("type").to_number<std::int64_t>();
  }
};

TEST_F(ReadsTest, BatchGetAnswersTheUsersItHoldsAndLeavesUnknownIdsOut) {
  start();
  auto r = get("/open-apis/contact/v3/users/batch?user_id_type=user_id&department_id_type=open_department_id"
               "&user_ids=u1&user_ids=nobody&user_ids=u2");
  EXPECT_FEISHU_OK(r);
  json::value items_json = r.response.json();
  const auto& items = items_json.at("data").at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("user_id").as_string(), "u1");
  EXPECT_EQ(items[0].at("name").as_string(), "张三");
  EXPECT_EQ(items[0].at("mobile").as_string(), "13011111111");
  EXPECT_EQ(items[0].at("department_ids").as_array(), (json::array{"od-1"}));
  EXPECT_EQ(items[0].at("open_id").as_string(), derived_open_id("u1"));
  EXPECT_FALSE(items[0].at("status").at("is_frozen").as_bool());
  EXPECT_EQ(items[1].at("user_id").as_string(), "u2");
}

TEST_F(ReadsTest, BatchGetTakesAtMostFiftyIds) {
  start();
  EXPECT_FEISHU_OK(get(batch_target(50)));
  EXPECT_FEISHU_ERROR(get(batch_target(51)), 400u, 99992402);
  EXPECT_FEISHU_ERROR(get("/open-apis/contact/v3/users/batch?user_id_type=user_id"), 400u, 99992402);
  EXPECT_FEISHU_ERROR(get("/open-apis/contact/v3/users/batch?user_ids=u1&user_id_type=email"), 400u, 40001);
}

TEST_F(ReadsTest, BatchGetDefaultsToOpenIds) {
  start();
  auto r = get("/open-apis/contact/v3/users/batch?user_ids=u1&user_ids=" + derived_open_id("u2"));
  EXPECT_FEISHU_OK(r);
  json::value items_json = r.response.json();
  const auto& items = items_json.at("data").at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("user_id").as_string(), "u2");
}

TEST_F(ReadsTest, UserGetAnswersOneUserOr41050) {
  start();
  auto r = get("/open-apis/contact/v3/users/u6?user_id_type=user_id");
  EXPECT_FEISHU_OK(r);
  EXPECT_EQ(r.response.json().at("data").at("user").at("name").as_string(), "Zurich");
  EXPECT_FEISHU_ERROR(get("/open-apis/contact/v3/users/nobody?user_id_type=user_id"), 400u, 41050);
  auto resigned = get("/open-apis/contact/v3/users/u3?user_id_type=user_id");
  EXPECT_FEISHU_OK(resigned);
  EXPECT_TRUE(resigned.response.json().at("data").at("user").at("status").at("is_resigned").as_bool());
}

TEST_F(ReadsTest, GroupGetAnswersTheGroupOr42002) {
  start();
  auto r = get("/open-apis/contact/v3/group/g1");
  EXPECT_FEISHU_OK(r);
  json::value g_json = r.response.json();
  const auto& g = g_json.at("data").at("group");
  EXPECT_EQ(g.at("id").as_string(), "g1");
  EXPECT_EQ(g.at("name").as_string(), "Alpha");
  EXPECT_EQ(g.at("description").as_string(), "first");
  EXPECT_FEISHU_ERROR(get("/open-apis/contact/v3/group/g9"), 400u, 42002);
}

TEST_F(ReadsTest, AttendanceQueryAnswersHeldSettingsAndLeavesUnknownIdsOut) {
  start();
  const std::string q = "/open-apis/attendance/v1/user_settings/query?employee_type=employee_no";
  EXPECT_FEISHU_OK(call("POST", "/open-apis/attendance/v1/user_settings/modify?employee_type=employee_no",
                        json::object{{"user_setting", json::object{{"user_id", "E001"}, {"face_key", "fk1"}}}}));
  auto r = call("POST", q, json::object{{"user_ids", json::array{"E001", "E002", "E999"}}});
  EXPECT_FEISHU_OK(r);
  json::value s_json = r.response.json();
  const auto& s = s_json.at("data").at("user_settings").as_array();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].at("user_id").as_string(), "E001");
  EXPECT_EQ(s[0].at("face_key").as_string(), "fk1");
  EXPECT_EQ(s[1].at("user_id").as_string(), "E002");
  EXPECT_FALSE(s[1].as_object().contains("face_key"));
  json::array ids;
  for (int i = 0; i < 51; ++i) ids.emplace_back("E" + std::to_string(i));
  EXPECT_FEISHU_ERROR(call("POST", q, json::object{{"user_ids", ids}}), 400u, 1220001);
  EXPECT_FEISHU_ERROR(call("POST", "/open-apis/attendance/v1/user_settings/query", json::object{{"user_ids", json::array{"E001"}}}),
                      400u, 1220001);
}

TEST_F(ReadsTest, AcsGetAnswersTheCardOr1490101) {
  start();
  EXPECT_FEISHU_OK(call("PATCH", "/open-apis/acs/v1/users/u1?user_id_type=user_id",
                        json::object{{"feature", json::object{{"card", 1234}}}}));
  auto r = get("/open-apis/acs/v1/users/u1?user_id_type=user_id");
  EXPECT_FEISHU_OK(r);
  EXPECT_EQ(r.response.json().at("data").at("user").at("feature").at("card").to_number<std::int64_t>(), 1234);
  auto none = get("/open-apis/acs/v1/users/u2?user_id_type=user_id");
  EXPECT_FEISHU_OK(none);
  EXPECT_FALSE(none.response.json().at("data").at("user").at("feature").as_object().contains("card"));
  EXPECT_FEISHU_ERROR(get("/open-apis/acs/v1/users/u6?user_id_type=user_id"), 400u, 1490101);
}

TEST_F(ReadsTest, AcsListPagesReturnEveryUserExactlyOnce) {
  EmulatorOptions o;
  o.fixture = many(120);
  start(std::move(o));
  std::multiset<std::string> seen;
  std::string token;
  int pages = 0;
  for (bool more = true; more; ++pages) {
    auto r = get("/open-apis/acs/v1/users?user_id_type=user_id&page_size=50" + (token.empty() ? "" : "&page_token=" + token));
    EXPECT_FEISHU_OK(r);
    json::value data_json = r.response.json();
    const auto& data = data_json.at("data");
    for (const auto& u : data.at("items").as_array()) seen.insert(std::string(u.at("user_id").as_string()));
    more = data.at("has_more").as_bool();
    if (more) token = std::string(data.at("page_token").as_string());
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 122u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 122u);
  EXPECT_FEISHU_ERROR(get("/open-apis/acs/v1/users?page_size=51"), 400u, 99992402);
  EXPECT_FEISHU_ERROR(get("/open-apis/acs/v1/users?page_token=zz"), 400u, 99992402);
}

TEST_F(ReadsTest, SophonQueryByIdentityAndPagesByGroup) {
  EmulatorOptions o;
  o.fixture = many(25);
  start(std::move(o));
  auto one = sophon_get("identity_id=E001");
  ASSERT_TRUE(one.ok);
  EXPECT_EQ(one.response.status, 200u) << one.response.body;
  json::value list_json = one.response.json();
  const auto& list = list_json.at("data").at("identities_list").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("info").at("name").as_string(), "张三");
  EXPECT_EQ(list[0].at("group_name").as_array(), (json::array{"default"}));
  auto missing = sophon_get("identity_id=E999");
  EXPECT_EQ(missing.response.status, 404u);
  EXPECT_EQ(missing.response.json().at("error").at("code").to_number<std::int64_t>(), 40401);

  std::set<std::string> seen;
  std::vector<std::size_t> sizes;
  for (int skip = 0;; skip += 10) {
    auto r = sophon_get("group_name=staff&skip_num=" + std::to_string(skip) + "&limit=10");
    ASSERT_EQ(r.response.status, 200u) << r.response.body;
    json::value page_json = r.response.json();
    const auto& page = page_json.at("data").at("identities_list").as_array();
    sizes.push_back(page.size());
    for (const auto& p : page) EXPECT_TRUE(seen.insert(std::string(p.at("identity_id").as_string())).second);
    if (page.size() < 10) break;
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 10, 5}));
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(sophon_get("group_name=staff&limit=101").response.status, 400u);
  EXPECT_EQ(sophon_get("").response.json().at("error").at("code").to_number<std::int64_t>(), 40000);
}

TEST_F(ReadsTest, ReadsCountAgainstTheirOwnLimitsLikeWrites) {
  start();
  for (int i = 0; i < 50; ++i) ASSERT_EQ(code_of(get("/open-apis/contact/v3/group/g1")), 0) << i;
  auto r = get("/open-apis/contact/v3/group/g1");
  EXPECT_FEISHU_ERROR(r, 429u, 99991400);
  EXPECT_EQ(r.response.header("x-ogw-ratelimit-limit"), "50");
  // The group update's limit is apart: it still admits.
  EXPECT_FEISHU_OK(call("PATCH", "/open-apis/contact/v3/group/g1", json::object{{"name", "Alpha"}}));
  for (int i = 0; i < 50; ++i) ASSERT_EQ(code_of(get(batch_target(1))), 0) << i;
  EXPECT_FEISHU_ERROR(get(batch_target(1)), 429u, 99991400);
  clock_->advance(1.0);
  EXPECT_FEISHU_OK(get(batch_target(1)));
  auto s = stats();
  EXPECT_EQ(s.at("endpoints").at("contact_group.read").at("throttled").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(s.at("operations").at("read").to_number<std::uint64_t>(), 103u);
  EXPECT_EQ(s.at("operations").at("update").to_number<std::uint64_t>(), 1u);
}

TEST_F(ReadsTest, ATenantRateGivesAReadItsOwnLimit) {
  EmulatorOptions o;
  o.tenant_rate["contact_user.read"] = {{2, 1}};
  start(std::move(o));
  EXPECT_FEISHU_OK(get(batch_target(1)));
  EXPECT_FEISHU_OK(get("/open-apis/contact/v3/users/u1?user_id_type=user_id"));  // one limit for both reads
  auto r = get(batch_target(1));
  EXPECT_FEISHU_ERROR(r, 429u, 99991400);
  EXPECT_EQ(r.response.header("x-ogw-ratelimit-limit"), "2");
  EXPECT_FEISHU_OK(patch_user("u1", json::object{{"job_title", "x"}}));  // the update's limit is apart
}

TEST_F(ReadsTest, ReadsAreFaultedByTheirOwnEndpointName) {
  start();
  emu_->add_fault(*parse_fault_rule("internal=next:1@contact_user"));
  EXPECT_FEISHU_OK(get(batch_target(1)));  // an update's rule leaves the read alone
  emu_->add_fault(*parse_fault_rule("internal=next:1@contact_user.read"));
  EXPECT_FEISHU_ERROR(get(batch_target(1)), 500u, 40003);
  emu_->add_fault(*parse_fault_rule("throttle=next:1,reset:3@acs_card.read"));
  auto r = get("/open-apis/acs/v1/users?user_id_type=user_id");
  EXPECT_FEISHU_ERROR(r, 429u, 99991400);
  EXPECT_EQ(r.response.header("x-ogw-ratelimit-reset"), "3");
  EXPECT_FEISHU_OK(get("/open-apis/acs/v1/users?user_id_type=user_id"));
}

TEST_F(ReadsTest, AConsoleEditIsWhatTheNextReadSees) {
  start();
  auto edit = client_->request("POST", "/_emulator/edit",
                               R"({"target":"contact_user","key":"u1","set":{"name":"Edited","department_ids":["od-3"]}})");
  ASSERT_TRUE(edit.ok);
  EXPECT_EQ(edit.response.status, 200u) << edit.response.body;
  auto r = get("/open-apis/contact/v3/users/u1?user_id_type=user_id");
  EXPECT_EQ(r.response.json().at("data").at("user").at("name").as_string(), "Edited");
  EXPECT_EQ(r.response.json().at("data").at("user").at("department_ids").as_array(), (json::array{"od-3"}));
  EXPECT_EQ(emu_->edit("sophon_person", "E001", R"({"type":3})"), "");
  EXPECT_EQ(sophon_get_type("E001"), 3);
  EXPECT_EQ(emu_->edit("acs_card", "u2", R"({"card":77})"), "");
  EXPECT_EQ(get("/open-apis/acs/v1/users/u2?user_id_type=user_id").response.json().at("data").at("user").at("feature").at("card").to_number<int>(), 77);
  EXPECT_EQ(emu_->edit("contact_group", "g2", R"({"description":"changed"})"), "");
  EXPECT_EQ(get("/open-apis/contact/v3/group/g2").response.json().at("data").at("group").at("description").as_string(), "changed");
  EXPECT_EQ(emu_->edit("attendance_face", "E002", R"({"face_key":"fk-console"})"), "");
  EXPECT_NE(emu_->edit("contact_user", "nobody", R"({"name":"x"})"), "");
  auto bad = client_->request("POST", "/_emulator/edit", R"({"target":"payroll","key":"u1","set":{}})");
  EXPECT_EQ(bad.response.status, 400u);
}

}  // namespace
}  // namespace hrsync::emulator::testing
