#include "engine/config/config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

namespace hrsync {
namespace {

namespace fs = std::filesystem;

std::string fake_env(const char* name) {
  if (std::string_view(name) == "TEST_APP_SECRET") return "s3cr3t-value";
  if (std::string_view(name) == "TEST_PG_DSN") return "host=127.0.0.1";
  if (std::string_view(name) == "TEST_WEBHOOK") return "https://open.feishu.cn/open-apis/bot/v2/hook/hook-token-7f3e";
  if (std::string_view(name) == "CREDENTIALS_DIRECTORY") return "/run/credentials/hrsync@tenant-a.service";
  return "";
}

constexpr std::string_view kMinimal = R"([job]
snapshot = "var/snap.db"

[feishu]
app_id = "cli_1"
app_secret_env = "TEST_APP_SECRET"

[sources.employees]
kind = "csv"
path = "hr/employees.csv"

[targets.contact_user]
source = "employees"
)";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hrsync-config-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(std::string_view text, const std::string& name = "job.toml") {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // Loads `text` and returns the error it must produce.
  Error error_of(std::string_view text) {
    auto r = load_config(write(text), fake_env);
    EXPECT_FALSE(r.has_value()) << "config was accepted:\n" << text;
    return r ? Error{} : r.error();
  }

  fs::path dir_;
};

TEST_F(ConfigTest, LoadsAMinimalJobAndResolvesPathsAgainstTheConfigFolder) {
  auto c = load_config(write(kMinimal), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->snapshot, (dir_ / "var/snap.db").string());
  ASSERT_EQ(c->sources.count("employees"), 1u);
  EXPECT_EQ(c->sources.at("employees").path, (dir_ / "hr/employees.csv").string());
  EXPECT_EQ(c->sources.at("employees").entity, Entity::kEmployees);
  ASSERT_EQ(c->targets.size(), 1u);
  EXPECT_EQ(c->targets[0].id, "contact_user");
  EXPECT_EQ(c->feishu.app_secret.value.reveal(), "s3cr3t-value");
  EXPECT_TRUE(require_secret(c->feishu.app_secret).has_value());
  EXPECT_DOUBLE_EQ(c->max_change_ratio, 0.30);
}

TEST_F(ConfigTest, ReadsEverySectionOfTheSampleJob) {
  auto c = load_config(std::string(HRSYNC_SAMPLES_DIR) + "/demo/job.toml",
                       [](const char*) { return std::string("x"); });
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->targets.size(), 5u);
  EXPECT_EQ(c->sources.at("groups").entity, Entity::kGroups);
  bool saw_acs = false;
  for (const auto& t : c->targets) {
    if (t.id != "acs_card") continue;
    saw_acs = true;
    ASSERT_EQ(t.rate.size(), 1u);
    EXPECT_EQ(t.rate[0], (RateTier{20, 1}));
  }
  EXPECT_TRUE(saw_acs);
}

TEST_F(ConfigTest, UnknownKeyIsAnErrorNamingFileLineAndKey) {
  std::string text(kMinimal);
  text.replace(text.find("snapshot"), 0, "max_chnge_ratio = 0.5\n");
  auto e = error_of(text);
  EXPECT_EQ(e.kind, Error::Kind::kConfig);
  EXPECT_NE(e.where.find("job.toml:2 job.max_chnge_ratio"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("unknown key"), std::string::npos);
}

TEST_F(ConfigTest, UnknownKeyInsideATargetIsAnError) {
  auto e = error_of(std::string(kMinimal) + "on_mising = \"freeze\"\n");
  EXPECT_NE(e.where.find("targets.contact_user.on_mising"), std::string::npos) << e.str();
  EXPECT_NE(e.where.find(":14"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, UnknownSectionAndUnknownTargetAreErrors) {
  auto e1 = error_of(std::string(kMinimal) + "[jobs]\nx = 1\n");
  EXPECT_NE(e1.where.find(" jobs"), std::string::npos) << e1.str();
  auto e2 = error_of(std::string(kMinimal) + "[targets.contact_users]\nsource = \"employees\"\n");
  EXPECT_NE(e2.where.find("targets.contact_users"), std::string::npos) << e2.str();
  EXPECT_NE(e2.message.find("contact_user"), std::string::npos) << e2.str();
}

TEST_F(ConfigTest, SecretInTheConfigTextIsRefusedWithoutEchoingIt) {
  std::string text(kMinimal);
  text.replace(text.find("app_secret_env = \"TEST_APP_SECRET\""), 34, "app_secret = \"hunter2\"");
  auto e = error_of(text);
  EXPECT_NE(e.where.find("feishu.app_secret"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("never"), std::string::npos);
  EXPECT_EQ(e.str().find("hunter2"), std::string::npos);
}

TEST_F(ConfigTest, MissingSecretIsReportedOnlyWhenRequired) {
  std::string text(kMinimal);
  text.replace(text.find("TEST_APP_SECRET"), 15, "UNSET_VARIABLE");
  auto c = load_config(write(text), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();  // `plan` needs no secret
  auto r = require_secret(c->feishu.app_secret);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("UNSET_VARIABLE"), std::string::npos) << r.error().str();
  EXPECT_NE(r.error().where.find("job.toml:6"), std::string::npos) << r.error().str();
}

TEST_F(ConfigTest, SecretFromAFileLosesItsTrailingNewline) {
  const auto secret_path = write("from-file\n", "secret.txt");
  std::string text(kMinimal);
  text.replace(text.find("app_secret_env = \"TEST_APP_SECRET\""), 34, "app_secret_file = \"secret.txt\"");
  auto c = load_config(write(text), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->feishu.app_secret.value.reveal(), "from-file");
  EXPECT_EQ(c->feishu.app_secret.file, secret_path);
}

// A path naming an endless device (or a log named by mistake) is refused after 64 KiB, never read
// whole: `app_secret_file = "/dev/zero"` once hung the loader.
TEST_F(ConfigTest, ASecretFileOfMoreThan64KiBIsRefusedWithoutReadingItWhole) {
  for (const std::string& path : {std::string("/dev/zero"), write(std::string(70 * 1024, 'x'), "big.txt")}) {
    std::string text(kMinimal);
    text.replace(text.find("app_secret_env = \"TEST_APP_SECRET\""), 34, "app_secret_file = \"" + path + "\"");
    auto c = load_config(write(text), fake_env);
    ASSERT_TRUE(c.has_value()) << c.error().str();
    auto r = require_secret(c->feishu.app_secret);
    ASSERT_FALSE(r.has_value()) << path;
    EXPECT_NE(r.error().str().find("holds more than 64 KiB: it is not a secret file"), std::string::npos) << r.error().str();
    EXPECT_EQ(r.error().str().find("xxxx"), std::string::npos) << "nothing of the file is shown";
  }
}

TEST_F(ConfigTest, SecretFromBothEnvAndFileIsAnError) {
  std::string text(kMinimal);
  text.replace(text.find("app_secret_env"), 0, "app_secret_file = \"x\"\n");
  auto e = error_of(text);
  EXPECT_NE(e.message.find("not both"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, OutOfRangeAndWrongTypeValuesNameTheKey) {
  std::string text(kMinimal);
  text.replace(text.find("snapshot"), 0, "max_missing_ratio = 5\n");
  auto e = error_of(text);
  EXPECT_NE(e.where.find("job.max_missing_ratio"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("between 0 and 1"), std::string::npos) << e.str();

  auto e2 = error_of(std::string(kMinimal) + "concurrency = \"eight\"\n");
  EXPECT_NE(e2.where.find("targets.contact_user.concurrency"), std::string::npos) << e2.str();
  EXPECT_NE(e2.message.find("whole number"), std::string::npos) << e2.str();
}

TEST_F(ConfigTest, ConcurrencyIsAutoUnlessTheJobGivesANumber) {
  auto unset = load_config(write(kMinimal), fake_env);
  ASSERT_TRUE(unset.has_value()) << unset.error().str();
  EXPECT_FALSE(unset->targets[0].concurrency.has_value()) << "the default is \"auto\"";

  auto automatic = load_config(write(std::string(kMinimal) + "concurrency = \"auto\"\n"), fake_env);
  ASSERT_TRUE(automatic.has_value()) << automatic.error().str();
  EXPECT_FALSE(automatic->targets[0].concurrency.has_value());

  auto fixed = load_config(write(std::string(kMinimal) + "concurrency = 8\n"), fake_env);
  ASSERT_TRUE(fixed.has_value()) << fixed.error().str();
  EXPECT_EQ(fixed->targets[0].concurrency, 8u);

  for (std::string_view bad : {"\"Auto\"", "\"8\"", "0", "1025", "2.5", "true"}) {
    auto e = error_of(std::string(kMinimal) + "concurrency = " + std::string(bad) + "\n");
    EXPECT_NE(e.where.find("job.toml:"), std::string::npos) << e.str();
    EXPECT_NE(e.where.find("targets.contact_user.concurrency"), std::string::npos) << e.str();
    EXPECT_NE(e.message.find("\"auto\" or a whole number between 1 and 1024"), std::string::npos) << e.str();
  }
}

// Every number the job reads: nan compares false with both ends of a range, so it would pass
// any range check unless refused as such (max_missing_ratio = nan let a 10 % export revoke).
TEST_F(ConfigTest, NanAndInfinityAreRefusedForEveryNumberNamingFileKeyAndValue) {
  struct Key {
    std::string_view section;  // "" = the [job] table, "targets" = the contact_user target
    std::string_view name;
  };
  const Key keys[] = {
      {"", "max_change_ratio"},          {"", "max_missing_ratio"},
      {"http", "connect_timeout_s"},     {"http", "request_timeout_s"},
      {"retry", "base_delay_s"},         {"retry", "max_delay_s"},
      {"retry", "lock_delay_s"},         {"retry", "token_ratio"},
      {"retry", "max_pause_s"},          {"progress", "interval_s"},
      {"targets", "max_failure_ratio"},
  };
  for (const Key& key : keys) {
    for (std::string_view value : {"nan", "+nan", "-nan", "inf", "+inf", "-inf"}) {
      const std::string line = fmt::format("{} = {}\n", key.name, value);
      std::string text(kMinimal);
      std::string dotted;
      if (key.section.empty()) {
        text.replace(text.find("snapshot"), 0, line);
        dotted = fmt::format("job.{}", key.name);
      } else if (key.section == "targets") {
        text += line;
        dotted = fmt::format("targets.contact_user.{}", key.name);
      } else {
        text.replace(text.find("[sources."), 0, fmt::format("[{}]\n{}\n", key.section, line));
        dotted = fmt::format("{}.{}", key.section, key.name);
      }
      const Error e = error_of(text);
      SCOPED_TRACE(dotted + " = " + std::string(value));
      EXPECT_EQ(e.kind, Error::Kind::kConfig);
      EXPECT_NE(e.where.find("job.toml:"), std::string::npos) << e.str();
      EXPECT_NE(e.where.find(dotted), std::string::npos) << e.str();
      EXPECT_NE(e.message.find("finite"), std::string::npos) << e.str();
      const std::string_view shown = value.substr(value.find_first_of("ni"));  // fmt prints "nan", "inf", "-inf"
      EXPECT_NE(e.message.find(shown), std::string::npos) << e.str();
    }
  }
}

TEST_F(ConfigTest, SyntaxErrorGivesFileLineAndColumn) {
  auto e = error_of("[job]\nsnapshot = \"unterminated\n");
  EXPECT_NE(e.where.find("job.toml:2:"), std::string::npos) << e.str();
}

// on_new: skip by default; create where the connector can create, and an error naming the key
// where it cannot (acs_card, attendance_face) or lacks an option it needs (sophon_person's group).
TEST_F(ConfigTest, OnNewCreatesOnlyWhereTheTargetCanCreate) {
  auto c = load_config(write(kMinimal), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->targets.front().on_new, OnNew::kSkip);
  EXPECT_EQ(c->max_create, 50u);
  auto created = load_config(write(std::string(kMinimal) + "on_new = \"create\"\n"), fake_env);
  ASSERT_TRUE(created.has_value()) << created.error().str();
  EXPECT_EQ(created->targets.front().on_new, OnNew::kCreate);

  auto acs = error_of(std::string(kMinimal) + "[targets.acs_card]\nsource = \"employees\"\non_new = \"create\"\n");
  EXPECT_NE(acs.str().find("targets.acs_card.on_new = \"create\": acs_card has no create"), std::string::npos) << acs.str();
  auto face = error_of(std::string(kMinimal) +
                       "[targets.attendance_face]\nsource = \"employees\"\non_new = \"create\"\n");
  EXPECT_NE(face.str().find("targets.attendance_face.on_new"), std::string::npos) << face.str();
  const std::string box = std::string(kMinimal) +
                          "[sophon]\nbase_url = \"http://box:5555\"\n[targets.sophon_person]\nsource = \"employees\"\n"
                          "on_new = \"create\"\n";
  auto no_group = error_of(box);
  EXPECT_NE(no_group.str().find("targets.sophon_person.group_name is not set"), std::string::npos) << no_group.str();
  auto with_group = load_config(write(box + "group_name = \"staff\"\n"), fake_env);
  EXPECT_TRUE(with_group.has_value()) << with_group.error().str();
  auto bad = error_of(std::string(kMinimal) + "on_new = \"invite\"\n");
  EXPECT_NE(bad.str().find("targets.contact_user.on_new = \"invite\""), std::string::npos) << bad.str();
}

// face_from: the column by default; "photo" takes the photo column (relative paths from the
// config's folder); any other value, or the key on another target, is an error naming it.
TEST_F(ConfigTest, FaceFromIsColumnOrPhotoOnAttendanceFaceOnly) {
  const std::string face = std::string(kMinimal) + "[targets.attendance_face]\nsource = \"employees\"\n";
  auto column = load_config(write(face), fake_env);
  ASSERT_TRUE(column.has_value()) << column.error().str();
  EXPECT_EQ(column->targets.back().options.face_from, "column");
  auto photo = load_config(write(face + "face_from = \"photo\"\n"), fake_env);
  ASSERT_TRUE(photo.has_value()) << photo.error().str();
  EXPECT_EQ(photo->targets.back().options.face_from, "photo");
  EXPECT_FALSE(photo->targets.back().options.photo_dir.empty());
  auto bad = error_of(face + "face_from = \"picture\"\n");
  EXPECT_NE(bad.where.find("job.toml:16"), std::string::npos) << bad.str();
  EXPECT_NE(bad.str().find("targets.attendance_face.face_from = \"picture\""), std::string::npos) << bad.str();
  auto elsewhere = error_of(std::string(kMinimal) + "face_from = \"photo\"\n");
  EXPECT_NE(elsewhere.str().find("targets.contact_user.face_from"), std::string::npos) << elsewhere.str();
}

TEST_F(ConfigTest, MaxCreateIsACount) {
  std::string text(kMinimal);
  text.replace(text.find("snapshot"), 0, "max_create = 3\n");
  auto c = load_config(write(text), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->max_create, 3u);
  text.replace(text.find("max_create = 3"), 14, "max_create = -1");
  auto e = error_of(text);
  EXPECT_NE(e.str().find("max_create"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, TargetMustReadADefinedSourceOfItsEntity) {
  auto e = error_of(std::string(kMinimal) + "[targets.contact_group]\nsource = \"nowhere\"\n");
  EXPECT_NE(e.message.find("\"nowhere\" is not defined"), std::string::npos) << e.str();
  auto e2 = error_of(std::string(kMinimal) + "[targets.contact_group]\nsource = \"employees\"\n");
  EXPECT_NE(e2.message.find("reads groups"), std::string::npos) << e2.str();
}

TEST_F(ConfigTest, SourceKindsNeedTheirOwnKeys) {
  std::string text(kMinimal);
  text.replace(text.find("kind = \"csv\""), 12, "kind = \"sqlite\"");
  auto e = error_of(text);
  EXPECT_NE(e.message.find("needs sources.employees.query"), std::string::npos) << e.str();

  std::string pg(kMinimal);
  pg.replace(pg.find("kind = \"csv\""), 12, "kind = \"postgres\"\ndsn_env = \"TEST_PG_DSN\"\nquery = \"select 1\"");
  auto e2 = error_of(pg);
  EXPECT_NE(e2.where.find("sources.employees.path"), std::string::npos) << e2.str();

  std::string bad(kMinimal);
  bad.replace(bad.find("kind = \"csv\""), 12, "kind = \"excel\"");
  auto e3 = error_of(bad);
  EXPECT_NE(e3.message.find("csv, sqlite or postgres"), std::string::npos) << e3.str();
}

TEST_F(ConfigTest, CsvSourcesTakeAnEncoding) {
  auto plain = load_config(write(kMinimal), fake_env);
  ASSERT_TRUE(plain.has_value()) << plain.error().str();
  EXPECT_EQ(plain->sources.at("employees").encoding, "utf-8");

  std::string gb(kMinimal);
  gb.replace(gb.find("kind = \"csv\""), 12, "kind = \"csv\"\nencoding = \"gb18030\"");
  auto c = load_config(write(gb), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->sources.at("employees").encoding, "gb18030");

  std::string bad(kMinimal);
  bad.replace(bad.find("kind = \"csv\""), 12, "kind = \"csv\"\nencoding = \"big5\"");
  auto e = error_of(bad);
  EXPECT_NE(e.where.find("sources.employees.encoding"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("gb18030"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, CsvSourcesTakeADelimiterOfOneByte) {
  auto plain = load_config(write(kMinimal), fake_env);
  ASSERT_TRUE(plain.has_value()) << plain.error().str();
  EXPECT_EQ(plain->sources.at("employees").delimiter, ',');

  for (const auto& [written, byte] : {std::pair{"\";\"", ';'}, std::pair{"\"\\t\"", '\t'}, std::pair{"\"|\"", '|'}}) {
    std::string text(kMinimal);
    text.replace(text.find("kind = \"csv\""), 12, fmt::format("kind = \"csv\"\ndelimiter = {}", written));
    auto c = load_config(write(text), fake_env);
    ASSERT_TRUE(c.has_value()) << written << ": " << c.error().str();
    EXPECT_EQ(c->sources.at("employees").delimiter, byte) << written;
  }

  for (const char* bad : {"\"\"", "\";;\"", "\"\\\"\"", "\"\\n\"", "\"，\""}) {
    std::string text(kMinimal);
    text.replace(text.find("kind = \"csv\""), 12, fmt::format("kind = \"csv\"\ndelimiter = {}", bad));
    auto e = error_of(text);
    EXPECT_NE(e.where.find("sources.employees.delimiter"), std::string::npos) << bad << ": " << e.str();
    EXPECT_NE(e.message.find("one ASCII character"), std::string::npos) << bad << ": " << e.str();
  }

  std::string sqlite(kMinimal);
  sqlite.replace(sqlite.find("kind = \"csv\""), 12, "kind = \"sqlite\"\nquery = \"select 1\"\ndelimiter = \";\"");
  auto e = error_of(sqlite);
  EXPECT_NE(e.where.find("sources.employees.delimiter"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("does not apply to kind \"sqlite\""), std::string::npos) << e.str();
}

TEST_F(ConfigTest, TargetFieldsAreAListOfNames) {
  std::string text(kMinimal);
  text += "mode = \"patch\"\nfields = [\"job_title\", \"city\"]\n";
  auto c = load_config(write(text), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->targets[0].options.fields, (std::vector<std::string>{"job_title", "city"}));

  for (const char* bad : {"fields = \"name\"\n", "fields = [1]\n", "fields = []\n"}) {
    std::string t(kMinimal);
    t += bad;
    auto e = error_of(t);
    EXPECT_NE(e.where.find("targets.contact_user.fields"), std::string::npos) << bad << ": " << e.str();
  }
}

TEST_F(ConfigTest, ColumnRenamesMustNameCanonicalColumns) {
  std::string text(kMinimal);
  text.replace(text.find("[targets.contact_user]"), 0, "[sources.employees.columns]\nname = \"姓名\"\n\n");
  auto c = load_config(write(text), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  ASSERT_EQ(c->sources.at("employees").renames.size(), 1u);
  EXPECT_EQ(c->sources.at("employees").renames[0].first, Field::kName);
  EXPECT_EQ(c->sources.at("employees").renames[0].second, "姓名");

  std::string bad(kMinimal);
  bad.replace(bad.find("[targets.contact_user]"), 0, "[sources.employees.columns]\nfull_name = \"姓名\"\n\n");
  auto e = error_of(bad);
  EXPECT_NE(e.where.find("sources.employees.columns.full_name"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, BaseUrlNeedsAScheme) {
  std::string text(kMinimal);
  text.replace(text.find("app_id"), 0, "base_url = \"open.feishu.cn\"\n");
  auto e = error_of(text);
  EXPECT_NE(e.where.find("feishu.base_url"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("https://"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, TargetOptionsAreCheckedByTheirConnector) {
  auto e = error_of(std::string(kMinimal) + "mode = \"post\"\n");
  EXPECT_NE(e.where.find("targets.contact_user"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("mode"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, TheTenantKindIsAContactUserOption) {
  auto c = load_config(write(std::string(kMinimal) + "tenant = \"lark\"\n"), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->targets[0].options.tenant, "lark");
  auto e = error_of(std::string(kMinimal) + "tenant = \"overseas\"\n");
  EXPECT_NE(e.where.find("targets.contact_user"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("tenant"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("uncertified"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, RateOverridesAreParsed) {
  auto c = load_config(write(std::string(kMinimal) + "rate = [\"40/s\", \"900/min\"]\nlane_rate = \"1/2s\"\n"), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  ASSERT_EQ(c->targets[0].rate.size(), 2u);
  EXPECT_EQ(c->targets[0].rate[1], (RateTier{900, 60}));
  ASSERT_EQ(c->targets[0].lane_rate.size(), 1u);
  EXPECT_EQ(c->targets[0].lane_rate[0], (RateTier{1, 2}));
  auto e = error_of(std::string(kMinimal) + "rate = [\"fast\"]\n");
  EXPECT_NE(e.where.find("targets.contact_user.rate"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("\"fast\" is not a rate"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, ARateAboveTheDocumentedLimitIsRefusedUnlessAllowed) {
  // contact_user's document: 50/s and 1000/min.
  auto e = error_of(std::string(kMinimal) + "rate = [\"500/s\"]\n");
  EXPECT_EQ(e.kind, Error::Kind::kConfig);
  EXPECT_NE(e.message.find("targets.contact_user.rate"), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("\"500/s\""), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("\"50/s\", \"1000/min\""), std::string::npos) << e.str();
  EXPECT_NE(e.message.find("allow_above_documented"), std::string::npos) << e.str();
  // 20/s alone lets 1,200 a minute through: above the minute's 1000.
  EXPECT_NE(error_of(std::string(kMinimal) + "rate = [\"20/s\"]\n").message.find("1000/min"), std::string::npos);
  auto allowed = load_config(write(std::string(kMinimal) + "rate = [\"1000000/s\"]\nallow_above_documented = true\n"), fake_env);
  ASSERT_TRUE(allowed.has_value()) << allowed.error().str();
  EXPECT_TRUE(allowed->targets[0].allow_above_documented);
  auto within = load_config(write(std::string(kMinimal) + "rate = [\"50/s\", \"1000/min\"]\n"), fake_env);
  ASSERT_TRUE(within.has_value()) << within.error().str();
  EXPECT_FALSE(within->targets[0].allow_above_documented);
}

TEST_F(ConfigTest, ARateOfATargetWhoseLimitNoDocumentGivesIsTheOperators) {
  // acs_card's 20/s is a conservative default, not a documented limit: the rate `hrsync tune`
  // finds above it is taken as it is.
  std::string job(kMinimal);
  job += "\n[targets.acs_card]\nsource = \"employees\"\nrate = [\"30/s\"]\n";
  auto c = load_config(write(job), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_FALSE(c->targets[1].allow_above_documented);
  EXPECT_EQ(c->targets[1].rate, (std::vector<RateTier>{{30, 1}}));
}

TEST_F(ConfigTest, ATenantThatDoesNotMatchTheBaseUrlIsWarnedOf) {
  // kMinimal's [feishu] has no base_url: Feishu's open.feishu.cn.
  auto lark_on_feishu = load_config(write(std::string(kMinimal) + "tenant = \"lark\"\n"), fake_env);
  ASSERT_TRUE(lark_on_feishu.has_value()) << lark_on_feishu.error().str();
  ASSERT_EQ(lark_on_feishu->warnings.size(), 1u);
  EXPECT_NE(lark_on_feishu->warnings[0].find("tenant = \"lark\""), std::string::npos) << lark_on_feishu->warnings[0];
  EXPECT_NE(lark_on_feishu->warnings[0].find("https://open.larksuite.com"), std::string::npos);
  std::string lark_url(kMinimal);
  lark_url.replace(lark_url.find("app_id"), 0, "base_url = \"https://open.larksuite.com\"\n");
  auto feishu_on_lark = load_config(write(lark_url), fake_env);
  ASSERT_TRUE(feishu_on_lark.has_value()) << feishu_on_lark.error().str();
  ASSERT_EQ(feishu_on_lark->warnings.size(), 1u);
  EXPECT_NE(feishu_on_lark->warnings[0].find("Lark's"), std::string::npos) << feishu_on_lark->warnings[0];
  auto matched = load_config(write(lark_url + "tenant = \"lark\"\n"), fake_env);
  ASSERT_TRUE(matched.has_value()) << matched.error().str();
  EXPECT_TRUE(matched->warnings.empty());
  auto plain = load_config(write(std::string(kMinimal)), fake_env);
  ASSERT_TRUE(plain.has_value());
  EXPECT_TRUE(plain->warnings.empty());
}

TEST_F(ConfigTest, RetrySectionReadsTheBudgetItsRatioAndThePauseCap) {
  auto defaults = load_config(write(std::string(kMinimal)), fake_env);
  ASSERT_TRUE(defaults.has_value()) << defaults.error().str();
  EXPECT_EQ(defaults->retry.budget, 1000u);
  EXPECT_DOUBLE_EQ(defaults->retry.token_ratio, 1.0);
  EXPECT_DOUBLE_EQ(defaults->retry.max_pause_s, 60);
  std::string text(kMinimal);
  text.replace(text.find("[sources."), 0, "[retry]\nbudget = 200\ntoken_ratio = 0.25\nmax_pause_s = 15\n\n");
  auto c = load_config(write(text), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->retry.budget, 200u);
  EXPECT_DOUBLE_EQ(c->retry.token_ratio, 0.25);
  EXPECT_DOUBLE_EQ(c->retry.max_pause_s, 15);
  std::string bad(kMinimal);
  bad.replace(bad.find("[sources."), 0, "[retry]\nmax_pause_s = 0\n\n");
  auto e = error_of(bad);
  EXPECT_NE(e.where.find("retry.max_pause_s"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, ProgressIntervalIsReadAndCheckedWithItsLine) {
  auto defaults = load_config(write(kMinimal), fake_env);
  ASSERT_TRUE(defaults.has_value()) << defaults.error().str();
  EXPECT_DOUBLE_EQ(defaults->progress.interval_s, 10);
  std::string text(kMinimal);
  text.replace(text.find("[sources."), 0, "[progress]\ninterval_s = 300\n\n");
  auto c = load_config(write(text), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_DOUBLE_EQ(c->progress.interval_s, 300);
  for (const char* bad_value : {"interval_s = 0\n", "interval_s = \"10\"\n", "every = 5\n"}) {
    std::string bad(kMinimal);
    const std::size_t at = bad.find("[sources.");
    bad.replace(at, 0, std::string("[progress]\n") + bad_value + "\n");
    const auto line = std::count(bad.begin(), bad.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 2;
    auto e = error_of(bad);
    EXPECT_NE(e.where.find(fmt::format(":{} progress.", line)), std::string::npos) << e.str();
  }
}

TEST_F(ConfigTest, LockDelayIsAnOptionalOverride) {
  auto plain = load_config(write(std::string(kMinimal)), fake_env);
  ASSERT_TRUE(plain.has_value()) << plain.error().str();
  EXPECT_FALSE(plain->retry.lock_delay_s.has_value());  // the connector's code table decides
  auto set = load_config(write("[retry]\nlock_delay_s = 0.25\n" + std::string(kMinimal)), fake_env);
  ASSERT_TRUE(set.has_value()) << set.error().str();
  EXPECT_EQ(set->retry.lock_delay_s, 0.25);
  auto e = error_of("[retry]\nlock_delay_s = -1\n" + std::string(kMinimal));
  EXPECT_NE(e.where.find("retry.lock_delay_s"), std::string::npos) << e.str();
}

TEST(ParseRate, AcceptsUnitsAndMultiples) {
  EXPECT_EQ(parse_rate("50/s"), (RateTier{50, 1}));
  EXPECT_EQ(parse_rate("1000/min"), (RateTier{1000, 60}));
  EXPECT_EQ(parse_rate("100/m"), (RateTier{100, 60}));
  EXPECT_EQ(parse_rate("3600/h"), (RateTier{3600, 3600}));
  EXPECT_EQ(parse_rate("5/10s"), (RateTier{5, 10}));
  EXPECT_FALSE(parse_rate("0/s").has_value());
  EXPECT_FALSE(parse_rate("50").has_value());
  EXPECT_FALSE(parse_rate("50/day").has_value());
  EXPECT_FALSE(parse_rate("x/s").has_value());
}

TEST_F(ConfigTest, NoTargetsIsAnError) {
  auto e = error_of("[job]\nsnapshot = \"x.db\"\n");
  EXPECT_NE(e.message.find("no [targets"), std::string::npos) << e.str();
}

TEST_F(ConfigTest, JobNameDefaultsToTheFileStemAndMetricsFileResolves) {
  auto c = load_config(write(kMinimal, "tenant-b.toml"), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->name, "tenant-b");
  EXPECT_EQ(c->metrics_file, "");
  std::string text(kMinimal);
  text.replace(text.find("snapshot"), 0, "name = \"tenant-a\"\nmetrics_file = \"textfile/hrsync.prom\"\n");
  auto named = load_config(write(text), fake_env);
  ASSERT_TRUE(named.has_value()) << named.error().str();
  EXPECT_EQ(named->name, "tenant-a");
  EXPECT_EQ(named->metrics_file, (dir_ / "textfile/hrsync.prom").string());
  std::string bad(kMinimal);
  bad.replace(bad.find("snapshot"), 0, "name = \"\"\n");
  EXPECT_NE(error_of(bad).where.find("job.name"), std::string::npos);
}

TEST_F(ConfigTest, NotifyReadsTheWebhookFromTheEnvironmentAndChecksItsKeys) {
  auto c = load_config(write(std::string(kMinimal) + "\n[notify]\nwebhook_url_env = \"TEST_WEBHOOK\"\nwhen = \"always\"\n"), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_TRUE(c->notify.enabled);
  EXPECT_TRUE(c->notify.always);
  EXPECT_EQ(c->notify.webhook_url.value.reveal(), "https://open.feishu.cn/open-apis/bot/v2/hook/hook-token-7f3e");
  EXPECT_TRUE(c->notify.secret.value.empty());

  auto plain = load_config(write(kMinimal), fake_env);
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(plain->notify.enabled);

  auto literal = error_of(std::string(kMinimal) + "\n[notify]\nwebhook_url = \"https://open.feishu.cn/open-apis/bot/v2/hook/x\"\n");
  EXPECT_NE(literal.where.find("notify.webhook_url"), std::string::npos) << literal.str();
  EXPECT_EQ(literal.str().find("hook/x"), std::string::npos) << "the URL is not repeated: " << literal.str();
  auto when = error_of(std::string(kMinimal) + "\n[notify]\nwebhook_url_env = \"TEST_WEBHOOK\"\nwhen = \"sometimes\"\n");
  EXPECT_NE(when.where.find("notify.when"), std::string::npos) << when.str();
  auto unknown = error_of(std::string(kMinimal) + "\n[notify]\nwebhook_url_env = \"TEST_WEBHOOK\"\nchannel = \"ops\"\n");
  EXPECT_NE(unknown.where.find("notify.channel"), std::string::npos) << unknown.str();
  auto missing = error_of(std::string(kMinimal) + "\n[notify]\nwhen = \"always\"\n");
  EXPECT_NE(missing.message.find("notify.webhook_url_env"), std::string::npos) << missing.str();
}

TEST_F(ConfigTest, ReadsTheNightlySampleAsTheServiceSeesIt) {
  auto c = load_config(std::string(HRSYNC_SAMPLES_DIR) + "/systemd/job.toml", [](const char* name) {
    return std::string_view(name) == "CREDENTIALS_DIRECTORY" ? std::string("/run/credentials/hrsync@tenant-a.service")
                                                             : std::string();
  });
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->targets.size(), 5u);
  EXPECT_EQ(c->feishu.app_secret.file, "/run/credentials/hrsync@tenant-a.service/hrsync_app_secret");
  EXPECT_EQ(c->notify.webhook_url.file, "/run/credentials/hrsync@tenant-a.service/hrsync_webhook_url");
  EXPECT_EQ(c->notify.secret.file, "/run/credentials/hrsync@tenant-a.service/hrsync_webhook_secret");
  EXPECT_TRUE(c->notify.enabled);
  EXPECT_FALSE(c->notify.always);
  EXPECT_EQ(c->metrics_file, "/var/lib/prometheus/node-exporter/hrsync-tenant-a.prom");
  EXPECT_EQ(c->snapshot, "/var/lib/hrsync/tenant-a/hrsync.db");
}

TEST_F(ConfigTest, SecretFilesMayLieInTheCredentialsDirectoryOfTheService) {
  std::string text(kMinimal);
  text.replace(text.find("app_secret_env = \"TEST_APP_SECRET\""), std::string_view("app_secret_env = \"TEST_APP_SECRET\"").size(),
               "app_secret_file = \"${CREDENTIALS_DIRECTORY}/app_secret\"");
  auto c = load_config(write(text), fake_env);
  ASSERT_TRUE(c.has_value()) << c.error().str();
  EXPECT_EQ(c->feishu.app_secret.file, "/run/credentials/hrsync@tenant-a.service/app_secret");
  EXPECT_NE(c->feishu.app_secret.problem.find("cannot read"), std::string::npos) << c->feishu.app_secret.problem;

  auto outside = load_config(write(text), [](const char*) { return std::string(); });
  ASSERT_TRUE(outside.has_value()) << "plan works outside the service";
  EXPECT_NE(outside->feishu.app_secret.problem.find("LoadCredential="), std::string::npos) << outside->feishu.app_secret.problem;
  EXPECT_FALSE(require_secret(outside->feishu.app_secret).has_value());
}

}  // namespace
}  // namespace hrsync
