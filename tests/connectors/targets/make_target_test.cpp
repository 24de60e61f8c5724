// make_target(): ids, options, and the parts of each connector that are not about documents.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "connectors/targets/target_connector.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;
using testing::valid_employee;
using testing::valid_group;

TEST(MakeTarget, KnowsTheFiveTargetsInReportOrder) {
  const std::vector<std::string_view> want = {"contact_user", "contact_group", "attendance_face", "acs_card",
                                              "sophon_person"};
  ASSERT_EQ(std::vector<std::string_view>(target_ids().begin(), target_ids().end()), want);
  for (std::string_view id : target_ids()) {
    auto made = make_target(id, {});
    ASSERT_TRUE(made.has_value()) << id << ": " << made.error().str();
    EXPECT_EQ((*made)->id(), id);
    EXPECT_EQ((*made)->platform(), id == "sophon_person" ? Platform::kSophon : Platform::kFeishu) << id;
    EXPECT_EQ((*made)->entity(), id == "contact_group" ? Entity::kGroups : Entity::kEmployees) << id;
  }
}

TEST(MakeTarget, RefusesAnUnknownId) {
  auto made = make_target("contact_users", {});
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().kind, Error::Kind::kConfig);
  EXPECT_EQ(made.error().where, "targets.contact_users");
  EXPECT_NE(made.error().message.find("contact_user,"), std::string::npos) << made.error().message;
}

struct BadOption {
  std::string_view target;
  TargetOptions options;
  std::string_view where;
};

TEST(MakeTarget, RefusesBadOptionsNamingThem) {
  auto with = [](auto set) {
    TargetOptions o;
    set(o);
    return o;
  };
  const std::vector<BadOption> cases = {
      {"contact_user", with([](TargetOptions& o) { o.mode = "pull"; }), "targets.contact_user.mode"},
      {"contact_user", with([](TargetOptions& o) { o.on_missing = "delete"; }), "targets.contact_user.on_missing"},
      {"contact_user", with([](TargetOptions& o) { o.user_id_type = "email"; }), "targets.contact_user.user_id_type"},
      {"contact_user", with([](TargetOptions& o) { o.department_id_type = "od"; }),
       "targets.contact_user.department_id_type"},
      {"contact_user", with([](TargetOptions& o) { o.employee_type = "employee_id"; }),
       "targets.contact_user.employee_type"},
      {"contact_user", with([](TargetOptions& o) { o.photo_dir = "/photos"; }), "targets.contact_user.photo_dir"},
      {"contact_user", with([](TargetOptions& o) { o.tenant = "larksuite"; }), "targets.contact_user.tenant"},
      {"acs_card", with([](TargetOptions& o) { o.tenant = "lark"; }), "targets.acs_card.tenant"},
      {"contact_group", with([](TargetOptions& o) { o.on_missing = "freeze"; }), "targets.contact_group.on_missing"},
      {"contact_group", with([](TargetOptions& o) { o.mode = "put"; }), "targets.contact_group.mode"},
      {"contact_group", with([](TargetOptions& o) { o.user_id_type = "open_id"; }), "targets.contact_group.user_id_type"},
      {"attendance_face", with([](TargetOptions& o) { o.employee_type = "email"; }),
       "targets.attendance_face.employee_type"},
      {"attendance_face", with([](TargetOptions& o) { o.on_missing = "freeze"; }), "targets.attendance_face.on_missing"},
      {"acs_card", with([](TargetOptions& o) { o.user_id_type = "mobile"; }), "targets.acs_card.user_id_type"},
      {"acs_card", with([](TargetOptions& o) { o.department_id_type = "department_id"; }),
       "targets.acs_card.department_id_type"},
      {"sophon_person", with([](TargetOptions& o) { o.on_missing = "freeze"; }), "targets.sophon_person.on_missing"},
      {"acs_card", with([](TargetOptions& o) { o.on_missing = "revoke"; }), "targets.acs_card.on_missing"},
      {"contact_user", with([](TargetOptions& o) { o.on_missing = "blacklist"; }), "targets.contact_user.on_missing"},
      {"sophon_person", with([](TargetOptions& o) { o.user_id_type = "open_id"; }), "targets.sophon_person.user_id_type"},
  };
  for (const BadOption& c : cases) {
    auto made = make_target(c.target, c.options);
    ASSERT_FALSE(made.has_value()) << c.where;
    EXPECT_EQ(made.error().kind, Error::Kind::kConfig) << c.where;
    EXPECT_EQ(made.error().where, c.where);
    EXPECT_FALSE(made.error().message.empty());
  }
}

TEST(MakeTarget, AcceptsEveryDocumentedOptionValue) {
  for (const char* mode : {"put", "patch"}) {
    for (const char* missing : {"ignore", "freeze"}) {
      TargetOptions o;
      o.mode = mode;
      o.on_missing = missing;
      EXPECT_TRUE(make_target("contact_user", o).has_value()) << mode << " " << missing;
    }
  }
  for (const char* type : {"open_id", "union_id", "user_id"}) {
    TargetOptions o;
    o.user_id_type = type;
    EXPECT_TRUE(make_target("contact_user", o).has_value()) << type;
    EXPECT_TRUE(make_target("acs_card", o).has_value()) << type;
  }
  for (const char* type : {"employee_id", "employee_no"}) {
    TargetOptions o;
    o.employee_type = type;
    EXPECT_TRUE(make_target("attendance_face", o).has_value()) << type;
  }
  for (const char* tenant : {"feishu", "uncertified", "lark"}) {
    TargetOptions o;
    o.tenant = tenant;
    EXPECT_TRUE(make_target("contact_user", o).has_value()) << tenant;
  }
  TargetOptions dept;
  dept.department_id_type = "department_id";
  EXPECT_TRUE(make_target("contact_group", dept).has_value());
}

TEST(MakeTarget, RequiredColumnsFollowTheDocumentsAndOptions) {
  auto has = [](const TargetConnector& c, Field f) {
    return std::find(c.required_columns().begin(), c.required_columns().end(), f) != c.required_columns().end();
  };
  auto user = connector("contact_user");
  for (Field f : {Field::kUserId, Field::kName, Field::kMobile, Field::kDepartmentIds, Field::kEmployeeType}) {
    EXPECT_TRUE(has(*user, f)) << field_name(f);
  }
  EXPECT_TRUE(has(*connector("contact_group"), Field::kGroupId));
  EXPECT_TRUE(has(*connector("acs_card"), Field::kCardNo));
  EXPECT_TRUE(has(*connector("sophon_person"), Field::kEmployeeNo));
  auto by_no = connector("attendance_face");
  EXPECT_TRUE(has(*by_no, Field::kEmployeeNo));
  EXPECT_TRUE(has(*by_no, Field::kFaceKey));
  TargetOptions o;
  o.employee_type = "employee_id";
  auto by_id = connector("attendance_face", o);
  EXPECT_TRUE(has(*by_id, Field::kUserId));
  EXPECT_FALSE(has(*by_id, Field::kEmployeeNo));
}

// The request for the document of `r`, with its body copied out: a request that sends its
// document unchanged refers to the document, which lives in this function only.
struct SentRequest {
  std::string method;
  std::string target;
  std::string body;
  std::string_view lane;
};

SentRequest request_for(const TargetConnector& c, const Record& r) {
  auto doc = c.project(r);
  if (!doc) ADD_FAILURE() << c.id() << ": " << doc.error().field << ": " << doc.error().rule;
  if (!doc) return {};
  auto req = c.update().build_request(*doc, nullptr);
  if (!req) ADD_FAILURE() << req.error().str();
  if (!req) return {};
  return {req->method, req->target, std::string(req->body()), req->lane};
}

TEST(Requests, GroupAttendanceAndCardRequestsFollowTheirDocuments) {
  Record g = valid_group();
  g.at(Field::kGroupId) = "g 1/2";
  const SentRequest group = request_for(*connector("contact_group"), g);
  EXPECT_EQ(group.method, "PATCH");
  EXPECT_EQ(group.target, "/open-apis/contact/v3/group/g%201%2F2?department_id_type=open_department_id");

  TargetOptions by_id;
  by_id.employee_type = "employee_id";
  const SentRequest face = request_for(*connector("attendance_face", by_id), valid_employee());
  EXPECT_EQ(face.method, "POST");
  EXPECT_EQ(face.target, "/open-apis/attendance/v1/user_settings/modify?employee_type=employee_id");
  EXPECT_EQ(face.body, R"({"user_setting":{"face_key":"fk-0001","face_key_update_time":"1625681917","user_id":"u001"}})");

  TargetOptions open;
  open.user_id_type = "open_id";
  Record r = valid_employee();
  r.at(Field::kUserId) = "ou_7dab8a3d3cdcc9da365777c7ad535d62";
  const SentRequest card = request_for(*connector("acs_card", open), r);
  EXPECT_EQ(card.method, "PATCH");
  EXPECT_EQ(card.target, "/open-apis/acs/v1/users/ou_7dab8a3d3cdcc9da365777c7ad535d62?user_id_type=open_id");
  EXPECT_EQ(card.body, R"({"feature":{"card":123456}})");
  EXPECT_EQ(card.lane, "");
}

TEST(Requests, AGroupDescriptionEmptiedInHrStaysOnTheGroupAndIsListed) {
  auto c = connector("contact_group");
  Record r = valid_group();
  auto old = c->project(r);
  ASSERT_TRUE(old.has_value());
  r.at(Field::kDescription).clear();
  auto emptied = c->project(r);
  ASSERT_TRUE(emptied.has_value());
  auto held = c->held_after(*emptied, *old);
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->document.body, old->body);
  EXPECT_EQ(held->document.hash, old->hash);
  ASSERT_EQ(held->kept.size(), 1u);
  EXPECT_EQ(held->kept[0].field, "description");
  EXPECT_NE(held->kept[0].rule.find("clear it by hand"), std::string::npos);
  r.at(Field::kDescription) = "new";
  auto changed = c->project(r);
  ASSERT_TRUE(changed.has_value());
  EXPECT_FALSE(c->held_after(*changed, *old).has_value());
}

TEST(Rates, DefaultsFollowTheDocumentsOrAreConservative) {
  EXPECT_EQ(connector("contact_group")->update().default_rate(), (std::vector<RateTier>{{100, 60}}));
  EXPECT_EQ(connector("attendance_face")->update().default_rate(), (std::vector<RateTier>{{50, 1}}));
  EXPECT_EQ(connector("acs_card")->update().default_rate(), (std::vector<RateTier>{{20, 1}}));
  EXPECT_EQ(connector("sophon_person")->update().default_rate(), (std::vector<RateTier>{{10, 1}}));
  for (std::string_view id : target_ids()) {
    if (id == "contact_user") continue;
    EXPECT_TRUE(connector(id)->update().lanes().empty()) << id;
  }
}

// endpoint() names what build_request() builds, with the key as a placeholder; lane_of() says
// what the request says.
TEST(Endpoints, NameTheMethodAndPathOfEveryRequest) {
  const std::map<std::string_view, std::string_view> want = {
      {"contact_user", "PATCH /open-apis/contact/v3/users/:user_id"},  // the default mode
      {"contact_group", "PATCH /open-apis/contact/v3/group/:group_id"},
      {"attendance_face", "POST /open-apis/attendance/v1/user_settings/modify"},
      {"acs_card", "PATCH /open-apis/acs/v1/users/:user_id"},
      {"sophon_person", "PUT /SophonFogSys/api/users"},
  };
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    EXPECT_EQ(c->update().endpoint(), want.at(id)) << id;
    const Record r = c->entity() == Entity::kGroups ? valid_group() : valid_employee();
    auto doc = c->project(r);
    ASSERT_TRUE(doc.has_value()) << id << ": " << doc.error().field << " " << doc.error().rule;
    auto req = c->update().build_request(*doc, nullptr);
    ASSERT_TRUE(req.has_value()) << id << ": " << req.error().str();
    std::string path = req->target.substr(0, req->target.find('?'));
    const std::size_t placeholder = c->update().endpoint().find(':');
    if (placeholder != std::string_view::npos) path = path.substr(0, path.rfind('/') + 1) + std::string(c->update().endpoint().substr(placeholder));
    EXPECT_EQ(req->method + " " + path, c->update().endpoint()) << id;
    EXPECT_EQ(c->update().lane_of(*doc, nullptr), req->lane) << id;
  }
}

// A request that sends its document unchanged refers to the document's own bytes instead of a
// copy (the plan's documents are what the executor sends); one that sends another body (a PATCH
// of the changed members, a photo inlined) owns it.
TEST(Requests, AnUnchangedBodyIsTheDocumentsOwnNotACopy) {
  struct Case {
    std::string_view id;
    TargetOptions options;
  };
  TargetOptions put;
  put.mode = "put";
  const std::vector<Case> cases = {{"contact_user", put}, {"contact_user", {}}, {"contact_group", {}},
                                   {"attendance_face", {}}, {"acs_card", {}}, {"sophon_person", {}}};
  for (const Case& k : cases) {
    auto c = connector(k.id, k.options);
    const Record r = c->entity() == Entity::kGroups ? valid_group() : valid_employee();
    auto doc = c->project(r);
    ASSERT_TRUE(doc.has_value()) << k.id << ": " << doc.error().field << " " << doc.error().rule;
    // No last document: contact_user's PATCH sends the whole document, as it does for a re-send.
    auto req = c->update().build_request(*doc, nullptr);
    ASSERT_TRUE(req.has_value()) << k.id << ": " << req.error().str();
    EXPECT_FALSE(req->built_body.has_value()) << k.id;
    EXPECT_EQ(req->body().data(), doc->body.data()) << k.id << " copied the body";
    EXPECT_EQ(req->body().size(), doc->body.size()) << k.id;
    // Moved around (as Result<Request> is), the request still refers to the document.
    Request moved = std::move(*req);
    EXPECT_EQ(moved.body().data(), doc->body.data()) << k.id;
  }
  // contact_user's PATCH of one changed member builds a body of its own, which moves with the
  // request.
  auto c = connector("contact_user");
  const Document old = *c->project(valid_employee());
  Record r = valid_employee();
  r.at(Field::kCity) = "上海";
  const Document d = *c->project(r);
  auto req = c->update().build_request(d, &old);
  ASSERT_TRUE(req.has_value());
  ASSERT_TRUE(req->built_body.has_value());
  Request moved = std::move(*req);
  EXPECT_EQ(moved.body(), R"({"city":"上海"})");
  EXPECT_NE(moved.body().data(), d.body.data());
}

}  // namespace
}  // namespace hrsync
