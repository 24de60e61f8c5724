// Walks every row of every connector's code table through classify(), and checks the tables
// against the codes of the API documents, listed here independently of the connectors.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "connectors/targets/feishu_envelope.h"
#include "connectors/targets/target_connector.h"
#include "target_test_util.h"

namespace hrsync {
namespace {

using testing::connector;

// The codes of each API document (docs/api/*.md), and of docs/api-notes.md for Sophon.
const std::map<std::string, std::vector<std::int64_t>>& document_codes() {
  static const std::map<std::string, std::vector<std::int64_t>> codes = {
      {"contact_user",
       {40001, 40016, 41001, 41002, 41003, 41004, 41005, 41006, 41009, 41011, 41010, 41014, 41013, 41015, 41016, 41017,
        41018, 41019, 41020, 41021, 41022, 41023, 41024, 41025, 41028, 41029, 41030, 41031, 41032, 41033, 41034, 41035,
        41036, 41037, 41038, 41040, 41041, 41042, 41043, 41044, 41045, 41046, 41047, 41048, 41050, 41051, 40004, 41059,
        41060, 41063, 41068, 41069, 41070, 41071, 41072, 44001, 44002, 44006, 44007, 44008, 44010, 44011, 42006, 44013,
        44014, 44015, 44016, 44017, 44018, 44019, 44020, 44024, 44025, 44035, 44036, 44038, 41410}},
      {"contact_group",
       {40003, 42002, 42013, 42014, 42009, 42015, 47009, 40001, 42018, 42019, 42020, 42021, 42022, 42024, 42025, 42026}},
      {"attendance_face", {1220001, 1220002, 1220004, 1220005, 1225000, 1227000, 1220600}},
      {"acs_card", {1490101}},
      {"sophon_person", {40003, 40004, 40006, 40007, 40011, 40400, 40401, 41300, 50072}},
  };
  return codes;
}

const std::vector<std::int64_t> kFeishuCommon = {99991400, 99991661, 99991663, 99991664, 99991671, 99991403, 99991672};

// What each code that is not permanent must fold into (every other code is permanent).
const std::map<std::string, std::map<std::int64_t, Disposition>>& not_permanent() {
  static const std::map<std::string, std::map<std::int64_t, Disposition>> table = [] {
    const std::map<std::int64_t, Disposition> common = {
        {99991400, Disposition::kRateLimited},  {99991661, Disposition::kRefreshToken},
        {99991663, Disposition::kRefreshToken}, {99991664, Disposition::kRefreshToken},
        {99991671, Disposition::kRefreshToken},
    };
    auto with = [&common](std::map<std::int64_t, Disposition> own) {
      own.insert(common.begin(), common.end());
      return own;
    };
    return std::map<std::string, std::map<std::int64_t, Disposition>>{
        {"contact_user", with({{44025, Disposition::kRetry}})},
        {"contact_group", with({{40003, Disposition::kRetry}})},
        {"attendance_face", with({{1225000, Disposition::kRetry}, {1220002, Disposition::kRefreshToken}})},
        {"acs_card", with({})},
        {"sophon_person", {{50072, Disposition::kRetry}}},
    };
  }();
  return table;
}

std::string feishu_body(const CodeRule& row) {
  return fmt::format(R"({{"code":{},"msg":"m{}","data":{{}},"error":{{"log_id":"log-{}","troubleshooter":"x"}}}})",
                     row.code, row.code, row.code);
}

std::string sophon_body(const CodeRule& row) {
  return fmt::format(R"({{"error":{{"code":{},"message":"m{}","status":"S"}}}})", row.code, row.code);
}

// The documented status, or 400 (500 for a transient code) where the document gives none.
int status_of(const CodeRule& row) {
  if (row.http_status != 0) return row.http_status;
  return row.disposition == Disposition::kRetry ? 500 : 400;
}

TEST(CodeTables, EveryRowClassifiesAsItsTableSays) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    const bool sophon = c->platform() == Platform::kSophon;
    ASSERT_FALSE(c->update().codes().empty()) << id;
    for (const CodeRule& row : c->update().codes()) {
      const std::string body = sophon ? sophon_body(row) : feishu_body(row);
      const Verdict v = c->update().classify(status_of(row), body);
      EXPECT_EQ(v.disposition, row.disposition) << id << " code " << row.code << ": "
                                                 << disposition_name(v.disposition);
      EXPECT_EQ(v.code, row.code) << id;
      EXPECT_TRUE(v.documented) << id << " code " << row.code;
      EXPECT_EQ(v.backoff, row.backoff) << id << " code " << row.code;
      if (row.backoff) {
        EXPECT_EQ(row.disposition, Disposition::kRetry) << id << " code " << row.code << ": a backoff on a code never retried";
        EXPECT_GT(row.backoff->first_s, 0) << id << " code " << row.code;
        EXPECT_GE(row.backoff->growth, 1) << id << " code " << row.code;
      }
      EXPECT_EQ(v.message, sophon ? fmt::format("S: m{}", row.code) : fmt::format("m{}", row.code)) << id;
      if (!sophon) {
        EXPECT_EQ(v.log_id, fmt::format("log-{}", row.code)) << id;
      }
      EXPECT_FALSE(row.meaning.empty()) << id << " code " << row.code;
    }
  }
}

// The reads' tables: every row classifies as it says, and every Feishu read takes the common codes.
TEST(CodeTables, EveryReadRowClassifiesAsItsTableSays) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    const ReadOperation* read = c->read();
    if (read == nullptr) continue;
    const bool sophon = c->platform() == Platform::kSophon;
    std::set<std::int64_t> have;
    for (const CodeRule& row : read->codes()) {
      EXPECT_TRUE(have.insert(row.code).second) << id << " read code " << row.code << " twice";
      const std::string body = sophon ? sophon_body(row) : feishu_body(row);
      const Verdict v = read->classify(status_of(row), body);
      EXPECT_EQ(v.disposition, row.disposition) << id << " read code " << row.code;
      EXPECT_EQ(v.code, row.code) << id;
      EXPECT_TRUE(v.documented) << id << " read code " << row.code;
      EXPECT_FALSE(row.meaning.empty()) << id << " read code " << row.code;
    }
    if (!sophon) {
      for (const CodeRule& common : kFeishuCommonCodes) EXPECT_TRUE(have.contains(common.code)) << id << " " << common.code;
    }
  }
}

// The creates' tables: every row classifies as it says; the Feishu creates take the update's
// table (its refusals: a mobile, an e-mail or an id held already), the box's adds 40000.
TEST(CodeTables, EveryCreateRowClassifiesAsItsTableSays) {
  for (std::string_view id : target_ids()) {
    TargetOptions options;
    if (id == "sophon_person") options.group_name = "staff";
    auto c = connector(id, options);
    const CreateOperation* create = c->create();
    if (create == nullptr) continue;
    const bool sophon = c->platform() == Platform::kSophon;
    std::set<std::int64_t> have;
    for (const CodeRule& row : create->codes()) {
      EXPECT_TRUE(have.insert(row.code).second) << id << " create code " << row.code << " twice";
      const std::string body = sophon ? sophon_body(row) : feishu_body(row);
      const Verdict v = create->classify(status_of(row), body);
      EXPECT_EQ(v.disposition, row.disposition) << id << " create code " << row.code;
      EXPECT_EQ(v.code, row.code) << id;
      EXPECT_TRUE(v.documented) << id << " create code " << row.code;
      EXPECT_FALSE(row.meaning.empty()) << id << " create code " << row.code;
    }
    for (const CodeRule& row : c->update().codes()) EXPECT_TRUE(have.contains(row.code)) << id << " " << row.code;
    if (sophon) {
      EXPECT_TRUE(have.contains(40000)) << id;
    }
  }
}

TEST(CodeTables, EveryRowFoldsAsTheDocumentsSay) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    const auto& special = not_permanent().at(std::string(id));
    for (const CodeRule& row : c->update().codes()) {
      auto it = special.find(row.code);
      const Disposition want = it == special.end() ? Disposition::kPermanent : it->second;
      EXPECT_EQ(row.disposition, want) << id << " code " << row.code << " (" << row.meaning << ")";
    }
  }
}

// Codes whose documents ask for a wait of seconds before a retry (docs/api-notes.md, "Error
// envelope and classification", 44025): they back off from 2 s, doubling; every other code takes the job's base delay.
TEST(CodeTables, OnlyTheUserLockHasABackoffOfItsOwn) {
  for (std::string_view id : target_ids()) {
    for (const CodeRule& row : connector(id)->update().codes()) {
      if (id == "contact_user" && row.code == 44025) {
        EXPECT_EQ(row.backoff, (RetryDelay{.first_s = 2.0, .growth = 2, .floor_s = 1.0})) << id << " code " << row.code;
      } else {
        EXPECT_FALSE(row.backoff.has_value()) << id << " code " << row.code;
      }
    }
  }
}

// The update's not-found code of each target (docs/api-notes.md): its row says the entity is not
// in the target, and the verdict carries it; no other row does. (Only the executor acts on it: a
// read finds an entity absent in its answer.)
TEST(CodeTables, OnlyTheNotFoundCodesMeanTheEntityIsAbsent) {
  const std::map<std::string, std::int64_t> not_found = {
      {"contact_user", 41050}, {"contact_group", 42002}, {"attendance_face", 1220004},
      {"acs_card", 1490101},   {"sophon_person", 40401},
  };
  for (std::string_view id : target_ids()) {
    TargetOptions options;
    if (id == "sophon_person") options.group_name = "staff";
    auto c = connector(id, options);
    const bool sophon = c->platform() == Platform::kSophon;
    const std::int64_t code = not_found.at(std::string(id));
    for (const CodeRule& row : c->update().codes()) {
      EXPECT_EQ(row.means_absent, row.code == code) << id << " code " << row.code;
      if (row.means_absent) {
        EXPECT_EQ(row.disposition, Disposition::kPermanent) << id << " code " << row.code;
      }
      const Verdict v = c->update().classify(status_of(row), sophon ? sophon_body(row) : feishu_body(row));
      EXPECT_EQ(v.absent, row.code == code) << id << " code " << row.code;
    }
  }
  // An answer no table knows is never taken for absent, nor a documented code under HTTP 413.
  auto acs = connector("acs_card");
  EXPECT_FALSE(acs->update().classify(404, "not json").absent);
  EXPECT_FALSE(acs->update().classify(413, R"({"code":1490101,"msg":"user not found"})").absent);
}

TEST(CodeTables, HoldEveryDocumentedCodeOnceAndTheCommonFeishuCodes) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    std::multiset<std::int64_t> have;
    for (const CodeRule& row : c->update().codes()) have.insert(row.code);
    std::multiset<std::int64_t> want(document_codes().at(std::string(id)).begin(),
                                     document_codes().at(std::string(id)).end());
    if (c->platform() == Platform::kFeishu) want.insert(kFeishuCommon.begin(), kFeishuCommon.end());
    EXPECT_EQ(have, want) << id;
  }
  EXPECT_EQ(connector("contact_user")->update().codes().size(), 77u + kFeishuCommon.size());
}

TEST(CodeTables, DocumentedStatusesAreKept) {
  auto user = connector("contact_user");
  std::map<std::int64_t, int> status;
  for (const CodeRule& row : user->update().codes()) status[row.code] = row.http_status;
  EXPECT_EQ(status.at(41003), 409);
  EXPECT_EQ(status.at(41028), 405);
  EXPECT_EQ(status.at(41031), 504);
  EXPECT_EQ(status.at(40004), 403);
  EXPECT_EQ(status.at(44025), 400);
  EXPECT_EQ(status.at(99991400), 429);
}

TEST(CodeTables, TokenErrorsRefreshWhateverTheStatus) {
  for (std::string_view id : target_ids()) {
    auto c = connector(id);
    if (c->platform() != Platform::kFeishu) continue;
    for (int status : {200, 400, 401}) {
      const Verdict v = c->update().classify(status, R"({"code":99991663,"msg":"tenant token invalid"})");
      EXPECT_EQ(v.disposition, Disposition::kRefreshToken) << id << " HTTP " << status;
    }
  }
}

}  // namespace
}  // namespace hrsync
