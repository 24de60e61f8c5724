// CSV encodings and keys: a GB18030 export (made here from UTF-8 with glibc's iconv) reads into
// the same records as its UTF-8 original; read as UTF-8 it fails at open naming the option; keys
// lose their surrounding spaces.
#include <iconv.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connectors/sources/csv_source.h"
#include "tests/connectors/sources/read_all.h"
#include "tests/connectors/sources/temp_dir.h"

namespace hrsync {
namespace {

using testing::groups_options;
using testing::read_all;
using testing::TempDir;

// `utf8` in GB18030, through iconv(3).
std::string to_gb18030(const std::string& utf8) {
  iconv_t cd = ::iconv_open("GB18030", "UTF-8");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  std::size_t in_left = utf8.size();
  char* o = out.data();
  std::size_t o_left = out.size();
  EXPECT_NE(::iconv(cd, &in, &in_left, &o, &o_left), static_cast<std::size_t>(-1));
  ::iconv_close(cd);
  out.resize(out.size() - o_left);
  return out;
}

const std::string kUtf8 =
    "group_id,name,description\n"
    "g1,销售部,负责华东区的销售\n"
    "g2,研发中心,\"产品, 平台与基础设施\"\n"
    "g3,财务部,月结与报销\n"
    "g4,人力资源部,招聘与培训\n";

std::vector<std::vector<std::string>> rows(const std::vector<Record>& records) {
  std::vector<std::vector<std::string>> out;
  for (const Record& r : records) {
    out.push_back({std::string(r.get(Field::kGroupId)), std::string(r.get(Field::kName)),
                   std::string(r.get(Field::kDescription)), r.origin.str()});
  }
  return out;
}

struct CsvEncodingTest : ::testing::Test {
  TempDir dir;

  std::vector<std::vector<std::string>> read(const std::string& name, const std::string& bytes, const CsvOptions& csv) {
    auto source = open_csv_source(dir.write(name, bytes), groups_options(), csv);
    EXPECT_TRUE(source) << source.error().str();
    if (!source) return {};
    auto got = read_all(**source);
    EXPECT_TRUE(got.status);
    EXPECT_TRUE(got.rejections.empty()) << got.rejections.front().reason;
    return rows(got.records);
  }
};

TEST_F(CsvEncodingTest, AGb18030ExportReadsIntoTheSameRecordsAsItsUtf8Original) {
  const std::string gb = to_gb18030(kUtf8);
  ASSERT_NE(gb, kUtf8);
  CsvOptions gb_csv;
  gb_csv.encoding = "gb18030";
  auto from_utf8 = read("same.csv", kUtf8, CsvOptions{});
  auto from_gb = read("same.csv", gb, gb_csv);  // same path, so origins compare equal
  ASSERT_EQ(from_utf8.size(), 4u);
  EXPECT_EQ(from_gb, from_utf8);
  EXPECT_EQ(from_gb[1][2], "产品, 平台与基础设施");
}

TEST_F(CsvEncodingTest, AGb18030ExportReadAsUtf8FailsAtOpenNamingTheOption) {
  const std::string path = dir.write("excel.csv", to_gb18030(kUtf8));
  auto source = open_csv_source(path, groups_options(), CsvOptions{});
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().kind, Error::Kind::kInput);
  const std::string text = source.error().str();
  EXPECT_NE(text.find(path), std::string::npos) << text;
  EXPECT_NE(text.find("encoding = \"gb18030\""), std::string::npos) << text;
  EXPECT_NE(text.find("GB18030"), std::string::npos) << text;
}

// One bad byte in a UTF-8 file is that row's problem, not a wrong encoding.
TEST_F(CsvEncodingTest, AStrayBadByteInAUtf8FileRejectsItsRowOnly) {
  auto source = open_csv_source(dir.write("mostly.csv", kUtf8 + "g5,Caf\xe9 team,x\n"), groups_options(), CsvOptions{});
  ASSERT_TRUE(source) << source.error().str();
  auto got = read_all(**source);
  EXPECT_EQ(got.records.size(), 4u);
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_NE(got.rejections[0].reason.find("invalid UTF-8"), std::string::npos);
}

TEST_F(CsvEncodingTest, BytesThatAreNotGb18030AreNamedByLine) {
  CsvOptions csv;
  csv.encoding = "gb18030";
  const std::string path = dir.write("bad.csv", to_gb18030(kUtf8) + "g9,\x81\x20,x\n");
  auto source = open_csv_source(path, groups_options(), csv);
  ASSERT_FALSE(source);
  EXPECT_NE(source.error().str().find(path + ":6"), std::string::npos) << source.error().str();
}

TEST_F(CsvEncodingTest, AnUnknownEncodingIsAConfigError) {
  CsvOptions csv;
  csv.encoding = "latin-1";
  auto source = open_csv_source(dir.write("x.csv", kUtf8), groups_options(), csv);
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().kind, Error::Kind::kConfig);
}

// " g1 " and "g1" are one group: keys lose surrounding spaces and tabs; other cells do not.
TEST_F(CsvEncodingTest, KeysAreTrimmedOtherCellsKeptAsWritten) {
  auto got = read("keys.csv", "group_id,name,description\n g1 ,\" Sales \",x\n\tg2,Ops,y\n", CsvOptions{});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0][0], "g1");
  EXPECT_EQ(got[0][1], " Sales ");
  EXPECT_EQ(got[1][0], "g2");
}

}  // namespace
}  // namespace hrsync
