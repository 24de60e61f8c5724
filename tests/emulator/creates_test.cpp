// The creates over loopback HTTP (docs/api-notes.md "Creating what a target lacks"): the contact
// user with its client_token idempotence and documented refusals, the group, the Sophon person,
// and the attendance file upload whose id a face_key takes.
#include <string>

#include "tests/emulator/emulator_harness.h"

namespace hrsync::emulator::testing {
namespace {
namespace json = boost::json;

const std::string kUsers = "/open-apis/contact/v3/users?user_id_type=user_id&department_id_type=open_department_id";

json::object new_user(const std::string& id, const std::string& mobile = "13099999999") {
  return json::object{{"user_id", id}, {"name", "New Hire"}, {"mobile", mobile}, {"email", id + "@example.com"},
                      {"department_ids", json::array{"od-3"}}, {"employee_type", 1}};
}

// The start of a baseline JPEG of 64 x 64 pixels.
std::string jpeg() {
  std::string b = "\xFF\xD8\xFF\xE0";
  b += std::string("\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 16);
  b += std::string("\xFF\xC0\x00\x11\x08\x00\x40\x00\x40", 9);
  b += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  return b;
}

std::string multipart(const std::string& boundary, const std::string& name, const std::string& content) {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"face.jpg\"\r\n" +
         "Content-Type: image/jpeg\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
}

class CreatesTest : public EmulatorHarness {
 protected:
  std::uint64_t created(const std::string& user_id) {
    json::value s = stats();
    const auto& c = s.at("created").at("contact_user").as_object();
    return c.contains(user_id) ? c.at(user_id).to_number<std::uint64_t>() : 0;
  }
  TestResult sophon_post(const json::object& body) {
    return client_->request("POST", "/SophonFogSys/api/users", json::serialize(body), {{"Content-Type", "application/json"}});
  }
  TestResult upload(const std::string& query, const std::string& content_type, const std::string& body) {
    return client_->request("POST", "/open-apis/attendance/v1/files/upload" + query, body,
                            {{"Content-Type", content_type}, {"Authorization", "Bearer " + token_}});
  }
};

TEST_F(CreatesTest, CreateUserMakesOneUserThatReadsBack) {
  start();
  auto r = call("POST", kUsers + "&client_token=t-n1", new_user("n1"));
  EXPECT_FEISHU_OK(r);
  EXPECT_EQ(r.response.json().at("data").at("user").at("user_id").as_string(), "n1");
  auto back = call("GET", "/open-apis/contact/v3/users/batch?user_id_type=user_id&user_ids=n1", "");
  EXPECT_EQ(back.response.json().at("data").at("items").at(0).at("name").as_string(), "New Hire");
  EXPECT_EQ(created("n1"), 1u);
  EXPECT_EQ(stats().at("entities").at("contact_user").to_number<std::uint64_t>(), 7u);
  EXPECT_EQ(stats().at("operations").at("create").to_number<std::uint64_t>(), 1u);
  // The created user takes updates like any other.
  EXPECT_FEISHU_OK(patch_user("n1", json::object{{"job_title", "Engineer"}}));
}

TEST_F(CreatesTest, TheSameClientTokenAnswersTheFirstCreateAndCreatesNothing) {
  start();
  auto first = call("POST", kUsers + "&client_token=t-n1", new_user("n1"));
  EXPECT_FEISHU_OK(first);
  auto again = call("POST", kUsers + "&client_token=t-n1", new_user("n1"));
  EXPECT_FEISHU_OK(again);
  EXPECT_EQ(again.response.json().at("data"), first.response.json().at("data"));
  EXPECT_EQ(created("n1"), 1u);
  EXPECT_EQ(stats().at("entities").at("contact_user").to_number<std::uint64_t>(), 7u);
  // Another body under the same token is refused; without a token the same user is refused as existing.
  EXPECT_FEISHU_ERROR(call("POST", kUsers + "&client_token=t-n1", new_user("n2", "13088888888")), 400u, 40001);
  EXPECT_FEISHU_ERROR(call("POST", kUsers, new_user("n1")), 400u, 41011);
  EXPECT_EQ(created("n1"), 1u);
}

TEST_F(CreatesTest, CreateUserRefusalsUseTheDocumentedCodes) {
  start();
  EXPECT_FEISHU_ERROR(call("POST", kUsers, new_user("u1", "13077777777")), 400u, 41011);
  EXPECT_FEISHU_ERROR(call("POST", kUsers, new_user("n1", "13011111111")), 400u, 41001);
  auto email_taken = new_user("n1");
  email_taken["email"] = "a@example.com";
  EXPECT_FEISHU_ERROR(call("POST", kUsers, email_taken), 400u, 41002);
  auto no_name = new_user("n1");
  no_name.erase("name");
  EXPECT_FEISHU_ERROR(call("POST", kUsers, no_name), 400u, 41006);
  auto no_departments = new_user("n1");
  no_departments.erase("department_ids");
  EXPECT_FEISHU_ERROR(call("POST", kUsers, no_departments), 400u, 41017);
  auto no_mobile = new_user("n1");
  no_mobile.erase("mobile");
  EXPECT_FEISHU_ERROR(call("POST", kUsers, no_mobile), 400u, 41010);
  EXPECT_EQ(stats().at("entities").at("contact_user").to_number<std::uint64_t>(), 6u);
  // A refused create does not spend its token.
  EXPECT_FEISHU_ERROR(call("POST", kUsers + "&client_token=t-x", new_user("n1", "13011111111")), 400u, 41001);
  EXPECT_FEISHU_OK(call("POST", kUsers + "&client_token=t-x", new_user("n1")));
}

TEST_F(CreatesTest, CreateGroupWithTheGivenIdAndRefusals) {
  start();
  auto r = call("POST", "/open-apis/contact/v3/group", json::object{{"group_id", "g9"}, {"name", "Gamma"}, {"type", 1}});
  EXPECT_FEISHU_OK(r);
  EXPECT_EQ(r.response.json().at("data").at("group_id").as_string(), "g9");
  EXPECT_EQ(call("GET", "/open-apis/contact/v3/group/g9", "").response.json().at("data").at("group").at("name").as_string(), "Gamma");
  EXPECT_FEISHU_ERROR(call("POST", "/open-apis/contact/v3/group", json::object{{"group_id", "g1"}, {"name", "Delta"}}), 400u, 40001);
  EXPECT_FEISHU_ERROR(call("POST", "/open-apis/contact/v3/group", json::object{{"group_id", "g8"}, {"name", "Alpha"}}), 400u, 47009);
  EXPECT_FEISHU_ERROR(call("POST", "/open-apis/contact/v3/group", json::object{{"group_id", "g8"}}), 400u, 40001);
  EXPECT_FEISHU_ERROR(call("POST", "/open-apis/contact/v3/group", json::object{{"name", repeat("x", 101)}}), 400u, 42013);
}

TEST_F(CreatesTest, CreatePersonNeedsAPhotoAndAGroupAndRefusesAnExistingIdentity) {
  start();
  auto photo = [] {
    std::string b = jpeg(), out;
    static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    while (b.size() % 3 != 0) b.push_back('\0');
    for (std::size_t i = 0; i < b.size(); i += 3) {
      unsigned v = static_cast<unsigned char>(b[i]) << 16 | static_cast<unsigned char>(b[i + 1]) << 8 | static_cast<unsigned char>(b[i + 2]);
      for (int k = 18; k >= 0; k -= 6) out.push_back(kAlphabet[(v >> k) & 63]);
    }
    return out;
  }();
  json::object body{{"identity_id", "E100"}, {"reg_photo", photo}, {"group_name", "staff,night"},
                    {"info", json::object{{"name", "New Hire"}, {"type", 1}}}};
  auto r = sophon_post(body);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.response.status, 200u) << r.response.body;
  EXPECT_EQ(r.response.json().at("data").at("group_name").as_array(), (json::array{"staff", "night"}));
  EXPECT_FALSE(r.response.json().at("data").at("image_id").as_string().empty());
  auto listed = client_->request("GET", "/SophonFogSys/api/users?group_name=night", "", {});
  EXPECT_EQ(listed.response.json().at("data").at("identities_list").as_array().size(), 1u);

  auto again = sophon_post(body);
  EXPECT_EQ(again.response.status, 400u);
  EXPECT_EQ(again.response.json().at("error").at("code").to_number<std::int64_t>(), 40011);
  body["ignore_exist"] = true;
  EXPECT_EQ(sophon_post(body).response.status, 200u);
  json::object no_photo{{"identity_id", "E101"}, {"group_name", "staff"}, {"info", json::object{}}};
  auto refused = sophon_post(no_photo);
  EXPECT_EQ(refused.response.status, 400u);
  EXPECT_EQ(refused.response.json().at("error").at("code").to_number<std::int64_t>(), 40000);
  json::object no_group{{"identity_id", "E101"}, {"reg_photo", photo}, {"info", json::object{}}};
  EXPECT_EQ(sophon_post(no_group).response.json().at("error").at("code").to_number<std::int64_t>(), 40000);
  EXPECT_EQ(stats().at("entities").at("sophon_person").to_number<std::uint64_t>(), 3u);
}

TEST_F(CreatesTest, UploadAnswersAFileIdAFaceSettingTakes) {
  start();
  const std::string boundary = "b0undary";
  auto r = upload("?file_name=face.jpg", "multipart/form-data; boundary=" + boundary, multipart(boundary, "file", jpeg()));
  EXPECT_FEISHU_OK(r);
  // data.file.file_id, as the upload document and the official Node SDK's types give it.
  std::string id(r.response.json().at("data").at("file").at("file_id").as_string());
  EXPECT_FALSE(id.empty());
  EXPECT_FEISHU_OK(call("POST", "/open-apis/attendance/v1/user_settings/modify?employee_type=employee_no",
                        json::object{{"user_setting", json::object{{"user_id", "E001"}, {"face_key", id}}}}));
  EXPECT_FEISHU_ERROR(upload("", "multipart/form-data; boundary=" + boundary, multipart(boundary, "file", jpeg())), 400u, 1220001);
  EXPECT_FEISHU_ERROR(upload("?file_name=a.txt", "multipart/form-data; boundary=" + boundary, multipart(boundary, "file", "hello")),
                      400u, 1220001);
  EXPECT_FEISHU_ERROR(upload("?file_name=face.jpg", "multipart/form-data; boundary=" + boundary, multipart(boundary, "other", jpeg())),
                      400u, 1220001);
  EXPECT_FEISHU_ERROR(upload("?file_name=face.jpg", "application/json", "{}"), 400u, 1220001);
  EXPECT_EQ(stats().at("created").at("attendance_face.upload").to_number<std::uint64_t>(), 1u);
}

// With issued_face_keys_only, a face setting takes only an id the upload issued (or the fixture
// held): any other key is refused 400/1220001 and changes nothing.
TEST_F(CreatesTest, StrictTenantTakesOnlyIssuedFaceKeys) {
  EmulatorOptions o;
  o.issued_face_keys_only = true;
  start(o);
  const std::string q = "/open-apis/attendance/v1/user_settings/modify?employee_type=employee_no";
  EXPECT_FEISHU_ERROR(call("POST", q, json::object{{"user_setting", json::object{{"user_id", "E001"}, {"face_key", "never-issued"}}}}),
                      400u, 1220001);
  const std::string boundary = "b0undary";
  auto r = upload("?file_name=face.jpg", "multipart/form-data; boundary=" + boundary, multipart(boundary, "file", jpeg()));
  EXPECT_FEISHU_OK(r);
  std::string id(r.response.json().at("data").at("file").at("file_id").as_string());
  EXPECT_FEISHU_OK(call("POST", q, json::object{{"user_setting", json::object{{"user_id", "E001"}, {"face_key", id}}}}));
  EXPECT_EQ(json::value_to<std::string>(state().at("attendance_face").at("E001").at("face_key")), id);
}

}  // namespace
}  // namespace hrsync::emulator::testing
