// TLS: against the emulator serving HTTPS with a certificate for "localhost" only, whose CA the
// job trusts through http.ca_file. Addressed as localhost, a sync works; addressed as 127.0.0.1
// (a name the certificate is not for), every connection is refused and nothing is applied.
#include <fstream>

#include "tests/integration/sync_harness.h"

namespace hrsync::integration {
namespace {

class TlsTest : public SyncHarness {
 protected:
  void start_tls_emulator() {
    employees_ = generate_employees(30);
    emulator::EmulatorOptions o;
    o.tls = true;
    o.tls_names = {"localhost"};
    ASSERT_NO_FATAL_FAILURE(start_emulator(std::move(o)));
    spec_.ca_file = dir_.file("emulator-ca.pem");
    std::ofstream(spec_.ca_file) << emu_->ca_pem();
  }
};

TEST_F(TlsTest, AMatchingHostNameSyncs) {
  ASSERT_NO_FATAL_FAILURE(start_tls_emulator());
  ASSERT_EQ(spec_.feishu_url, "https://localhost:" + std::to_string(emu_->port()));

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitOk) << run.err << run.out;
  EXPECT_EQ(run.outcomes.size(), employees_.size() * 4 + groups_.size());
  ASSERT_NO_FATAL_FAILURE(expect_state_matches_source());
}

TEST_F(TlsTest, AHostNameTheCertificateIsNotForIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_tls_emulator());
  spec_.feishu_url = "https://127.0.0.1:" + std::to_string(emu_->port());
  spec_.sophon_url = spec_.feishu_url;
  spec_.max_attempts = 2;
  for (TargetSpec& t : spec_.targets) t.failure_window = 6;

  const SyncRun run = sync();

  EXPECT_EQ(run.exit_code, kExitQuarantined) << run.err << run.out;
  for (const OutcomeRow& o : run.outcomes) EXPECT_NE(o.status, "applied") << o.target << " " << o.key;
  EXPECT_FALSE(run.outcomes.empty());
  const json::object s = stats();
  EXPECT_EQ(s.at("requests").to_number<int>(), 0) << "no request got past the handshake";
  for (const auto& [target, held] : state()) EXPECT_TRUE(held.as_object().empty()) << target;
  EXPECT_TRUE(contains(run.out + run.err, "TLS certificate verification failed")) << run.out << run.err;
  EXPECT_TRUE(contains(run.out + run.err, "127.0.0.1")) << run.out << run.err;
}

}  // namespace
}  // namespace hrsync::integration
