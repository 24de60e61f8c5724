// The group, attendance, access-control and SophonFogSys endpoints over loopback HTTP: every
// error code a request can cause, and what a success leaves in the state.
#include <string>
#include <tuple>
#include <vector>

#include "tests/emulator/emulator_harness.h"

namespace hrsync::emulator::testing {
namespace {
namespace json = boost::json;

const std::string kGroup = "/open-apis/contact/v3/group/";
const std::string kAttendance = "/open-apis/attendance/v1/user_settings/modify";
const std::string kAcs = "/open-apis/acs/v1/users/";
const std::string kSophon = "/SophonFogSys/api/users";

std::string base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 | static_cast<unsigned char>(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(kAlphabet[(v >> k) & 63]);
  }
  if (i + 1 == bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// The start of a baseline JPEG of `w` x `h` pixels: SOI, APP0 and the SOF0 header that holds the size.
std::string jpeg(unsigned w, unsigned h, std::size_t padding = 0) {
  std::string b = "\xFF\xD8\xFF\xE0";
  b += std::string("\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 16);
  b += std::string("\xFF\xC0\x00\x11\x08", 5);
  b += {static_cast<char>(h >> 8), static_cast<char>(h & 0xFF), static_cast<char>(w >> 8), static_cast<char>(w & 0xFF)};
  b += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  b += std::string(padding, '\0');
  return b;
}

// Expects a Sophon error: HTTP status, {"error": {"code", "message", "status"}}.
void expect_sophon_error(const TestResult& r, unsigned status, std::int64_t code, const std::string& word) {
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.response.status, status) << r.response.body;
  auto j = r.response.json();
  ASSERT_TRUE(j.is_object()) << r.response.body;
  EXPECT_EQ(j.at("error").at("code").to_number<std::int64_t>(), code) << r.response.body;
  EXPECT_EQ(j.at("error").at("status").as_string(), word) << r.response.body;
  EXPECT_FALSE(j.at("error").at("message").as_string().empty());
}

class OtherApisTest : public EmulatorHarness {
 protected:
  TestResult sophon(const json::object& body) { return client_->request("PUT", kSophon, json::serialize(body), {{"Content-Type", "application/json"}}); }
};

TEST_F(OtherApisTest, GroupErrors) {
  start();
  EXPECT_FEISHU_ERROR(call("PATCH", kGroup + "g9", json::object{{"name", "X"}}), 400u, 42002);
  EXPECT_FEISHU_ERROR(call("PATCH", kGroup + "g1", json::object{{"name", repeat("组", 101)}}), 400u, 42013);
  EXPECT_FEISHU_ERROR(call("PATCH", kGroup + "g1", json::object{{"description", repeat("d", 501)}}), 400u, 42014);
  EXPECT_FEISHU_ERROR(call("PATCH", kGroup + "g1", json::object{{"name", "Beta"}}), 400u, 47009);
  EXPECT_FEISHU_ERROR(call("PATCH", kGroup + "g1", json::object{{"name", 5}}), 400u, 40001);
  EXPECT_FEISHU_ERROR(call("PATCH", kGroup + "g1?user_id_type=mail", json::object{{"name", "X"}}), 400u, 40001);
  EXPECT_FEISHU_ERROR(call("PATCH", kGroup + "g1", "{oops"), 400u, 40001);
  EXPECT_TRUE(state().at("contact_group").as_object().empty());
}

TEST_F(OtherApisTest, GroupPatchKeepsWhatIsLeftEmptyAndFreesTheOldName) {
  start();
  EXPECT_FEISHU_OK(call("PATCH", kGroup + "g1", json::object{{"name", repeat("组", 100)}, {"description", ""}}));
  EXPECT_EQ(state().at("contact_group").at("g1"), json::value(json::object{{"name", repeat("组", 100)}, {"description", "first"}}));
  EXPECT_FEISHU_OK(call("PATCH", kGroup + "g2", json::object{{"name", "Alpha"}}));  // g1 gave it up
  EXPECT_FEISHU_OK(call("PATCH", kGroup + "g2", json::object{{"name", "Alpha"}}));  // its own name again
}

TEST_F(OtherApisTest, AttendanceErrors) {
  start();
  json::object ok{{"user_setting", json::object{{"user_id", "E001"}, {"face_key", "fk"}, {"face_key_update_time", "1625681917"}}}};
  EXPECT_FEISHU_ERROR(call("POST", kAttendance, ok), 400u, 1220001);  // no employee_type
  EXPECT_FEISHU_ERROR(call("POST", kAttendance + "?employee_type=open_id", ok), 400u, 1220001);
  auto q = kAttendance + "?employee_type=employee_no";
  EXPECT_FEISHU_ERROR(call("POST", q, json::object{}), 400u, 1220001);
  EXPECT_FEISHU_ERROR(call("POST", q, json::object{{"user_setting", json::object{{"face_key", "fk"}}}}), 400u, 1220001);
  EXPECT_FEISHU_ERROR(call("POST", q, json::object{{"user_setting", json::object{{"user_id", "E001"}}}}), 400u, 1220001);
  EXPECT_FEISHU_ERROR(call("POST", q, json::object{{"user_setting", json::object{{"user_id", "E001"}, {"face_key", "fk"}, {"face_key_update_time", 1625681917}}}}),
                      400u, 1220001);
  EXPECT_FEISHU_ERROR(call("POST", q, json::object{{"user_setting", json::object{{"user_id", "E009"}, {"face_key", "fk"}}}}), 400u, 1220004);
  // "精确到秒的时间戳": milliseconds are refused.
  EXPECT_FEISHU_ERROR(call("POST", q, json::object{{"user_setting", json::object{{"user_id", "E001"}, {"face_key", "fk"}, {"face_key_update_time", "1625681917000"}}}}),
                      400u, 1220001);
  // employee_id space: E001 is an employee_no, not an employee_id.
  EXPECT_FEISHU_ERROR(call("POST", kAttendance + "?employee_type=employee_id", ok), 400u, 1220004);
  EXPECT_TRUE(state().at("attendance_face").as_object().empty());
}

TEST_F(OtherApisTest, AttendanceSuccessEchoesTheSettingAndStoresIt) {
  start();
  json::object setting{{"user_id", "u2"}, {"face_key", "fk2"}, {"face_key_update_time", "1625681917"}};
  auto r = call("POST", kAttendance + "?employee_type=employee_id", json::object{{"user_setting", setting}});
  EXPECT_FEISHU_OK(r);
  EXPECT_EQ(r.response.json().at("data").at("user_setting"), json::value(setting));
  EXPECT_EQ(state().at("attendance_face").at("u2"), json::value(setting));
}

TEST_F(OtherApisTest, AcsErrorsAndSuccess) {
  start();
  json::object card{{"feature", json::object{{"card", 123456}}}};
  EXPECT_FEISHU_ERROR(call("PATCH", kAcs + "u9?user_id_type=user_id", card), 400u, 1490101);
  EXPECT_FEISHU_ERROR(call("PATCH", kAcs + "u1", card), 400u, 1490101);  // default open_id: u1 is no open_id
  EXPECT_FEISHU_ERROR(call("PATCH", kAcs + "u1?user_id_type=user_id", json::object{{"feature", json::object{{"card", "123"}}}}), 400u, 99992402);
  EXPECT_FEISHU_ERROR(call("PATCH", kAcs + "u1?user_id_type=user_id", json::object{{"feature", json::object{{"card", 1.5}}}}), 400u, 99992402);
  EXPECT_FEISHU_ERROR(call("PATCH", kAcs + "u1?user_id_type=user_id", json::object{{"feature", json::object{{"card", 4294967296}}}}), 400u, 99992402);
  EXPECT_TRUE(state().at("acs_card").as_object().empty());

  auto r = call("PATCH", kAcs + "u1?user_id_type=user_id", card);
  EXPECT_FEISHU_OK(r);
  EXPECT_TRUE(r.response.json().at("data").as_object().empty());
  EXPECT_FEISHU_OK(call("PATCH", kAcs + derived_open_id("u2"), json::object{{"feature", json::object{{"card", 7}}}}));
  EXPECT_EQ(state().at("acs_card").at("u1"), json::value(card));
  EXPECT_EQ(state().at("acs_card").at("u2").at("feature").at("card").as_int64(), 7);
  // A PATCH changes only what it carries: without a card, the card stays.
  EXPECT_FEISHU_OK(call("PATCH", kAcs + "u1?user_id_type=user_id", json::object{}));
  EXPECT_FEISHU_OK(call("PATCH", kAcs + "u1?user_id_type=user_id", json::object{{"feature", json::object{}}}));
  EXPECT_EQ(state().at("acs_card").at("u1"), json::value(card));
}

TEST_F(OtherApisTest, SophonErrors) {
  EmulatorOptions o;
  o.max_photo_bytes = 1000;
  o.min_face_px = 64;
  start(std::move(o));
  json::object info{{"name", "张三"}, {"type", 1}, {"permission_ids", json::array{"1"}}};
  expect_sophon_error(sophon(json::object{{"info", info}}), 400, 40000, "BAD_REQUEST");
  expect_sophon_error(sophon(json::object{{"identity_id", "E001"}}), 400, 40000, "BAD_REQUEST");
  expect_sophon_error(sophon(json::object{{"identity_id", "E001"}, {"info", json::object{{"type", 6}}}}), 400, 40000, "BAD_REQUEST");
  expect_sophon_error(sophon(json::object{{"identity_id", "E001"}, {"info", json::object{{"permission_ids", "1"}}}}), 400, 40000, "BAD_REQUEST");
  expect_sophon_error(sophon(json::object{{"identity_id", "E999"}, {"info", info}}), 404, 40401, "ID_NOT_FOUND");
  expect_sophon_error(sophon(json::object{{"identity_id", "E001"}, {"info", info}, {"reg_photo", "not base64!"}}), 400, 40003, "IMAGE_ERROR");
  expect_sophon_error(sophon(json::object{{"identity_id", "E001"}, {"info", info}, {"reg_photo", base64("plain text, no image")}}), 400, 40003,
                      "IMAGE_ERROR");
  expect_sophon_error(sophon(json::object{{"identity_id", "E001"}, {"info", info}, {"reg_photo", base64(jpeg(32, 32))}}), 400, 40006,
                      "LOW_QUALITY_ERROR");
  expect_sophon_error(sophon(json::object{{"identity_id", "E001"}, {"info", info}, {"reg_photo", base64(jpeg(640, 480, 2000))}}), 400, 40007,
                      "IMAGE_SIZE_TOO_LARGE_ERROR");
  auto wrong_type = client_->request("PUT", kSophon, "identity_id=E001", {{"Content-Type", "multipart/form-data"}});
  expect_sophon_error(wrong_type, 400, 40000, "BAD_REQUEST");
  expect_sophon_error(client_->request("GET", "/SophonFogSys/api/persons"), 404, 40400, "NOT_FOUND");
  EXPECT_TRUE(state().at("sophon_person").as_object().empty());
}

TEST_F(OtherApisTest, SophonSuccessAnswersTheDocumentedShapeAndSummarisesThePhoto) {
  start();
  std::string photo = jpeg(640, 480);
  auto r = sophon(json::object{{"identity_id", "E002"}, {"info", json::object{{"name", "Li Si"}}}, {"reg_photo", base64(photo)}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.response.status, 200u) << r.response.body;
  auto data = r.response.json().at("data");
  EXPECT_EQ(data.at("identity_id").as_string(), "E002");
  EXPECT_FALSE(data.at("image_id").as_string().empty());
  EXPECT_EQ(data.at("info").at("type").as_int64(), 1);  // the documented default
  EXPECT_EQ(data.at("info").at("permission_ids"), json::value(json::array{"0"}));
  auto stored = state().at("sophon_person").at("E002");
  EXPECT_EQ(stored.at("reg_photo").at("bytes").to_number<std::size_t>(), photo.size());
  EXPECT_EQ(stored.at("info"), json::value(json::object{{"name", "Li Si"}, {"type", 1}, {"permission_ids", json::array{"0"}}}));
  EXPECT_EQ(data.at("image_id").as_string(), stored.at("reg_photo").at("fnv1a64").as_string());
}

TEST_F(OtherApisTest, SophonAbsentTypeAndPermissionsResetToTheDocumentedDefaults) {
  start();
  ASSERT_EQ(sophon(json::object{{"identity_id", "E001"}, {"info", json::object{{"type", 3}, {"permission_ids", json::array{"7", "8"}}}}})
                .response.status,
            200u);
  EXPECT_EQ(state().at("sophon_person").at("E001").at("info"),
            json::value(json::object{{"name", "张三"}, {"type", 3}, {"permission_ids", json::array{"7", "8"}}}));
  // A blacklisted person updated without type and permission_ids: the box makes them an employee
  // with the default access group ("默认为员工，包括这个字段不存在的情况", "若不填默认为["0"]").
  auto r = sophon(json::object{{"identity_id", "E001"}, {"info", json::object{{"name", "张三丰"}}}});
  ASSERT_EQ(r.response.status, 200u) << r.response.body;
  const json::value want = json::object{{"name", "张三丰"}, {"type", 1}, {"permission_ids", json::array{"0"}}};
  EXPECT_EQ(r.response.json().at("data").at("info"), want);
  EXPECT_EQ(state().at("sophon_person").at("E001").at("info"), want);
  // An empty info resets them again and keeps the name (the document gives it no default).
  ASSERT_EQ(sophon(json::object{{"identity_id", "E001"}, {"info", json::object{{"type", 5}}}}).response.status, 200u);
  ASSERT_EQ(sophon(json::object{{"identity_id", "E001"}, {"info", json::object{}}}).response.status, 200u);
  EXPECT_EQ(state().at("sophon_person").at("E001").at("info"), want);
}

TEST_F(OtherApisTest, SophonChecksThePhotoFirstAndARefusedPhotoBlocksTheWholeUpdate) {
  EmulatorOptions o;
  o.max_photo_bytes = 1000;
  start(std::move(o));
  ASSERT_EQ(sophon(json::object{{"identity_id", "E001"}, {"info", json::object{{"type", 3}, {"permission_ids", json::array{"5"}}}}})
                .response.status,
            200u);
  const json::value before = state().at("sophon_person").at("E001");
  const std::string too_large = base64(jpeg(640, 480, 2000));
  expect_sophon_error(sophon(json::object{{"identity_id", "E001"}, {"info", json::object{{"name", "Renamed"}, {"type", 1}}},
                                          {"reg_photo", too_large}}),
                      400, 40007, "IMAGE_SIZE_TOO_LARGE_ERROR");
  EXPECT_EQ(state().at("sophon_person").at("E001"), before) << "nothing of a refused update is applied";
  // The photo is read before the person number and the info: an unknown person, or no person
  // number at all, with a bad photo is a photo error.
  expect_sophon_error(sophon(json::object{{"identity_id", "E999"}, {"info", json::object{}}, {"reg_photo", too_large}}), 400, 40007,
                      "IMAGE_SIZE_TOO_LARGE_ERROR");
  expect_sophon_error(sophon(json::object{{"info", json::object{{"type", 9}}}, {"reg_photo", base64("no image")}}), 400, 40003, "IMAGE_ERROR");
}

TEST_F(OtherApisTest, SophonKeepsTheFaceWhenAnUpdateCarriesNoPhoto) {
  start();
  auto first = sophon(json::object{{"identity_id", "E002"}, {"info", json::object{{"name", "Li Si"}}}, {"reg_photo", base64(jpeg(320, 240))}});
  ASSERT_EQ(first.response.status, 200u) << first.response.body;
  const json::value photo = state().at("sophon_person").at("E002").at("reg_photo");
  auto rename = sophon(json::object{{"identity_id", "E002"}, {"info", json::object{{"name", "Li Si 2"}}}});
  ASSERT_EQ(rename.response.status, 200u) << rename.response.body;
  EXPECT_EQ(state().at("sophon_person").at("E002").at("reg_photo"), photo);
  EXPECT_EQ(rename.response.json().at("data").at("image_id"), first.response.json().at("data").at("image_id"));
  // The person number cannot be edited through info.
  expect_sophon_error(sophon(json::object{{"identity_id", "E002"}, {"info", json::object{{"identity_id", "E003"}}}}), 400, 40000,
                      "BAD_REQUEST");
}

// A multipart/form-data body of `parts` (name, content, filename or "").
std::string form(const std::vector<std::tuple<std::string, std::string, std::string>>& parts) {
  std::string body;
  for (const auto& [name, content, filename] : parts) {
    body += "--XyZ\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (!filename.empty()) body += "; filename=\"" + filename + "\"\r\nContent-Type: image/jpeg";
    body += "\r\n\r\n" + content + "\r\n";
  }
  return body + "--XyZ--\r\n";
}

TEST_F(OtherApisTest, SophonAcceptsTheFormDataItsDocumentAllows) {
  start();
  const Headers multipart{{"Content-Type", "multipart/form-data; boundary=XyZ"}};
  const std::string photo = jpeg(320, 240);
  // The photo as a file part, the info as JSON text.
  auto file = client_->request("PUT", kSophon,
                               form({{"identity_id", "E001", ""}, {"info", R"({"name":"张三","type":2})", ""}, {"reg_photo", photo, "face.jpg"}}),
                               multipart);
  ASSERT_EQ(file.response.status, 200u) << file.response.body;
  json::value held = state().at("sophon_person").at("E001");
  EXPECT_EQ(held.at("info"), json::value(json::object{{"name", "张三"}, {"type", 2}, {"permission_ids", json::array{"0"}}}));
  EXPECT_EQ(held.at("reg_photo").at("bytes").to_number<std::size_t>(), photo.size());
  // The photo as base64 text, as in a JSON body.
  auto text = client_->request("PUT", kSophon, form({{"identity_id", "E002", ""}, {"info", "{}", ""}, {"reg_photo", base64(photo), ""}}), multipart);
  ASSERT_EQ(text.response.status, 200u) << text.response.body;
  EXPECT_EQ(state().at("sophon_person").at("E002").at("reg_photo"), held.at("reg_photo"));
  // The same rules as JSON: info must be a dict, the photo an image.
  expect_sophon_error(client_->request("PUT", kSophon, form({{"identity_id", "E001", ""}, {"info", "not json", ""}}), multipart), 400, 40000,
                      "BAD_REQUEST");
  expect_sophon_error(client_->request("PUT", kSophon, form({{"identity_id", "E001", ""}, {"info", "{}", ""}, {"reg_photo", "text", "a.jpg"}}), multipart),
                      400, 40003, "IMAGE_ERROR");
  expect_sophon_error(client_->request("PUT", kSophon, "--XyZ\r\nContent-Disposition: form-data; name=\"identity_id\"\r\n\r\nE001", multipart), 400,
                      40000, "BAD_REQUEST");  // never closed
  expect_sophon_error(client_->request("PUT", kSophon, R"({"identity_id":"E001","info":{}})", {{"Content-Type", "text/plain"}}), 400, 40000,
                      "BAD_REQUEST");
}

TEST_F(OtherApisTest, SophonNoFaceIsDecidedByThePhotosContent) {
  auto answers = [&](double share) {
    EmulatorOptions o;
    o.no_face_share = share;
    start(std::move(o));
    std::string seen;
    for (std::size_t padding = 0; padding < 40; ++padding) {
      const std::string photo = base64(jpeg(320, 240, padding));
      auto r = sophon(json::object{{"identity_id", "E001"}, {"info", json::object{}}, {"reg_photo", photo}});
      const char first = r.response.status == 200 ? '.' : 'N';
      if (first == 'N') expect_sophon_error(r, 400, 40004, "NO_FACE");
      auto again = sophon(json::object{{"identity_id", "E001"}, {"info", json::object{}}, {"reg_photo", photo}});
      EXPECT_EQ(again.response.status, r.response.status) << "the same photo, the same answer";
      seen += first;
    }
    TearDown();
    return seen;
  };
  EXPECT_EQ(answers(0), std::string(40, '.'));
  EXPECT_EQ(answers(1), std::string(40, 'N'));
  const std::string half = answers(0.5);
  EXPECT_NE(half.find('.'), std::string::npos) << half;
  EXPECT_NE(half.find('N'), std::string::npos) << half;
}

TEST_F(OtherApisTest, SophonTokenWhenTheBoxAsksForOne) {
  EmulatorOptions o;
  o.sophon_token = "box-token";
  start(std::move(o));
  json::object body{{"identity_id", "E001"}, {"info", json::object{}}};
  expect_sophon_error(sophon(body), 401, 40100, "UNAUTHORIZED");
  auto wrong = client_->request("PUT", kSophon, json::serialize(body), {{"Content-Type", "application/json"}, {"Authorization", "other"}});
  expect_sophon_error(wrong, 401, 40100, "UNAUTHORIZED");
  auto bare = client_->request("PUT", kSophon, json::serialize(body), {{"Content-Type", "application/json"}, {"Authorization", "box-token"}});
  EXPECT_EQ(bare.response.status, 200u) << bare.response.body;
  auto bearer = client_->request("PUT", kSophon, json::serialize(body), {{"Content-Type", "application/json"}, {"Authorization", "Bearer box-token"}});
  EXPECT_EQ(bearer.response.status, 200u) << bearer.response.body;
}

TEST_F(OtherApisTest, OversizedBodiesAre413) {
  EmulatorOptions o;
  o.max_body_bytes = 4096;
  start(std::move(o));
  std::string big(8192, 'x');
  auto r = client_->request("PUT", kSophon, big, {{"Content-Type", "application/json"}});
  expect_sophon_error(r, 413, 41300, "PAYLOAD_TOO_LARGE");
  TestClient other("127.0.0.1", emu_->port());
  auto f = other.request("PUT", "/open-apis/contact/v3/users/u1", big, {{"Content-Type", "application/json"}});
  ASSERT_TRUE(f.ok) << f.error;
  EXPECT_EQ(f.response.status, 413u);
}

TEST_F(OtherApisTest, UnknownPathsAre404) {
  start();
  auto r = call("DELETE", "/open-apis/contact/v3/users/u1", "");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.response.status, 404u);
  EXPECT_EQ(stats().at("endpoints").at("unknown").at("outcomes").at("not_found").to_number<std::uint64_t>(), 1u);
}

}  // namespace
}  // namespace hrsync::emulator::testing
