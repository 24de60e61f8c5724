// The chat message of a sync, posted to the emulator's custom bot: signed and delivered on failure
// (and not after a clean run), or always; a refused signature and an unreachable chat are logged
// without the webhook URL and leave the exit code alone.
#include <fmt/format.h>

#include <fstream>

#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

constexpr std::string_view kHook = "hook-5e1d-tenant-a";
constexpr std::string_view kBotSecret = "bot-signing-secret-77";

void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text << "\n";
}

class NotifyTest : public SyncHarness {
 protected:
  NotifyTest() { spec_.job_extra = "name = \"tenant-a\"\n"; }

  // An emulator whose bot takes kHook signed with kBotSecret.
  void start() {
    emulator::EmulatorOptions o;
    o.bot_hook_id = std::string(kHook);
    o.bot_secret = std::string(kBotSecret);
    ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));
  }

  // A [notify] section reading the URL and the secret from files.
  void notify(std::string_view when, std::string_view url, std::string_view secret = kBotSecret) {
    url_ = std::string(url);
    write_file(dir_.file("webhook_url"), url);
    write_file(dir_.file("bot_secret"), secret);
    spec_.extra = fmt::format("[notify]\nwebhook_url_file = \"{}\"\nsecret_file = \"{}\"\nwhen = \"{}\"\n",
                              dir_.file("webhook_url"), dir_.file("bot_secret"), when);
  }
  std::string hook_url() const { return fmt::format("{}/open-apis/bot/v2/hook/{}", emu_->base_url(), kHook); }

  json::array messages() const { return json::parse(emu_->bot_json()).at("messages").as_array(); }

  // The URL and the hook id appear nowhere a person or a log sees.
  void expect_no_url(const SyncRun& run) const {
    for (const std::string* text : {&run.out, &run.err}) {
      EXPECT_FALSE(contains(*text, kHook)) << *text;
      EXPECT_FALSE(contains(*text, url_)) << *text;
    }
  }

  std::string url_;
};

TEST_F(NotifyTest, OnFailureASignedMessageCarriesTheCountsAndTopCodes) {
  ASSERT_NO_FATAL_FAILURE(start());
  notify("failure", hook_url());
  // A colleague the tenant holds and the export does not, whose mobile another row now gives (41001).
  const Employee colleague = employees_.back();
  employees_.pop_back();
  const std::string mobile = cell(employees_[5], "mobile");
  cell(employees_[5], "mobile") = cell(colleague, "mobile");

  const SyncRun run = sync();
  ASSERT_EQ(run.exit_code, kExitSomeFailed) << run.err;
  EXPECT_FALSE(contains(run.err, "chat message")) << run.err;
  json::array got = messages();
  ASSERT_EQ(got.size(), 1u) << emu_->bot_json();
  EXPECT_EQ(got[0].at("code").as_int64(), 0) << "delivered, so the signature was right";
  EXPECT_FALSE(got[0].at("timestamp").as_string().empty());
  const std::string text(got[0].at("text").as_string());
  EXPECT_TRUE(contains(text, "hrsync tenant-a: some entities failed (exit 1)")) << text;
  EXPECT_TRUE(contains(text, "contact_user: 58 applied, 1 failed, 0 skipped of 59")) << text;
  EXPECT_TRUE(contains(text, "contact_group: 4 applied, 0 failed")) << text;
  EXPECT_TRUE(contains(text, "contact_user 41001 × 1")) << text;
  EXPECT_TRUE(contains(text, fmt::format("--run {}", run.run_id))) << text;
  expect_no_url(run);

  // The mobile is fixed: a clean run posts nothing when only failures are asked for.
  cell(employees_[5], "mobile") = mobile;
  const SyncRun clean = sync();
  ASSERT_EQ(clean.exit_code, kExitOk) << clean.err;
  EXPECT_EQ(messages().size(), 1u) << emu_->bot_json();
}

TEST_F(NotifyTest, AlwaysPostsACleanRunToo) {
  ASSERT_NO_FATAL_FAILURE(start());
  notify("always", hook_url());
  const SyncRun run = sync();
  ASSERT_EQ(run.exit_code, kExitOk) << run.err;
  json::array got = messages();
  ASSERT_EQ(got.size(), 1u) << emu_->bot_json();
  EXPECT_EQ(got[0].at("code").as_int64(), 0);
  const std::string text(got[0].at("text").as_string());
  EXPECT_TRUE(contains(text, "hrsync tenant-a: everything applied (exit 0)")) << text;
  EXPECT_TRUE(contains(text, "sophon_person: 60 applied, 0 failed")) << text;
  EXPECT_FALSE(contains(text, "top failure codes")) << text;
}

TEST_F(NotifyTest, AGateStopIsPostedWithTheGate) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_EQ(sync().exit_code, kExitOk);
  notify("failure", hook_url());
  employees_.resize(employees_.size() / 2);
  const SyncRun run = sync();
  ASSERT_EQ(run.exit_code, kExitGate) << run.err;
  json::array got = messages();
  ASSERT_EQ(got.size(), 1u) << emu_->bot_json();
  const std::string text(got[0].at("text").as_string());
  EXPECT_TRUE(contains(text, "stopped by a safety gate before any call (exit 3)")) << text;
  EXPECT_TRUE(contains(text, "gate: ")) << text;
}

TEST_F(NotifyTest, ARefusedSignatureIsLoggedAndChangesNothingElse) {
  ASSERT_NO_FATAL_FAILURE(start());
  notify("always", hook_url(), "not-the-bot-secret");
  const SyncRun run = sync();
  EXPECT_EQ(run.exit_code, kExitOk) << run.err;
  json::array got = messages();
  ASSERT_EQ(got.size(), 1u) << emu_->bot_json();
  EXPECT_EQ(got[0].at("code").as_int64(), 19021);
  EXPECT_TRUE(contains(run.err, "the chat message was not posted")) << run.err;
  EXPECT_TRUE(contains(run.err, "19021")) << run.err;
  EXPECT_FALSE(contains(run.err, "not-the-bot-secret")) << run.err;
  expect_no_url(run);
}

TEST_F(NotifyTest, AnUnreachableChatIsLoggedAndChangesNothingElse) {
  ASSERT_NO_FATAL_FAILURE(start());
  // A second emulator, stopped: its port refuses connections.
  emulator::Emulator gone(emulator::EmulatorOptions{});
  ASSERT_TRUE(gone.start());
  const std::string url = fmt::format("{}/open-apis/bot/v2/hook/{}", gone.base_url(), kHook);
  gone.stop();
  notify("always", url);
  const SyncRun run = sync();
  EXPECT_EQ(run.exit_code, kExitOk) << run.err;
  EXPECT_TRUE(contains(run.err, "the chat message was not posted")) << run.err;
  EXPECT_TRUE(contains(run.err, "connect")) << run.err;
  expect_no_url(run);
  EXPECT_TRUE(messages().empty());
}

}  // namespace
}  // namespace hrsync::integration
