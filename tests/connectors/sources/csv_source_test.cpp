#include "connectors/sources/csv_source.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tests/connectors/sources/read_all.h"
#include "tests/connectors/sources/temp_dir.h"

namespace hrsync {
namespace {

using testing::groups_options;
using testing::read_all;
using testing::SourceContents;
using testing::TempDir;

class CsvSourceTest : public ::testing::Test {
 protected:
  // Writes `bytes` as a CSV file and reads it all; fails the test if the open fails.
  SourceContents read(std::string_view bytes, const SourceOptions& options = groups_options(),
                      const CsvOptions& csv = {}) {
    path_ = dir_.write("in.csv", bytes);
    auto source = open_csv_source(path_, options, csv);
    if (!source) {
      ADD_FAILURE() << "open failed: " << source.error().str();
      return {};
    }
    return read_all(**source);
  }

  Error open_error(std::string_view bytes, const SourceOptions& options = groups_options()) {
    path_ = dir_.write("in.csv", bytes);
    auto source = open_csv_source(path_, options);
    if (source) {
      ADD_FAILURE() << "open succeeded";
      return {};
    }
    return source.error();
  }

  std::string where(int line) const { return path_ + ":" + std::to_string(line); }

  TempDir dir_;
  std::string path_;
};

std::vector<std::string> values(const Record& r) {
  return {std::string(r.get(Field::kGroupId)), std::string(r.get(Field::kName)),
          std::string(r.get(Field::kDescription))};
}

using Row = std::vector<std::string>;

TEST_F(CsvSourceTest, ReadsRowsWithOriginPathAndLine) {
  const auto got = read("group_id,name,description\ng1,Sales,Sells\ng2,Ops,Runs\n");
  ASSERT_TRUE(got.status);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(values(got.records[0]), (Row{"g1", "Sales", "Sells"}));
  EXPECT_EQ(values(got.records[1]), (Row{"g2", "Ops", "Runs"}));
  EXPECT_EQ(got.records[0].origin.str(), where(2));
  EXPECT_EQ(got.records[1].origin.str(), where(3));
  EXPECT_TRUE(got.rejections.empty());
}

TEST_F(CsvSourceTest, ColumnsMapByHeaderNameInAnyOrder) {
  const auto got = read("description,group_id,name\nRuns,g2,Ops\n");
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(values(got.records[0]), (Row{"g2", "Ops", "Runs"}));
}

TEST_F(CsvSourceTest, UnknownColumnsAreIgnoredAndFieldsNotInTheFileStayEmpty) {
  const auto got = read("group_id,owner,name\ng1,alice,Sales\n");
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(values(got.records[0]), (Row{"g1", "Sales", ""}));
  for (std::size_t f = 0; f < kFieldCount; ++f) {
    const auto field = static_cast<Field>(f);
    if (field != Field::kGroupId && field != Field::kName) {
      EXPECT_EQ(got.records[0].get(field), "") << f;
    }
  }
}

TEST_F(CsvSourceTest, AcceptsCrlfLfAndLoneCrLineEnds) {
  const auto got = read("group_id,name,description\r\ng1,a,b\ng2,c,d\r\ng3,e,f\rg4,g,h\r\n");
  ASSERT_EQ(got.records.size(), 4u);
  EXPECT_EQ(values(got.records[0]), (Row{"g1", "a", "b"}));
  EXPECT_EQ(values(got.records[1]), (Row{"g2", "c", "d"}));
  EXPECT_EQ(values(got.records[2]), (Row{"g3", "e", "f"}));
  EXPECT_EQ(values(got.records[3]), (Row{"g4", "g", "h"}));
  EXPECT_EQ(got.records[3].origin.str(), where(5));
}

// A file that ends inside a row was cut short: its last value may be a part of one ("d" of "dev").
TEST_F(CsvSourceTest, LastRowWithoutLineBreakIsRejectedAsCutShort) {
  const auto got = read("group_id,name,description\ng1,a,b\ng2,c,d");
  ASSERT_EQ(got.records.size(), 1u);
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_EQ(got.rejections[0].origin.str(), where(3));
  EXPECT_EQ(got.rejections[0].key, "g2");
  EXPECT_NE(got.rejections[0].reason.find("field 3 (description)"), std::string::npos) << got.rejections[0].reason;
  EXPECT_NE(got.rejections[0].reason.find("cut short"), std::string::npos) << got.rejections[0].reason;
}

TEST_F(CsvSourceTest, SkipsAByteOrderMark) {
  const auto got = read("\xEF\xBB\xBFgroup_id,name,description\ng1,a,b\n");
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(values(got.records[0]), (Row{"g1", "a", "b"}));
}

TEST_F(CsvSourceTest, QuotedFieldsHoldDelimitersQuotesAndLineBreaks) {
  const auto got = read(
      "group_id,name,description\n"
      "\"g1\",\"Sales, East\",\"say \"\"hi\"\"\"\n"
      "g2,\"two\nlines\",\"crlf\r\ninside\"\n"
      "g3,\"\",\"\"\"\"\n");
  ASSERT_EQ(got.records.size(), 3u);
  EXPECT_EQ(values(got.records[0]), (Row{"g1", "Sales, East", "say \"hi\""}));
  EXPECT_EQ(values(got.records[1]), (Row{"g2", "two\nlines", "crlf\r\ninside"}));
  EXPECT_EQ(values(got.records[2]), (Row{"g3", "", "\""}));
  EXPECT_EQ(got.records[1].origin.str(), where(3));
  EXPECT_EQ(got.records[2].origin.str(), where(6));  // line breaks inside quotes count
}

TEST_F(CsvSourceTest, KeepsValuesExactlyAsWritten) {
  const auto got = read("group_id,name,description\ng1,  padded  ,\" quoted space \"\n");
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(values(got.records[0]), (Row{"g1", "  padded  ", " quoted space "}));
}

TEST_F(CsvSourceTest, EmptyFieldsAreEmptyValues) {
  const auto got = read("group_id,name,description\ng1,,\ng2,\"\",x\n");
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(values(got.records[0]), (Row{"g1", "", ""}));
  EXPECT_EQ(values(got.records[1]), (Row{"g2", "", "x"}));
}

TEST_F(CsvSourceTest, BlankLinesAreSkippedButCounted) {
  const auto got = read("group_id,name,description\n\ng1,a,b\r\n\r\n\ng2,c,d\n\n");
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[0].origin.str(), where(3));
  EXPECT_EQ(got.records[1].origin.str(), where(6));
  EXPECT_TRUE(got.rejections.empty());
}

TEST_F(CsvSourceTest, HeaderOnlyGivesNoRecordsAndNoError) {
  const auto got = read("group_id,name,description\n");
  EXPECT_TRUE(got.status);
  EXPECT_TRUE(got.records.empty());
  EXPECT_TRUE(got.rejections.empty());
}

TEST_F(CsvSourceTest, EmptyFileIsAnError) {
  for (std::string_view bytes : {std::string_view(""), std::string_view("\xEF\xBB\xBF"), std::string_view("\n\n")}) {
    const Error e = open_error(bytes);
    EXPECT_EQ(e.kind, Error::Kind::kInput);
    EXPECT_EQ(e.where, path_);
    EXPECT_NE(e.message.find("empty"), std::string::npos) << e.message;
  }
}

TEST_F(CsvSourceTest, MissingFileIsAnIoError) {
  auto source = open_csv_source(dir_.path("nope.csv"), groups_options());
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().kind, Error::Kind::kIo);
  EXPECT_NE(source.error().str().find("nope.csv"), std::string::npos);
}

TEST_F(CsvSourceTest, MissingRequiredColumnNamesColumnFileAndHeader) {
  SourceOptions options;  // employees
  options.required = {Field::kMobile};
  const Error e = open_error("employee_no,name,email\nE1,a,b\n", options);
  EXPECT_EQ(e.kind, Error::Kind::kInput);
  EXPECT_EQ(e.where, path_);
  EXPECT_NE(e.message.find("\"mobile\""), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("employee_no, name, email"), std::string::npos) << e.message;
}

TEST_F(CsvSourceTest, DataWhereTheHeaderShouldBeIsNamedAsAMissingHeader) {
  const Error e = open_error("g1,Sales,Sells\ng2,Ops,Runs\n");
  EXPECT_EQ(e.kind, Error::Kind::kInput);
  EXPECT_EQ(e.where, path_ + ":1");
  EXPECT_NE(e.message.find("header row is missing"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("found \"g1,Sales,Sells\""), std::string::npos) << e.message;
}

TEST_F(CsvSourceTest, MissingKeyColumnIsAnError) {
  const Error e = open_error("name,description\na,b\n");
  EXPECT_NE(e.message.find("\"group_id\""), std::string::npos) << e.message;
}

TEST_F(CsvSourceTest, DuplicateCanonicalHeaderColumnIsAnError) {
  const Error e = open_error("group_id,name,name\ng1,a,b\n");
  EXPECT_EQ(e.kind, Error::Kind::kInput);
  EXPECT_NE(e.message.find("columns 2 and 3"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("\"name\""), std::string::npos) << e.message;
}

TEST_F(CsvSourceTest, DuplicateIgnoredHeaderColumnsAreFine) {
  const auto got = read("group_id,note,name,note\ng1,x,a,y\n");
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].get(Field::kName), "a");
}

TEST_F(CsvSourceTest, RenamesMapHeaderTextToCanonicalColumns) {
  SourceOptions options = groups_options();
  options.renames = {{Field::kName, "组名"}, {Field::kGroupId, "ID"}};
  // With a rename, the canonical name itself is just another column: ignored.
  const auto got = read("ID,组名,name,description\ng1,销售部,ignored,d\n", options);
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(values(got.records[0]), (Row{"g1", "销售部", "d"}));
}

TEST_F(CsvSourceTest, MissingRenamedColumnIsNamedWithBothNames) {
  SourceOptions options = groups_options();
  options.renames = {{Field::kGroupId, "ID"}};
  const Error e = open_error("group_id,name\ng1,a\n", options);
  EXPECT_NE(e.message.find("\"ID\" (canonical \"group_id\")"), std::string::npos) << e.message;
}

TEST_F(CsvSourceTest, ContradictoryRenamesAreAConfigError) {
  SourceOptions options = groups_options();
  options.renames = {{Field::kName, "X"}, {Field::kDescription, "X"}};
  const Error e = open_error("group_id,X\ng1,a\n", options);
  EXPECT_EQ(e.kind, Error::Kind::kConfig);
}

TEST_F(CsvSourceTest, WrongFieldCountIsRejectedWithLineAndKey) {
  const auto got = read("group_id,name,description\ng1,a\ng2,b,c\ng3,a,b,c\n");
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].get(Field::kGroupId), "g2");
  ASSERT_EQ(got.rejections.size(), 2u);
  EXPECT_EQ(got.rejections[0].origin.str(), where(2));
  EXPECT_EQ(got.rejections[0].key, "g1");
  EXPECT_EQ(got.rejections[0].reason, "expected 3 fields, found 2");
  EXPECT_EQ(got.rejections[1].origin.str(), where(4));
  EXPECT_EQ(got.rejections[1].reason, "expected 3 fields, found 4");
}

TEST_F(CsvSourceTest, EmptyKeyIsRejected) {
  const auto got = read("group_id,name,description\n,a,b\n\"\",c,d\ng1,e,f\n");
  ASSERT_EQ(got.records.size(), 1u);
  ASSERT_EQ(got.rejections.size(), 2u);
  EXPECT_EQ(got.rejections[0].origin.str(), where(2));
  EXPECT_EQ(got.rejections[0].reason, "empty key (group_id)");
  EXPECT_EQ(got.rejections[1].origin.str(), where(3));
}

TEST_F(CsvSourceTest, UnterminatedQuoteAtEndIsRejectedNamingTheLine) {
  const auto got = read("group_id,name,description\ng1,a,b\ng2,\"open\nmore\n");
  ASSERT_EQ(got.records.size(), 1u);
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_EQ(got.rejections[0].origin.str(), where(3));
  EXPECT_EQ(got.rejections[0].key, "g2");
  EXPECT_NE(got.rejections[0].reason.find("field 2 (name) opens a quote at line 3"), std::string::npos)
      << got.rejections[0].reason;
  EXPECT_TRUE(got.status);
}

TEST_F(CsvSourceTest, StrayQuoteAndTextAfterQuoteAreRejected) {
  const auto got = read("group_id,name,description\ng1,a\"b,c\ng2,\"a\"b,c\ng3,ok,ok\n");
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].get(Field::kGroupId), "g3");
  ASSERT_EQ(got.rejections.size(), 2u);
  EXPECT_NE(got.rejections[0].reason.find("quote inside unquoted field 2 (name)"), std::string::npos);
  EXPECT_NE(got.rejections[1].reason.find("after the closing quote of field 2 (name)"), std::string::npos);
  EXPECT_EQ(got.records[0].origin.str(), where(4));
}

TEST_F(CsvSourceTest, FieldLongerThanTheLimitIsRejected) {
  CsvOptions csv;
  csv.max_field_bytes = 11;  // "description" fits
  const auto got = read("group_id,name,description\ng1,123456789012,x\ng2,12345678901,x\n", groups_options(), csv);
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].get(Field::kName), "12345678901");
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_EQ(got.rejections[0].key, "g1");
  EXPECT_NE(got.rejections[0].reason.find("field 2 (name) is longer than 11 bytes"), std::string::npos);
}

TEST_F(CsvSourceTest, OtherDelimiter) {
  CsvOptions csv;
  csv.delimiter = ';';
  const auto got = read("group_id;name;description\ng1;\"a;b\";c,d\n", groups_options(), csv);
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(values(got.records[0]), (Row{"g1", "a;b", "c,d"}));
}

struct Utf8Case {
  const char* name;
  std::string row;       // a data row, after the header
  std::string reason;    // expected in the rejection reason
  std::string key;       // expected rejection key
};

class CsvUtf8Test : public CsvSourceTest, public ::testing::WithParamInterface<Utf8Case> {};

TEST_P(CsvUtf8Test, RowWithInvalidUtf8IsRejectedAndReadingGoesOn) {
  const Utf8Case& c = GetParam();
  const auto got = read("group_id,name,description\ng0,好,ok\n" + c.row + "g9,末,ok\n");
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[0].get(Field::kGroupId), "g0");
  EXPECT_EQ(got.records[1].get(Field::kGroupId), "g9");
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_EQ(got.rejections[0].origin.str(), where(3));
  EXPECT_EQ(got.rejections[0].key, c.key);
  EXPECT_NE(got.rejections[0].reason.find(c.reason), std::string::npos) << got.rejections[0].reason;
}

INSTANTIATE_TEST_SUITE_P(
    Positions, CsvUtf8Test,
    ::testing::Values(
        Utf8Case{"InKey", "g\xFF,a,b\n", "field 1 (group_id): byte 0xFF at byte 2", ""},
        Utf8Case{"InMiddleField", "g1,\xC3\x28,b\n", "field 2 (name): byte 0xC3 at byte 1", "g1"},
        Utf8Case{"InLastField", "g1,a,abc\xE4\xBD\n", "field 3 (description): byte 0xE4 at byte 4", "g1"},
        Utf8Case{"InQuotedField", "g1,\"x,\xF0\x9F\x98\",b\n", "field 2 (name): byte 0xF0 at byte 4", "g1"},
        Utf8Case{"Overlong", "g1,\xC0\xAF,b\n", "byte 0xC0", "g1"},
        Utf8Case{"Surrogate", "g1,\xED\xA0\x80,b\n", "byte 0xED", "g1"},
        Utf8Case{"AboveMaxCodePoint", "g1,\xF4\x90\x80\x80,b\n", "byte 0xF4", "g1"},
        Utf8Case{"LoneContinuation", "g1,a\x80,b\n", "byte 0x80 at byte 2", "g1"},
        Utf8Case{"WholeField", "g1,a,\xFE\n", "field 3 (description): byte 0xFE at byte 1", "g1"},
        Utf8Case{"SpansTwoLinesInQuotes", "g1,\"a\n\xC3\",b\n", "field 2 (name)", "g1"}),
    [](const ::testing::TestParamInfo<Utf8Case>& p) { return std::string(p.param.name); });

TEST_F(CsvSourceTest, InvalidUtf8InAnIgnoredColumnStillRejectsTheRow) {
  const auto got = read("group_id,note,name\ng1,\xFF,a\ng2,ok,b\n");
  ASSERT_EQ(got.records.size(), 1u);
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_EQ(got.rejections[0].key, "g1");
  EXPECT_NE(got.rejections[0].reason.find("field 2 (note)"), std::string::npos) << got.rejections[0].reason;
}

TEST_F(CsvSourceTest, TruncatedSequenceAtEndOfFileIsRejected) {
  const auto got = read("group_id,name,description\ng1,a,b\ng2,a,\xE5\xA5");
  ASSERT_EQ(got.records.size(), 1u);
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_EQ(got.rejections[0].origin.str(), where(3));
  // The file ends inside the row, which says more than the character cut in two.
  EXPECT_NE(got.rejections[0].reason.find("field 3 (description)"), std::string::npos) << got.rejections[0].reason;
  EXPECT_NE(got.rejections[0].reason.find("cut short"), std::string::npos) << got.rejections[0].reason;
}

TEST_F(CsvSourceTest, SeveralBadRowsInARowAreEachRejected) {
  const auto got = read("group_id,name,description\ng1,\xFF,\xFF\ng2,\xFF,b\ng3,a,b\ng4,\xFF,\n");
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].get(Field::kGroupId), "g3");
  ASSERT_EQ(got.rejections.size(), 3u);
  EXPECT_EQ(got.rejections[0].key, "g1");
  EXPECT_EQ(got.rejections[1].key, "g2");
  EXPECT_EQ(got.rejections[2].key, "g4");
}

TEST_F(CsvSourceTest, InvalidUtf8InHeaderFailsTheOpen) {
  const Error e = open_error("group_id,na\xFFme,description\ng1,a,b\n");
  EXPECT_EQ(e.kind, Error::Kind::kInput);
  EXPECT_EQ(e.where, path_ + ":1");
  EXPECT_NE(e.message.find("invalid UTF-8"), std::string::npos) << e.message;
}

TEST_F(CsvSourceTest, ReusesTheRecordStringsRowAfterRow) {
  const auto path = dir_.write("in.csv", "group_id,name,description\ng1,a long name to warm up,d\ng2,b,e\n");
  auto source = open_csv_source(path, groups_options());
  ASSERT_TRUE(source);
  Record r;
  ASSERT_TRUE((*source)->next(r));
  const char* name_storage = r.get(Field::kName).data();
  ASSERT_TRUE((*source)->next(r));
  EXPECT_EQ(r.get(Field::kName), "b");
  EXPECT_EQ(r.get(Field::kName).data(), name_storage);
  EXPECT_FALSE((*source)->next(r));
}

// A file full of awkward content, written by a plain CSV writer, must read back the same with
// any buffer size: every boundary lands inside quotes, quote pairs, CRLFs and UTF-8 sequences.
std::string random_value(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {"a", "Z", "9", ",", "\"", "\n", "\r\n", " ", "好",
                                                   "😀", "é", ";", "\"\"", "x,y"};
  std::string v;
  const int n = std::uniform_int_distribution<int>(0, 12)(rng);
  for (int i = 0; i < n; ++i) v += kPieces[std::uniform_int_distribution<std::size_t>(0, kPieces.size() - 1)(rng)];
  if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) v.append(300, 'L');  // longer than small buffers
  return v;
}

std::string csv_field(const std::string& v, bool force_quotes) {
  if (!force_quotes && v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

TEST_F(CsvSourceTest, RandomContentReadsBackWithAnyBufferSize) {
  std::mt19937 rng(20240601);
  std::vector<Row> rows;
  std::string file = "\xEF\xBB\xBFgroup_id,name,description\r\n";
  for (int i = 0; i < 300; ++i) {
    Row row{"g" + std::to_string(i), random_value(rng), random_value(rng)};
    const bool quote_all = i % 3 == 0;
    file += csv_field(row[0], quote_all) + "," + csv_field(row[1], quote_all) + "," + csv_field(row[2], quote_all);
    file += i % 2 == 0 ? "\r\n" : "\n";
    rows.push_back(row);
  }
  for (std::size_t buffer : {1u, 2u, 3u, 5u, 7u, 16u, 17u, 64u, 1000u, 1u << 20}) {
    CsvOptions csv;
    csv.buffer_size = buffer;
    const auto got = read(file, groups_options(), csv);
    ASSERT_TRUE(got.rejections.empty()) << "buffer " << buffer << ": " << got.rejections[0].reason;
    ASSERT_EQ(got.records.size(), rows.size()) << "buffer " << buffer;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(values(got.records[i]), rows[i]) << "buffer " << buffer << " row " << i;
    }
  }
}

TEST_F(CsvSourceTest, ProblemsAreFoundAtEveryBufferSize) {
  const std::string file =
      "\xEF\xBB\xBFgroup_id,name,description\r\n"
      "g1,\"long long long long quoted\r\nvalue\",\xE4\xB8\xAD\r\n"
      "g2,bad\xE4\xB8,x\r"
      "g3,\"never closed,x\r\n";
  for (std::size_t buffer : {1u, 2u, 3u, 4u, 5u, 8u, 13u, 4096u}) {
    CsvOptions csv;
    csv.buffer_size = buffer;
    const auto got = read(file, groups_options(), csv);
    ASSERT_EQ(got.records.size(), 1u) << "buffer " << buffer;
    EXPECT_EQ(values(got.records[0]), (Row{"g1", "long long long long quoted\r\nvalue", "中"}));
    ASSERT_EQ(got.rejections.size(), 2u) << "buffer " << buffer;
    EXPECT_EQ(got.rejections[0].origin.str(), where(4));
    EXPECT_NE(got.rejections[0].reason.find("invalid UTF-8 in field 2"), std::string::npos);
    EXPECT_EQ(got.rejections[1].origin.str(), where(5));
    EXPECT_NE(got.rejections[1].reason.find("never closed"), std::string::npos);
  }
}

}  // namespace
}  // namespace hrsync

namespace hrsync {
namespace {

using testing::TempDir;

// A source read whole or not at all: a file that ends inside a row, and one that changes while read.
class CsvWholeReadTest : public ::testing::Test {
 protected:
  std::unique_ptr<RecordSource> open(const std::string& path, const SourceOptions& options = {}) {
    auto source = open_csv_source(path, options);
    if (!source) {
      ADD_FAILURE() << source.error().str();
      return nullptr;
    }
    return std::move(*source);
  }

  // Reads `n` records; false when the source ended first.
  static bool take(RecordSource& source, int n) {
    Record r;
    for (int i = 0; i < n; ++i) {
      if (!source.next(r)) return false;
    }
    return true;
  }

  static std::size_t drain(RecordSource& source) {
    Record r;
    std::size_t n = 0;
    while (source.next(r)) ++n;
    return n;
  }

  // A header and `rows` employees E1..En with six-digit cards, every row ending with a line break.
  static std::string employees(int rows) {
    std::string text = "employee_no,name,card_no\n";
    for (int i = 1; i <= rows; ++i) text += fmt::format("E{},Person {},{}\n", i, i, 100000 + i);
    return text;
  }

  TempDir dir_;
};

// The export cut inside its last column: "100988" became "10". Read as a value, that card would be
// sent; the row has no line break after it, so it is rejected instead, naming its line.
TEST_F(CsvWholeReadTest, ARowCutShortAtTheEndOfTheFileIsRejectedWithItsLine) {
  const std::string path = dir_.write("hr.csv", "employee_no,name,card_no\nE1,Ann,100987\nE2,Bob,10");
  auto source = open(path);
  ASSERT_TRUE(source);
  const auto got = testing::read_all(*source);
  ASSERT_TRUE(got.status) << got.status.error().str();
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].get(Field::kEmployeeNo), "E1");
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_EQ(got.rejections[0].origin.str(), path + ":3");
  EXPECT_EQ(got.rejections[0].key, "E2");
  EXPECT_NE(got.rejections[0].reason.find("field 3 (card_no)"), std::string::npos) << got.rejections[0].reason;
  EXPECT_NE(got.rejections[0].reason.find("cut short"), std::string::npos) << got.rejections[0].reason;
}

TEST_F(CsvWholeReadTest, EveryLineBreakEndsARowAndAFileCutAfterOneLosesNothing) {
  for (std::string_view end : {"\n", "\r\n", "\r"}) {
    const std::string path = dir_.write("hr.csv", fmt::format("employee_no,card_no{0}E1,100987{0}E2,100988{0}", end));
    auto source = open(path);
    ASSERT_TRUE(source);
    const auto got = testing::read_all(*source);
    EXPECT_TRUE(got.status);
    EXPECT_EQ(got.records.size(), 2u);
    EXPECT_TRUE(got.rejections.empty()) << got.rejections[0].reason;
  }
  // A closed quote is not the end of a row either.
  const std::string quoted = dir_.write("q.csv", "employee_no,card_no\nE1,\"100987\"\nE2,\"10\"");
  auto source = open(quoted);
  ASSERT_TRUE(source);
  const auto got = testing::read_all(*source);
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_EQ(got.rejections[0].key, "E2");
  EXPECT_NE(got.rejections[0].reason.find("cut short"), std::string::npos) << got.rejections[0].reason;
}

TEST_F(CsvWholeReadTest, AHeaderCutShortIsAnErrorAtOpen) {
  const std::string path = dir_.write("hr.csv", "employee_no,name,card_n");
  auto source = open_csv_source(path, SourceOptions{});
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().kind, Error::Kind::kInput);
  EXPECT_NE(source.error().message.find("cut short"), std::string::npos) << source.error().str();
}

// The stamp is taken at open and compared after the last row: rows are read, the file is written
// to, the rest is read. Whatever was read, the source fails at its end, naming the file.
TEST_F(CsvWholeReadTest, AFileAppendedToWhileReadFailsTheReadAtItsEnd) {
  const std::string path = dir_.write("hr.csv", employees(50));
  auto source = open(path);
  ASSERT_TRUE(source);
  ASSERT_TRUE(take(*source, 3));
  std::ofstream(path, std::ios::app) << "E51,Person 51,100051\n";
  drain(*source);
  ASSERT_FALSE(source->status());
  const Error& e = source->status().error();
  EXPECT_EQ(e.kind, Error::Kind::kSourceRead);
  EXPECT_EQ(e.where, path);
  EXPECT_NE(e.message.find("changed while it was read"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("size went from"), std::string::npos) << e.str();
}

TEST_F(CsvWholeReadTest, AFileRewrittenInPlaceToTheSameSizeFailsTheRead) {
  const std::string path = dir_.write("hr.csv", employees(50));
  auto source = open(path);
  ASSERT_TRUE(source);
  ASSERT_TRUE(take(*source, 3));
  dir_.write("hr.csv", employees(50));  // the same bytes, written again: only its time tells
  const timespec later[2] = {{0, UTIME_OMIT}, {std::time(nullptr) + 5, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), later, 0), 0);
  EXPECT_EQ(drain(*source), 47u);
  ASSERT_FALSE(source->status());
  EXPECT_EQ(source->status().error().kind, Error::Kind::kSourceRead);
  EXPECT_NE(source->status().error().message.find("written"), std::string::npos) << source->status().error().str();
}

TEST_F(CsvWholeReadTest, AFileReplacedOrRemovedWhileReadFailsTheRead) {
  const std::string path = dir_.write("hr.csv", employees(50));
  auto source = open(path);
  ASSERT_TRUE(source);
  ASSERT_TRUE(take(*source, 3));
  const std::string next = dir_.write("next.csv", employees(50));
  ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0);  // a new export moved into place
  drain(*source);
  ASSERT_FALSE(source->status());
  EXPECT_EQ(source->status().error().kind, Error::Kind::kSourceRead);
  EXPECT_NE(source->status().error().message.find("replaced"), std::string::npos) << source->status().error().str();

  auto again = open(path);
  ASSERT_TRUE(again);
  ASSERT_TRUE(take(*again, 3));
  ASSERT_EQ(std::remove(path.c_str()), 0);
  drain(*again);
  ASSERT_FALSE(again->status());
  EXPECT_EQ(again->status().error().kind, Error::Kind::kSourceRead);
  EXPECT_NE(again->status().error().message.find("removed"), std::string::npos) << again->status().error().str();
}

TEST_F(CsvWholeReadTest, AFileLeftAloneReadsCleanAndAGb18030FileIsStampedToo) {
  const std::string path = dir_.write("hr.csv", employees(50));
  auto source = open(path);
  ASSERT_TRUE(source);
  EXPECT_EQ(drain(*source), 50u);
  EXPECT_TRUE(source->status());
  Record r;
  EXPECT_FALSE(source->next(r));
  EXPECT_TRUE(source->status()) << "a second end is still clean";

  // GB18030 is transcoded whole at open; the original is compared at the end all the same.
  CsvOptions gb;
  gb.encoding = "gb18030";
  auto gb_source = open_csv_source(path, SourceOptions{}, gb);
  ASSERT_TRUE(gb_source) << gb_source.error().str();
  ASSERT_TRUE(take(**gb_source, 3));
  std::ofstream(path, std::ios::app) << "E51,Person 51,100051\n";
  drain(**gb_source);
  ASSERT_FALSE((*gb_source)->status());
  EXPECT_EQ((*gb_source)->status().error().kind, Error::Kind::kSourceRead);
}

}  // namespace
}  // namespace hrsync
