// attendance_face with face_from = "photo": the photo's hash in the document, the upload before
// the update (its multipart request, its answer, its code table and lane), and the update sent
// with the upload's id as face_key.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <set>
#include <string>

#include "connectors/targets/feishu_envelope.h"
#include "connectors/targets/photo_file.h"
#include "connectors/targets/target_connector.h"
#include "diff/document.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;
using testing::TempDir;
using testing::valid_employee;

// A JPEG by its first bytes, with a NUL and CR LF inside.
const std::string kPhoto("\xff\xd8\xff\xe0\x00\x10JFIF\r\n\x00\x01photo", 19);

struct FacesFromPhotos : ::testing::Test {
  TempDir dir;
  TargetOptions options;
  FacesFromPhotos() {
    options.face_from = "photo";
    options.photo_dir = dir.path().string();
  }

  std::unique_ptr<TargetConnector> target() { return connector("attendance_face", options); }

  Record with_photo(const std::string& cell) {
    Record r = valid_employee();
    r.at(Field::kPhoto) = cell;
    return r;
  }
};

std::string hash_of(std::string_view bytes) { return std::string(hash_text(hash_bytes(bytes)).view()); }

TEST_F(FacesFromPhotos, DocumentHoldsThePhotoHashInsteadOfTheFaceKey) {
  const std::string path = dir.write("e001.jpg", kPhoto);
  auto doc = target()->project(with_photo("e001.jpg"));
  ASSERT_TRUE(doc) << doc.error().rule;
  EXPECT_EQ(doc->body, fmt::format(R"({{"photo":"{}","user_setting":{{"face_key_update_time":"1625681917","user_id":"E001"}}}})",
                                   hash_of(kPhoto)));
  EXPECT_EQ(doc->attachment, path);
  EXPECT_EQ(doc->hash, content_hash(doc->body));
}

TEST_F(FacesFromPhotos, PhotoColumnIsRequiredAndFaceKeyIsNot) {
  auto c = target();
  std::set<Field> required(c->required_columns().begin(), c->required_columns().end());
  EXPECT_TRUE(required.contains(Field::kPhoto));
  EXPECT_TRUE(required.contains(Field::kEmployeeNo));
  EXPECT_FALSE(required.contains(Field::kFaceKey));
  for (const FieldRule& rule : c->field_rules()) EXPECT_NE(rule.column, Field::kFaceKey);
  EXPECT_NE(c->update().prior(), nullptr);
  EXPECT_FALSE(c->read()->sees_all());
  // The default stays the column.
  auto column = connector("attendance_face");
  EXPECT_EQ(column->update().prior(), nullptr);
  EXPECT_TRUE(column->read()->sees_all());
}

TEST_F(FacesFromPhotos, RowWithoutAUsablePhotoIsInvalid) {
  auto c = target();
  auto empty = c->project(with_photo(""));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().field, "photo");
  EXPECT_NE(empty.error().rule.find("needs a photo"), std::string::npos) << empty.error().rule;
  auto missing = c->project(with_photo("nobody.jpg"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "photo");
  dir.write("text.jpg", "not an image");
  auto text = c->project(with_photo("text.jpg"));
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().rule.find("not a JPEG or PNG"), std::string::npos) << text.error().rule;
}

TEST_F(FacesFromPhotos, UploadIsAMultipartPostOfThePhotoInItsLane) {
  dir.write("e001.jpg", kPhoto);
  auto c = target();
  auto doc = c->project(with_photo("e001.jpg"));
  ASSERT_TRUE(doc);
  const PriorOperation& upload = *c->update().prior();
  EXPECT_EQ(upload.name(), "upload");
  EXPECT_EQ(upload.endpoint(), "POST /open-apis/attendance/v1/files/upload");
  auto req = upload.build_request(*doc);
  ASSERT_TRUE(req) << req.error().str();
  EXPECT_EQ(req->method, "POST");
  EXPECT_EQ(req->target, "/open-apis/attendance/v1/files/upload?file_name=face.jpg");
  EXPECT_EQ(req->lane, "upload");
  ASSERT_TRUE(req->content_type.starts_with("multipart/form-data; boundary="));
  const std::string boundary = req->content_type.substr(std::string_view("multipart/form-data; boundary=").size());
  const std::string expected = "--" + boundary +
                               "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"face.jpg\"\r\n"
                               "Content-Type: application/octet-stream\r\n\r\n" +
                               kPhoto + "\r\n--" + boundary + "--\r\n";
  EXPECT_EQ(req->body(), expected);
  ASSERT_NE(upload.find_lane("upload"), nullptr);
  EXPECT_EQ(upload.default_rate(), (std::vector<RateTier>{{50, 1}}));
}

TEST_F(FacesFromPhotos, UploadOfAPhotoChangedSinceThePlanIsRefused) {
  const std::string path = dir.write("e001.jpg", kPhoto);
  auto c = target();
  auto doc = c->project(with_photo("e001.jpg"));
  ASSERT_TRUE(doc);
  dir.write("e001.jpg", kPhoto + "more");
  auto req = c->update().prior()->build_request(*doc);
  ASSERT_FALSE(req);
  EXPECT_NE(req.error().str().find("changed after the plan"), std::string::npos) << req.error().str();
}

TEST_F(FacesFromPhotos, UploadAnswerGivesTheFileId) {
  auto c = target();  // the operation lives as long as its connector
  const PriorOperation& upload = *c->update().prior();
  auto id = upload.read_given(R"({"code":0,"msg":"success","data":{"file":{"file_id":"6b30e7636a38861bbe02869c726a4612"}}})");
  ASSERT_TRUE(id) << id.error().str();
  EXPECT_EQ(*id, "6b30e7636a38861bbe02869c726a4612");
  auto none = upload.read_given(R"({"code":0,"msg":"success","data":{"file":{"id":"x"}}})");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, Error::Kind::kProtocol);
}

TEST_F(FacesFromPhotos, UpdateSendsTheUploadedIdAsFaceKeyAndNoPhoto) {
  dir.write("e001.jpg", kPhoto);
  auto c = target();
  auto doc = c->project(with_photo("e001.jpg"));
  ASSERT_TRUE(doc);
  auto req = c->update().build_request_given(*doc, nullptr, "fid-1");
  ASSERT_TRUE(req) << req.error().str();
  EXPECT_EQ(req->method, "POST");
  EXPECT_EQ(req->target, "/open-apis/attendance/v1/user_settings/modify?employee_type=employee_no");
  EXPECT_EQ(req->body(), R"({"user_setting":{"face_key":"fid-1","face_key_update_time":"1625681917","user_id":"E001"}})");
  // Without the upload's id there is nothing to send.
  EXPECT_FALSE(c->update().build_request(*doc, nullptr));
}

TEST_F(FacesFromPhotos, ReadTakesThePhotoLastUploaded) {
  dir.write("e001.jpg", kPhoto);
  auto c = target();
  auto doc = c->project(with_photo("e001.jpg"));
  ASSERT_TRUE(doc);
  const std::vector<std::string> keys = {"E001"};
  auto page = c->read()->read_page(
      keys, R"({"code":0,"data":{"user_settings":[{"user_id":"E001","face_key":"fid-1","face_key_update_time":"1625681917"}]}})");
  ASSERT_TRUE(page) << page.error().str();
  ASSERT_EQ(page->found.size(), 1u);
  Document held = page->found[0];
  c->read()->complete(held, *doc);
  EXPECT_EQ(held.body, doc->body);
  EXPECT_EQ(held.hash, doc->hash);
}

// Every row of the upload's table classifies as it says; it takes the common Feishu codes.
TEST_F(FacesFromPhotos, EveryUploadCodeRowClassifiesAsItsTableSays) {
  auto c = target();  // the operation lives as long as its connector
  const PriorOperation& upload = *c->update().prior();
  std::set<std::int64_t> have;
  for (const CodeRule& row : upload.codes()) {
    EXPECT_TRUE(have.insert(row.code).second) << row.code;
    const std::string body = fmt::format(R"({{"code":{},"msg":"m{}","data":{{}}}})", row.code, row.code);
    const Verdict v = upload.classify(row.http_status != 0 ? row.http_status : 400, body);
    EXPECT_EQ(v.disposition, row.disposition) << row.code;
    EXPECT_EQ(v.code, row.code);
    EXPECT_TRUE(v.documented) << row.code;
    EXPECT_FALSE(row.meaning.empty()) << row.code;
  }
  for (std::int64_t code : {1220001, 1220002, 1225000, 1227000}) EXPECT_TRUE(have.contains(code)) << code;
  for (const CodeRule& common : kFeishuCommonCodes) EXPECT_TRUE(have.contains(common.code)) << common.code;
  EXPECT_EQ(upload.classify(400, R"({"code":1220001,"msg":"m"})").disposition, Disposition::kPermanent);
  EXPECT_EQ(upload.classify(500, R"({"code":1225000,"msg":"m"})").disposition, Disposition::kRetry);
  EXPECT_EQ(upload.classify(200, R"({"code":0,"msg":"success","data":{"file":{"file_id":"f"}}})").disposition,
            Disposition::kSuccess);
}

TEST(FacesFromPhotosOptions, FaceFromTakesColumnOrPhoto) {
  TargetOptions o;
  o.face_from = "picture";
  auto bad = make_target("attendance_face", o);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where, "targets.attendance_face.face_from");
  TargetOptions other;
  other.face_from = "photo";
  auto elsewhere = make_target("contact_user", other);
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().where, "targets.contact_user.face_from");
}

}  // namespace
}  // namespace hrsync
