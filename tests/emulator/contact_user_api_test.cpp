// PUT/PATCH /open-apis/contact/v3/users/:user_id over loopback HTTP: every error code a request
// can cause (docs/api/feishu-contact-user-update-put.md), and what a success leaves in the state.
#include <functional>
#include <string>
#include <vector>

#include "tests/emulator/emulator_harness.h"

namespace hrsync::emulator::testing {
namespace {
namespace json = boost::json;

struct Case {
  std::string what;
  std::string method;
  std::string user;
  std::function<void(json::object&)> edit;  // applied to valid_user_body(user)
  std::int64_t code;
  std::string field;                        // expected error.field_violations[0].field ("" = any)
};

json::array departments(int n) {
  json::array a;
  for (int i = 0; i < n; ++i) a.emplace_back("od-1");
  return a;
}

std::vector<Case> error_cases() {
  auto set = [](std::string key, json::value v) {
    return [key, v](json::object& b) { b[key] = v; };
  };
  auto drop = [](std::string key) {
    return [key](json::object& b) { b.erase(key); };
  };
  return {
      {"name of the wrong type", "PUT", "u1", set("name", 5), 40001, "name"},
      {"department_ids not strings", "PUT", "u1", set("department_ids", json::array{1}), 40001, "department_ids"},
      {"gender as a float", "PUT", "u1", set("gender", 1.0), 40001, "gender"},
      {"mobile taken by u2 (other spelling)", "PUT", "u1", set("mobile", "13022222222"), 41001, "mobile"},
      {"email taken by u2 (other case)", "PUT", "u1", set("email", "B@Example.com"), 41002, "email"},
      {"mobile with letters", "PUT", "u1", set("mobile", "1301111111a"), 41004, "mobile"},
      {"international mobile without +", "PUT", "u1", set("mobile", "41446681800"), 41004, "mobile"},
      {"mainland mobile too short", "PUT", "u1", set("mobile", "+861301111111"), 41004, "mobile"},
      {"bare mainland mobile of 10 digits", "PUT", "u1", set("mobile", "1301111111"), 41004, "mobile"},
      {"mainland mobile starting 12", "PUT", "u1", set("mobile", "12011111111"), 41004, "mobile"},
      {"mainland mobile of 12 digits", "PUT", "u1", set("mobile", "+86130111111112"), 41004, "mobile"},
      {"email held by u2 as its enterprise email", "PUT", "u1", set("email", "b@corp.example.com"), 41002, "email"},
      {"email without domain", "PUT", "u1", set("email", "a@"), 41005, "email"},
      {"enterprise email invalid", "PUT", "u1", set("enterprise_email", "x y@corp.example.com"), 41005, "enterprise_email"},
      {"PUT without name", "PUT", "u1", drop("name"), 41006, "name"},
      {"PUT without mobile or email", "PUT", "u1", [](json::object& b) { b.erase("mobile"); b.erase("email"); }, 41009, "mobile"},
      {"PUT without mobile", "PUT", "u1", drop("mobile"), 41010, "mobile"},
      {"PATCH with an empty mobile", "PATCH", "u1", [](json::object& b) { b = {{"mobile", ""}}; }, 41010, "mobile"},
      {"PUT without department_ids", "PUT", "u1", drop("department_ids"), 41017, "department_ids"},
      {"empty department_ids", "PUT", "u1", set("department_ids", json::array{}), 41017, "department_ids"},
      {"order for a department the user is not in", "PUT", "u1",
       set("orders", json::array{json::object{{"department_id", "od-2"}, {"user_order", 1}, {"department_order", 1}}}), 41025, ""},
      {"leader is the user", "PUT", "u1", set("leader_user_id", "u1"), 41030, "leader_user_id"},
      {"51 departments", "PUT", "u1", set("department_ids", departments(51)), 41033, "department_ids"},
      {"gender 3", "PUT", "u1", set("gender", 3), 41038, "gender"},
      {"empty name", "PUT", "u1", set("name", ""), 41040, "name"},
      {"blank name", "PATCH", "u1", [](json::object& b) { b = {{"name", "   "}}; }, 41040, "name"},
      {"name of ideographic spaces", "PUT", "u1", set("name", "\u3000\u3000"), 41040, "name"},
      {"name of no-break and tab", "PUT", "u1", set("name", "\u00a0\t\u2003"), 41040, "name"},
      {"negative join_time", "PUT", "u1", set("join_time", -1), 41042, "join_time"},
      {"custom attribute without id", "PUT", "u1",
       set("custom_attrs", json::array{json::object{{"type", "TEXT"}, {"value", json::object{{"text", "x"}}}}}), 41044, ""},
      {"unknown custom attribute", "PUT", "u1",
       set("custom_attrs", json::array{json::object{{"type", "TEXT"}, {"id", "nope"}, {"value", json::object{{"text", "x"}}}}}), 41045, ""},
      {"custom attribute without value", "PUT", "u1",
       set("custom_attrs", json::array{json::object{{"type", "TEXT"}, {"id", "attr1"}}}), 41046, ""},
      {"HREF attribute without text", "PUT", "u1",
       set("custom_attrs", json::array{json::object{{"type", "HREF"}, {"id", "attr1"}, {"value", json::object{{"url", "http://x"}}}}}), 41047, ""},
      {"HREF attribute without url", "PUT", "u1",
       set("custom_attrs", json::array{json::object{{"type", "HREF"}, {"id", "attr1"}, {"value", json::object{{"text", "x"}}}}}), 41048, ""},
      {"unknown user", "PUT", "nobody", [](json::object&) {}, 41050, "user_id"},
      {"employee_type 7", "PUT", "u1", set("employee_type", 7), 41059, "employee_type"},
      {"PUT without employee_type", "PUT", "u1", drop("employee_type"), 41059, "employee_type"},
      {"job_title of 101 characters", "PUT", "u1", set("job_title", json::string(repeat("职", 101))), 41063, "job_title"},
      {"name of 65 characters", "PUT", "u1", set("name", json::string(repeat("名", 65))), 41070, "name"},
      {"en_name of 65 characters", "PUT", "u1", set("en_name", json::string(repeat("a", 65))), 41071, "en_name"},
      {"nickname of 65 characters", "PUT", "u1", set("nickname", json::string(repeat("n", 65))), 41072, "nickname"},
      {"enterprise email outside the mail domains", "PUT", "u1", set("enterprise_email", "a@other.example.com"), 44001, "enterprise_email"},
      {"PATCH orders without department_ids", "PATCH", "u1",
       [](json::object& b) { b = {{"orders", json::array{json::object{{"department_id", "od-1"}}}}}; }, 44002, "orders"},
      {"resigned user", "PUT", "u3", [](json::object& b) { b["mobile"] = "13033333333"; b.erase("email"); }, 42006, ""},
      {"unjoined user", "PUT", "u4", [](json::object& b) { b["mobile"] = "13044444444"; b.erase("email"); }, 44010, ""},
      {"non-+86 mobile without email", "PUT", "u1", [](json::object& b) { b["mobile"] = "+41446681801"; b.erase("email"); }, 44020, "email"},
      {"enterprise email taken by u2", "PUT", "u1", set("enterprise_email", "b@corp.example.com"), 44024, "enterprise_email"},
      {"unknown department", "PUT", "u1", set("department_ids", json::array{"od-9"}), 44035, "department_ids"},
      {"freezing the founder", "PATCH", "u5", [](json::object& b) { b = {{"is_frozen", true}}; }, 44036, "is_frozen"},
      {"primary department not first in the order", "PUT", "u1",
       [](json::object& b) {
         b["department_ids"] = json::array{"od-1", "od-2"};
         b["orders"] = json::array{json::object{{"department_id", "od-1"}, {"department_order", 1}, {"is_primary_dept", true}},
                                   json::object{{"department_id", "od-2"}, {"department_order", 5}}};
       },
       41410, "orders.is_primary_dept"},
  };
}

class ContactUserApiTest : public EmulatorHarness {};

TEST_F(ContactUserApiTest, EveryRequestErrorGetsItsDocumentedStatusCodeAndField) {
  EmulatorOptions o;
  o.rate_limits = false;  // more cases than the 50/s tier admits at one instant of the clock
  start(std::move(o));
  for (const auto& c : error_cases()) {
    SCOPED_TRACE(c.what);
    json::object body = valid_user_body(c.user == "nobody" ? "u1" : c.user);
    c.edit(body);
    auto r = c.method == "PUT" ? put_user(c.user, body) : patch_user(c.user, body);
    EXPECT_FEISHU_ERROR(r, 400u, c.code);
    if (!c.field.empty()) {
      EXPECT_EQ(r.response.json().at("error").at("field_violations").at(0).at("field").as_string(), c.field);
    }
  }
  EXPECT_TRUE(state().at("contact_user").as_object().empty()) << "a refused request changed the state";
}

TEST_F(ContactUserApiTest, QueryAndPathErrors) {
  start();
  auto body = json::serialize(valid_user_body("u1"));
  EXPECT_FEISHU_ERROR(call("PUT", "/open-apis/contact/v3/users/u1?user_id_type=email", body), 400u, 40001);
  EXPECT_FEISHU_ERROR(call("PUT", "/open-apis/contact/v3/users/u1?user_id_type=user_id&department_id_type=x", body), 400u, 40001);
  EXPECT_FEISHU_ERROR(call("PUT", "/open-apis/contact/v3/users/?user_id_type=user_id", body), 400u, 41051);
  EXPECT_FEISHU_ERROR(call("PUT", "/open-apis/contact/v3/users/" + std::string(65, 'x') + "?user_id_type=user_id", body), 400u, 41043);
  // Without user_id_type the id is an open_id (the document's default), so a user_id is unknown.
  EXPECT_FEISHU_ERROR(call("PUT", "/open-apis/contact/v3/users/u1", body), 400u, 41050);
  EXPECT_FEISHU_OK(call("PUT", "/open-apis/contact/v3/users/" + derived_open_id("u1"), body));
  EXPECT_FEISHU_OK(call("PUT", "/open-apis/contact/v3/users/" + derived_union_id("u1") + "?user_id_type=union_id", body));
}

TEST_F(ContactUserApiTest, BodyAndContentTypeErrorsAreParamErrors) {
  start();
  EXPECT_FEISHU_ERROR(call("PUT", "/open-apis/contact/v3/users/u1?user_id_type=user_id", "{not json"), 400u, 40001);
  EXPECT_FEISHU_ERROR(call("PUT", "/open-apis/contact/v3/users/u1?user_id_type=user_id", "[1,2]"), 400u, 40001);
  auto r = client_->request("PUT", "/open-apis/contact/v3/users/u1?user_id_type=user_id", json::serialize(valid_user_body("u1")),
                            {{"Authorization", "Bearer " + token_}, {"Content-Type", "text/plain"}});
  EXPECT_FEISHU_ERROR(r, 400u, 40001);
  EXPECT_EQ(r.response.json().at("error").at("field_violations").at(0).at("field").as_string(), "Content-Type");
}

TEST_F(ContactUserApiTest, UncertifiedTenantRefusesNonMainlandMobiles) {
  EmulatorOptions o;
  o.certified_tenant = false;
  start(std::move(o));
  auto body = valid_user_body("u1");
  body["mobile"] = "+41446681801";
  EXPECT_FEISHU_ERROR(put_user("u1", body), 400u, 44019);
}

TEST_F(ContactUserApiTest, FullDepartmentRefusesNewMembersButKeepsExistingOnes) {
  EmulatorOptions o;
  o.department_user_limit = 2;  // od-1 holds u1 and u2
  start(std::move(o));
  auto body = valid_user_body("u1");
  body["mobile"] = "13055555555";
  body.erase("email");
  auto r = put_user("u5", body);
  EXPECT_FEISHU_ERROR(r, 400u, 41016);
  EXPECT_FEISHU_OK(put_user("u1", valid_user_body("u1")));  // already a member
}

TEST_F(ContactUserApiTest, PutReplacesTheUserAndAnswersTheDocumentedShape) {
  start();
  auto body = valid_user_body("u1");
  body["en_name"] = "San Zhang";
  body["gender"] = 1;
  body["department_ids"] = json::array{"od-1", "od-2"};
  body["orders"] = json::array{json::object{{"department_id", "od-2"}, {"department_order", 9}, {"is_primary_dept", true}}};
  body["custom_attrs"] = json::array{json::object{{"type", "HREF"}, {"id", "attr1"}, {"value", json::object{{"text", "t"}, {"url", "http://u"}}}}};
  body["is_frozen"] = false;
  auto r = put_user("u1", body);
  EXPECT_FEISHU_OK(r);
  auto user = r.response.json().at("data").at("user");
  EXPECT_EQ(user.at("user_id").as_string(), "u1");
  EXPECT_EQ(user.at("open_id").as_string(), derived_open_id("u1"));
  EXPECT_EQ(user.at("en_name").as_string(), "San Zhang");
  EXPECT_FALSE(r.response.header("x-tt-logid").empty());
  EXPECT_EQ(state().at("contact_user").at("u1"), json::value(body));

  // A second PUT without en_name drops it: PUT replaces everything.
  EXPECT_FEISHU_OK(put_user("u1", valid_user_body("u1")));
  EXPECT_EQ(state().at("contact_user").at("u1"), json::value(valid_user_body("u1")));
}

TEST_F(ContactUserApiTest, PatchMergesIntoTheCurrentFields) {
  start();
  auto r = patch_user("u2", json::object{{"city", "杭州"}});
  EXPECT_FEISHU_OK(r);
  auto user = r.response.json().at("data").at("user");
  EXPECT_EQ(user.at("city").as_string(), "杭州");
  EXPECT_EQ(user.at("mobile").as_string(), "+8613022222222");  // from the fixture
  EXPECT_FEISHU_OK(patch_user("u2", json::object{{"job_title", "Engineer"}, {"city", "上海"}}));
  // The state shows what the user holds: the fixture's fields with the PATCH bodies merged in.
  EXPECT_EQ(state().at("contact_user").at("u2"),
            json::value(json::object{{"name", "Li Si"}, {"mobile", "+8613022222222"}, {"email", "b@example.com"},
                                     {"enterprise_email", "b@corp.example.com"}, {"employee_no", "E002"},
                                     {"department_ids", json::array{"od-1"}}, {"city", "上海"}, {"job_title", "Engineer"}}));
  // The fixture's mobile is still u2's: nobody else may take it.
  auto u1 = valid_user_body("u1");
  u1["mobile"] = "13022222222";
  EXPECT_FEISHU_ERROR(put_user("u1", u1), 400u, 41001);
  // A PUT replaces what was written.
  EXPECT_FEISHU_OK(put_user("u2", valid_user_body("u2")));
  EXPECT_EQ(state().at("contact_user").at("u2"), json::value(valid_user_body("u2")));
}

TEST_F(ContactUserApiTest, PutErasesEveryMemberTheBodyLeavesOutPatchKeepsThem) {
  start();
  // u1 holds an avatar, a city, orders and a custom attribute that valid_user_body() does not send.
  auto patched = patch_user("u1", json::object{{"job_title", "Engineer"}});
  EXPECT_FEISHU_OK(patched);
  json::value held = state().at("contact_user").at("u1");
  EXPECT_EQ(held.at("avatar_key").as_string(), "av-u1");
  EXPECT_EQ(held.at("city").as_string(), "杭州");
  EXPECT_EQ(held.at("orders").as_array().size(), 1u);
  EXPECT_EQ(held.at("custom_attrs").as_array().size(), 1u);
  EXPECT_EQ(held.at("job_title").as_string(), "Engineer");

  auto put = put_user("u1", valid_user_body("u1"));
  EXPECT_FEISHU_OK(put);
  // "Update all user information": what the body leaves out is gone, in the state and the answer.
  EXPECT_EQ(state().at("contact_user").at("u1"), json::value(valid_user_body("u1")));
  const json::value answer = put.response.json();
  const json::object& answered = answer.at("data").at("user").as_object();
  for (const char* gone : {"avatar_key", "city", "orders", "custom_attrs", "job_title", "employee_no"}) {
    EXPECT_FALSE(answered.contains(gone)) << gone;
  }
}

TEST_F(ContactUserApiTest, LarkTenantMakesTheMobileOptionalAndRefusesPlus86) {
  EmulatorOptions o;
  o.lark_tenant = true;
  start(std::move(o));
  auto body = valid_user_body("u6");  // a@example.com's body, moved to u6
  body["email"] = "f@example.com";
  body["mobile"] = "13066666666";
  EXPECT_FEISHU_ERROR(put_user("u6", body), 400u, 44018);
  body["mobile"] = "+8613066666666";
  EXPECT_FEISHU_ERROR(put_user("u6", body), 400u, 44018);
  body["mobile"] = "+41446681800";
  EXPECT_FEISHU_OK(put_user("u6", body));
  body.erase("mobile");
  EXPECT_FEISHU_OK(put_user("u6", body));  // no mobile: fine on Lark
  EXPECT_FALSE(state().at("contact_user").at("u6").as_object().contains("mobile"));
  body.erase("email");
  EXPECT_FEISHU_ERROR(put_user("u6", body), 400u, 41009);  // but not neither
  body["mobile"] = "+41446681800";
  EXPECT_FEISHU_ERROR(put_user("u6", body), 400u, 44020);  // a non-+86 mobile still needs an email
  // An empty mobile in a PATCH means none; the email stays, so that is allowed.
  EXPECT_FEISHU_OK(patch_user("u6", json::object{{"mobile", ""}}));
}

TEST_F(ContactUserApiTest, EmployeeTypesTheTenantDoesNotUseAre41060) {
  EmulatorOptions o;
  o.fixture = standard_fixture();
  o.fixture.employee_types = {1, 2, 6};  // 6: a custom type ("自定义员工类型")
  start(std::move(o));
  auto body = valid_user_body("u1");
  for (auto [type, code] : {std::pair{1, 0}, {2, 0}, {6, 0}, {3, 41060}, {5, 41060}, {7, 41059}, {0, 41059}}) {
    SCOPED_TRACE(type);
    body["employee_type"] = type;
    if (code == 0) {
      EXPECT_FEISHU_OK(put_user("u1", body));
    } else {
      EXPECT_FEISHU_ERROR(put_user("u1", body), 400u, code);
    }
  }
}

TEST_F(ContactUserApiTest, WithoutATenantListOnlyTheFiveStandardTypesExist) {
  start();
  auto body = valid_user_body("u1");
  body["employee_type"] = 6;
  EXPECT_FEISHU_ERROR(put_user("u1", body), 400u, 41059);
  body.erase("employee_type");
  EXPECT_FEISHU_ERROR(put_user("u1", body), 400u, 41059);
  body["employee_type"] = 5;
  EXPECT_FEISHU_OK(put_user("u1", body));
}

TEST_F(ContactUserApiTest, FeishuTenantStillRequiresTheMobile) {
  start();  // the default tenant: Feishu, certified
  auto body = valid_user_body("u6");
  body["email"] = "f@example.com";
  body["mobile"] = "+41446681800";
  EXPECT_FEISHU_OK(put_user("u6", body));
  body.erase("mobile");
  EXPECT_FEISHU_ERROR(put_user("u6", body), 400u, 41010);
}

TEST_F(ContactUserApiTest, MobileAndEmailMoveBetweenUsers) {
  start();
  // u2 gives up its mobile; then u1 may take it, and u2 can no longer use u1's old one... and so on.
  auto u2 = valid_user_body("u2");
  u2["mobile"] = "13099999999";
  EXPECT_FEISHU_OK(put_user("u2", u2));
  auto u1 = valid_user_body("u1");
  u1["mobile"] = "+8613022222222";
  EXPECT_FEISHU_OK(put_user("u1", u1));
  u2["mobile"] = "13011111111";  // u1's old number is free now
  EXPECT_FEISHU_OK(put_user("u2", u2));
  u2["mobile"] = "13022222222";  // now u1's
  EXPECT_FEISHU_ERROR(put_user("u2", u2), 400u, 41001);
}

TEST_F(ContactUserApiTest, OverlappingUpdatesOfOneUserCollideWith44025) {
  start();
  emu_->set_latency_ms(60000, 60000);  // the first update stays in flight
  TestClient first("127.0.0.1", emu_->port());
  auto sent = first.send_only("PUT", "/open-apis/contact/v3/users/u1?user_id_type=user_id", json::serialize(valid_user_body("u1")),
                              {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json; charset=utf-8"}});
  ASSERT_TRUE(sent.ok) << sent.error;
  ASSERT_TRUE(eventually([&] { return stats().at("endpoints").at("contact_user").at("requests").to_number<std::uint64_t>() == 1; }));
  emu_->set_latency_ms(0, 0);

  EXPECT_FEISHU_ERROR(put_user("u1", valid_user_body("u1")), 400u, 44025);
  EXPECT_FEISHU_OK(put_user("u2", valid_user_body("u2")));  // another user is not locked
}

TEST_F(ContactUserApiTest, SequentialUpdatesOfOneUserDoNotCollide) {
  start();
  for (int i = 0; i < 3; ++i) EXPECT_FEISHU_OK(put_user("u1", valid_user_body("u1")));
}

}  // namespace
}  // namespace hrsync::emulator::testing
