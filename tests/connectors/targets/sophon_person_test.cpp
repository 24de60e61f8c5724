// sophon_person: photo content hashing in the document, base64 inlining in the request.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "connectors/targets/target_connector.h"
#include "diff/document.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;
using testing::TempDir;
using testing::valid_employee;

// The photo bytes: binary, with NUL and high bytes, and a length that needs base64 padding.
const std::string kPhoto("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01photo", 17);
const std::string kPhotoBase64 = "/9j/4AAQSkZJRgABcGhvdG8=";

std::string hash_member(std::string_view bytes) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(content_hash(bytes)));
  return std::string(R"("reg_photo":"xxh3:)") + hex + "\"";
}

struct Photos : ::testing::Test {
  TempDir dir;
  TargetOptions options;
  Photos() { options.photo_dir = dir.path().string(); }

  Document project(const Record& r) {
    auto doc = connector("sophon_person", options)->project(r);
    if (!doc) ADD_FAILURE() << doc.error().field << ": " << doc.error().rule;
    return doc.value_or(Document{});
  }
  Record with_photo(const std::string& cell) {
    Record r = valid_employee();
    r.at(Field::kPhoto) = cell;
    return r;
  }
};

TEST_F(Photos, DocumentHoldsTheContentHashAndTheResolvedPath) {
  const std::string path = dir.write("e001.jpg", kPhoto);
  const Document d = project(with_photo("e001.jpg"));
  EXPECT_EQ(d.body, R"({"identity_id":"E001","info":{"name":"张三","permission_ids":["1","2"],"type":1},)" +
                        hash_member(kPhoto) + "}");
  EXPECT_EQ(d.attachment, path);
  EXPECT_EQ(d.hash, content_hash(d.body));
}

TEST_F(Photos, HashFollowsContentNotPath) {
  dir.write("a.jpg", kPhoto);
  dir.write("b.jpg", kPhoto);
  const Document a = project(with_photo("a.jpg"));
  EXPECT_EQ(a.hash, project(with_photo("b.jpg")).hash);
  dir.write("a.jpg", kPhoto + "!");
  EXPECT_NE(a.hash, project(with_photo("a.jpg")).hash);
}

TEST_F(Photos, AbsolutePathsIgnorePhotoDir) {
  TempDir other;
  const std::string path = other.write("x.jpg", kPhoto);
  const Document d = project(with_photo(path));
  EXPECT_EQ(d.attachment, path);
}

TEST_F(Photos, RequestInlinesThePhotoAsBase64) {
  dir.write("e001.jpg", kPhoto);
  auto c = connector("sophon_person", options);
  const Document d = project(with_photo("e001.jpg"));
  auto req = c->update().build_request(d, nullptr);
  ASSERT_TRUE(req.has_value()) << req.error().str();
  EXPECT_EQ(req->method, "PUT");
  EXPECT_EQ(req->target, "/SophonFogSys/api/users");
  EXPECT_EQ(req->body(), R"({"identity_id":"E001","info":{"name":"张三","permission_ids":["1","2"],"type":1},)"
                       R"("reg_photo":")" + kPhotoBase64 + "\"}");
  EXPECT_EQ(req->lane, "");
}

// A photo is read again when it is sent, bounded, and must be the one the plan hashed: a file
// replaced after the plan (another photo, a larger file, a link to /dev/zero) fails that person's
// call with the path and the reason, and nothing larger than the box's 2 MiB is ever read whole.
TEST_F(Photos, APhotoSwappedAfterThePlanIsNotSent) {
  dir.write("e001.jpg", kPhoto);
  auto c = connector("sophon_person", options);
  const Document d = project(with_photo("e001.jpg"));
  dir.write("e001.jpg", std::string(kPhoto) + "another face");
  auto changed = c->update().build_request(d, nullptr);
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().kind, Error::Kind::kIo);
  EXPECT_NE(changed.error().message.find("the photo changed after the plan was made"), std::string::npos)
      << changed.error().str();

  std::string huge(3 * 1024 * 1024, 'x');
  huge.replace(0, 3, "\xff\xd8\xff");
  dir.write("e001.jpg", huge);
  auto larger = c->update().build_request(d, nullptr);
  ASSERT_FALSE(larger.has_value());
  EXPECT_NE(larger.error().message.find("more than 2097152 bytes"), std::string::npos) << larger.error().str();

  std::filesystem::remove(dir.path() / "e001.jpg");
  std::filesystem::create_symlink("/dev/zero", dir.path() / "e001.jpg");
  auto device = c->update().build_request(d, nullptr);
  ASSERT_FALSE(device.has_value());
  EXPECT_NE(device.error().message.find("not a regular file"), std::string::npos) << device.error().str();
}

TEST_F(Photos, LargePhotoRoundTripsThroughBase64) {
  std::string big(300001, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) & 0xff);
  big.replace(0, 3, "\xff\xd8\xff");  // a JPEG signature
  dir.write("big.jpg", big);
  auto c = connector("sophon_person", options);
  auto req = c->update().build_request(project(with_photo("big.jpg")), nullptr);
  ASSERT_TRUE(req.has_value()) << req.error().str();
  simdjson::dom::parser parser;
  std::string_view b64;
  ASSERT_EQ(parser.parse(req->body())["reg_photo"].get_string().get(b64), simdjson::SUCCESS);
  EXPECT_EQ(b64.size(), (big.size() + 2) / 3 * 4);
  // Decode and compare.
  auto value = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
  };
  std::string decoded;
  unsigned bits = 0;
  int nbits = 0;
  for (char ch : b64) {
    if (ch == '=') break;
    bits = (bits << 6) | static_cast<unsigned>(value(ch));
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      decoded.push_back(static_cast<char>((bits >> nbits) & 0xff));
    }
  }
  EXPECT_EQ(decoded, big);
}

TEST_F(Photos, UnreadablePhotoAtRequestTimeIsAnIoErrorNamingThePath) {
  const std::string path = dir.write("gone.jpg", kPhoto);
  auto c = connector("sophon_person", options);
  const Document d = project(with_photo("gone.jpg"));
  std::filesystem::remove(path);
  auto req = c->update().build_request(d, nullptr);
  ASSERT_FALSE(req.has_value());
  EXPECT_EQ(req.error().kind, Error::Kind::kIo);
  EXPECT_NE(req.error().str().find(path), std::string::npos) << req.error().str();
}

TEST_F(Photos, DocumentWithoutPhotoIsSentAsIs) {
  auto c = connector("sophon_person", options);
  const Document d = project(valid_employee());
  auto req = c->update().build_request(d, nullptr);
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->body(), d.body);
}

TEST_F(Photos, PhotoHashWithoutPathIsAnInternalError) {
  dir.write("e001.jpg", kPhoto);
  Document d = project(with_photo("e001.jpg"));
  d.attachment.clear();
  auto req = connector("sophon_person", options)->update().build_request(d, nullptr);
  ASSERT_FALSE(req.has_value());
  EXPECT_EQ(req.error().kind, Error::Kind::kInternal);
}

// Each photo the box would refuse is left out of the document and noted; the rest of the person
// (name, type, groups) is still in it.
TEST_F(Photos, PhotoTheBoxWouldRefuseIsOmittedAndNotedNotTheWholePerson) {
  dir.write("empty.jpg", "");
  dir.write("notes.jpg", "this is a text file, not an image");
  std::string big(2 * 1024 * 1024 + 1, 'x');
  big.replace(0, 3, "\xff\xd8\xff");
  dir.write("big.jpg", big);
  dir.write("limit.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(2 * 1024 * 1024 - 8, 'x'));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"missing.jpg", "missing.jpg"}, {"empty.jpg", "empty"}, {".", "not a regular file"},
      {"notes.jpg", "not a JPEG or PNG"}, {"big.jpg", "2097153 bytes, larger than the 2097152"},
  };
  for (const auto& [cell, why] : cases) {
    Record r = with_photo(cell);
    r.at(Field::kPersonType) = "3";
    const Document d = project(r);
    EXPECT_EQ(d.omitted_field, "reg_photo") << cell;
    EXPECT_NE(d.omitted_rule.find(why), std::string::npos) << cell << ": " << d.omitted_rule;
    EXPECT_EQ(d.body.find("reg_photo"), std::string::npos) << d.body;
    EXPECT_NE(d.body.find(R"("type":3)"), std::string::npos) << d.body;
    EXPECT_TRUE(d.attachment.empty());
  }
  const Document at_limit = project(with_photo("limit.png"));  // exactly 2 MiB, a PNG: taken
  EXPECT_TRUE(at_limit.omitted_field.empty()) << at_limit.omitted_rule;
  EXPECT_NE(at_limit.body.find("reg_photo"), std::string::npos);
}

TEST_F(Photos, PhotoTheBoxHoldsIsNotSentAgain) {
  dir.write("e001.jpg", kPhoto);
  auto c = connector("sophon_person", options);
  const Document before = project(with_photo("e001.jpg"));
  Record renamed = with_photo("e001.jpg");
  renamed.at(Field::kName) = "Renamed Person";
  const Document after = project(renamed);
  auto req = c->update().build_request(after, &before);
  ASSERT_TRUE(req.has_value()) << req.error().str();
  EXPECT_EQ(req->body().find("reg_photo"), std::string::npos) << req->body();
  EXPECT_NE(req->body().find("Renamed Person"), std::string::npos) << req->body();
  dir.write("e001.jpg", kPhoto + "2");  // new content under the same path: sent
  auto again = c->update().build_request(project(renamed), &before);
  ASSERT_TRUE(again.has_value());
  EXPECT_NE(again->body().find("reg_photo"), std::string::npos);
}

// An empty person_type or permission_ids cell keeps the last applied value (the box would reset
// it to employee / ["0"]); a refused or empty photo cell keeps the last photo's hash.
TEST_F(Photos, EmptyCellsKeepTheLastAppliedTypeGroupsAndPhoto) {
  dir.write("e001.jpg", kPhoto);
  auto c = connector("sophon_person", options);
  Record r = with_photo("e001.jpg");
  r.at(Field::kPersonType) = "3";
  r.at(Field::kPermissionIds) = "2;7";
  const Document last = project(r);
  r.at(Field::kPersonType) = "";
  r.at(Field::kPermissionIds) = "";
  r.at(Field::kPhoto) = "";
  Document desired = project(r);
  EXPECT_NE(desired.hash, last.hash);
  c->keep_unset(desired, last);
  EXPECT_EQ(desired.body, last.body);
  EXPECT_EQ(desired.hash, last.hash);
  // A cell that holds a value wins.
  r.at(Field::kPersonType) = "5";
  Document vip = project(r);
  c->keep_unset(vip, last);
  EXPECT_NE(vip.body.find(R"("type":5)"), std::string::npos) << vip.body;
  EXPECT_NE(vip.body.find(R"("permission_ids":["2","7"])"), std::string::npos) << vip.body;
}

TEST_F(Photos, OnMissingRevokesOrBlacklistsAndKeepsTheRest) {
  Record r = valid_employee();
  r.at(Field::kPersonType) = "5";
  r.at(Field::kPermissionIds) = "1;2";
  const Document last = project(r);
  EXPECT_FALSE(connector("sophon_person", options)->on_missing(last).has_value());
  options.on_missing = "revoke";
  auto revoked = connector("sophon_person", options)->on_missing(last);
  ASSERT_TRUE(revoked.has_value());
  EXPECT_NE(revoked->body.find(R"("permission_ids":[])"), std::string::npos) << revoked->body;
  EXPECT_NE(revoked->body.find(R"("type":5)"), std::string::npos) << revoked->body;
  EXPECT_EQ(connector("sophon_person", options)->on_missing(*revoked)->hash, revoked->hash);  // settled
  options.on_missing = "blacklist";
  auto blacklisted = connector("sophon_person", options)->on_missing(last);
  ASSERT_TRUE(blacklisted.has_value());
  EXPECT_NE(blacklisted->body.find(R"("type":3)"), std::string::npos) << blacklisted->body;
  EXPECT_NE(blacklisted->body.find(R"("permission_ids":["1","2"])"), std::string::npos) << blacklisted->body;
}

// A revoked or blacklisted leaver back in the source: the type and groups its record leaves empty
// are those before hrsync took them, or the box's defaults; what the record gives is sent as given.
TEST_F(Photos, AReturningLeaverGetsBackTheTypeAndGroupsItHadBefore) {
  options.on_missing = "blacklist";
  auto c = connector("sophon_person", options);
  Record r = valid_employee();
  r.at(Field::kPersonType) = "5";
  r.at(Field::kPermissionIds) = "1;2";
  const Document before = project(r);
  r.at(Field::kPersonType) = "";
  r.at(Field::kPermissionIds) = "";
  const Document bare = project(r);
  auto back = c->on_return(bare, before);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->body, before.body);
  EXPECT_EQ(back->hash, before.hash);

  auto defaults = c->on_return(bare, bare);
  ASSERT_TRUE(defaults.has_value());
  EXPECT_NE(defaults->body.find(R"("permission_ids":["0"])"), std::string::npos) << defaults->body;
  EXPECT_NE(defaults->body.find(R"("type":1)"), std::string::npos) << defaults->body;

  EXPECT_FALSE(c->on_return(before, bare).has_value());  // the record gives both
}

}  // namespace
}  // namespace hrsync
