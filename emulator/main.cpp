// hrsync-emulator: runs the emulator of the five APIs (and the token endpoint) until SIGINT or
// SIGTERM. `hrsync-emulator --help` explains every option; emulator/README.md shows how to point
// a job at it.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "emulator/emulator.h"
#include "emulator/fixture_variation.h"

namespace {

using hrsync::Error;
using hrsync::Result;
namespace emu = hrsync::emulator;

// Options that need parsing after CLI11 has read them.
struct RawOptions {
  std::string app_secret_env = "HRSYNC_EMULATOR_APP_SECRET";
  std::string app_secret_file;
  std::string sophon_token_env = "HRSYNC_EMULATOR_SOPHON_TOKEN";
  std::string sophon_token_file;
  std::string bot_secret_env = "HRSYNC_EMULATOR_BOT_SECRET";
  std::vector<std::string> acs_rate, sophon_rate, tenant_rate, faults;
  std::vector<std::string> latency;
  std::string inbound_jitter, outage;
  std::string fixture, employees_csv, groups_csv, write_fixture, ca_out, port_file;
  bool no_limits = false, uncertified = false, lark = false, every_member = false;
  emu::FixtureVariation variation;
  std::vector<std::string> person_types;
};

// "IDENTITY=TYPE" of --fixture-person-type.
Result<std::pair<std::string, int>> parse_person_type(const std::string& spec) {
  auto eq = spec.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 2 != spec.size() || spec[eq + 1] < '1' || spec[eq + 1] > '5') {
    return hrsync::fail(Error::Kind::kUsage, "--fixture-person-type", fmt::format("\"{}\": expected IDENTITY=TYPE, TYPE 1..5", spec));
  }
  return std::pair{spec.substr(0, eq), spec[eq + 1] - '0'};
}

Result<std::string> read_secret(const std::string& env, const std::string& file, const std::string& fallback) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return hrsync::fail(Error::Kind::kIo, file, "cannot read the secret file");
    std::string s;
    std::getline(in, s);
    return s;
  }
  const char* v = env.empty() ? nullptr : std::getenv(env.c_str());
  return v != nullptr ? std::string(v) : fallback;
}

// "A..B" (or "A-B") or "A" milliseconds, 0 <= A <= B, for the option `name`.
Result<std::pair<double, double>> parse_ms_range(const std::string& text, const std::string& name) {
  std::pair<double, double> r;
  try {
    std::size_t used = 0;
    auto dots = text.find("..");
    std::size_t gap = 2;
    if (dots == std::string::npos && text.find('-', 1) != std::string::npos) {
      dots = text.find('-', 1);
      gap = 1;
    }
    r.first = std::stod(text.substr(0, dots), &used);
    if (used != (dots == std::string::npos ? text.size() : dots)) throw std::invalid_argument("trailing");
    r.second = r.first;
    if (dots != std::string::npos) {
      r.second = std::stod(text.substr(dots + gap), &used);
      if (used != text.size() - dots - gap) throw std::invalid_argument("trailing");
    }
  } catch (const std::exception&) {
    return hrsync::fail(Error::Kind::kUsage, name, fmt::format("\"{}\" is not A..B milliseconds", text));
  }
  if (r.first < 0 || r.second < r.first) {
    return hrsync::fail(Error::Kind::kUsage, name, fmt::format("\"{}\": needs 0 <= A <= B", text));
  }
  return r;
}

// One --latency-ms: "A..B" for every answer, or "feishu=A..B" / "sophon=A..B" for one platform's.
Result<void> parse_latency(const std::string& spec, emu::EmulatorOptions& o) {
  auto eq = spec.find('=');
  std::string platform = eq == std::string::npos ? std::string() : spec.substr(0, eq);
  if (!platform.empty() && platform != "feishu" && platform != "sophon") {
    return hrsync::fail(Error::Kind::kUsage, "--latency-ms", fmt::format("\"{}\": the platform is feishu or sophon", spec));
  }
  auto range = parse_ms_range(eq == std::string::npos ? spec : spec.substr(eq + 1), "--latency-ms");
  if (!range) return std::unexpected(range.error());
  auto& [lo, hi] = *range;
  if (platform.empty()) std::tie(o.latency_min_ms, o.latency_max_ms) = std::tie(lo, hi);
  if (platform == "feishu") std::tie(o.feishu_latency_min_ms, o.feishu_latency_max_ms) = std::tie(lo, hi);
  if (platform == "sophon") std::tie(o.sophon_latency_min_ms, o.sophon_latency_max_ms) = std::tie(lo, hi);
  return {};
}

// "START+SECONDS".
Result<std::pair<double, double>> parse_outage(const std::string& text) {
  try {
    auto plus = text.find('+');
    if (plus == std::string::npos) throw std::invalid_argument("no +");
    return std::pair{std::stod(text.substr(0, plus)), std::stod(text.substr(plus + 1))};
  } catch (const std::exception&) {
    return hrsync::fail(Error::Kind::kUsage, "--outage", fmt::format("\"{}\" is not START+SECONDS", text));
  }
}

Result<std::vector<emu::RateTier>> parse_tiers(const std::vector<std::string>& texts) {
  std::vector<emu::RateTier> out;
  for (const auto& t : texts) {
    auto tier = emu::parse_rate_tier(t);
    if (!tier) return std::unexpected(tier.error());
    out.push_back(*tier);
  }
  return out;
}

// "NAME=TIER" of --tenant-rate: a limit's name and one of its tiers.
Result<std::pair<std::string, emu::RateTier>> parse_tenant_rate(std::string_view spec) {
  static constexpr std::string_view kNames[] = {
      "contact_user", "contact_user.dept_or_frozen", "contact_group", "attendance_face", "acs_card", "sophon_person",
      "contact_user.read", "contact_user.create", "contact_group.read", "contact_group.create", "attendance_face.read",
      "attendance_face.upload", "acs_card.read", "sophon_person.read", "sophon_person.create"};
  auto eq = spec.find('=');
  std::string name(spec.substr(0, eq));
  if (eq == std::string_view::npos || std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames)) {
    return hrsync::fail(Error::Kind::kUsage, "--tenant-rate",
                        fmt::format("\"{}\": expected NAME=TIER, NAME one of contact_user, "
                                    "contact_user.dept_or_frozen, contact_group, attendance_face, acs_card, "
                                    "sophon_person, or a read or create such as contact_user.read (e.g. attendance_face=40/s)",
                                    spec));
  }
  auto tier = emu::parse_rate_tier(spec.substr(eq + 1));
  if (!tier) return std::unexpected(tier.error());
  return std::pair{name, *tier};
}

// Fills the parts of `o` that CLI11 could not fill directly.
Result<void> finish_options(const RawOptions& raw, emu::EmulatorOptions& o) {
  auto secret = read_secret(raw.app_secret_env, raw.app_secret_file, o.app_secret);
  if (!secret) return std::unexpected(secret.error());
  o.app_secret = *secret;
  auto token = read_secret(raw.sophon_token_env, raw.sophon_token_file, "");
  if (!token) return std::unexpected(token.error());
  o.sophon_token = *token;
  auto bot = read_secret(raw.bot_secret_env, "", "");
  if (!bot) return std::unexpected(bot.error());
  o.bot_secret = *bot;
  o.rate_limits = !raw.no_limits;
  o.certified_tenant = !raw.uncertified;
  o.lark_tenant = raw.lark;
  if (raw.lark && raw.uncertified) {
    return hrsync::fail(Error::Kind::kUsage, "--lark-tenant", "Lark tenants have no Feishu certification: give one of --lark-tenant, --uncertified-tenant");
  }
  auto acs = parse_tiers(raw.acs_rate);
  auto sophon = parse_tiers(raw.sophon_rate);
  if (!acs) return std::unexpected(acs.error());
  if (!sophon) return std::unexpected(sophon.error());
  o.acs_rate = *acs;
  o.sophon_rate = *sophon;
  for (const auto& spec : raw.tenant_rate) {
    auto tier = parse_tenant_rate(spec);
    if (!tier) return std::unexpected(tier.error());
    o.tenant_rate[tier->first].push_back(tier->second);
  }
  for (const auto& spec : raw.faults) {
    auto rule = emu::parse_fault_rule(spec);
    if (!rule) return std::unexpected(rule.error());
    o.faults.push_back(*rule);
  }
  for (const auto& spec : raw.latency) {
    if (auto r = parse_latency(spec, o); !r) return r;
  }
  if (!raw.inbound_jitter.empty()) {
    auto j = parse_ms_range(raw.inbound_jitter, "--inbound-jitter-ms");
    if (!j) return std::unexpected(j.error());
    std::tie(o.inbound_jitter_min_ms, o.inbound_jitter_max_ms) = *j;
  }
  if (!raw.outage.empty()) {
    auto w = parse_outage(raw.outage);
    if (!w) return std::unexpected(w.error());
    std::tie(o.outage_at_s, o.outage_for_s) = *w;
  }
  return {};
}

Result<void> load_fixture(const RawOptions& raw, emu::EmulatorOptions& o) {
  if (!raw.fixture.empty() && !raw.employees_csv.empty()) {
    return hrsync::fail(Error::Kind::kUsage, "--fixture", "give --fixture or --fixture-from-csv, not both");
  }
  if (!raw.groups_csv.empty() && raw.employees_csv.empty()) {
    return hrsync::fail(Error::Kind::kUsage, "--groups-csv", "needs --fixture-from-csv");
  }
  if (raw.every_member && raw.employees_csv.empty()) {
    return hrsync::fail(Error::Kind::kUsage, "--fixture-every-member", "needs --fixture-from-csv");
  }
  if (raw.fixture.empty() && raw.employees_csv.empty()) return {};
  auto f = raw.fixture.empty() ? emu::fixture_from_hr_csv(raw.employees_csv, raw.groups_csv, raw.every_member)
                               : emu::load_fixture(raw.fixture);
  if (!f) return std::unexpected(f.error());
  emu::FixtureVariation variation = raw.variation;
  variation.seed = o.seed;
  for (const auto& spec : raw.person_types) {
    auto t = parse_person_type(spec);
    if (!t) return std::unexpected(t.error());
    variation.person_types.push_back(*t);
  }
  auto report = emu::vary_fixture(*f, variation);
  if (!report) return std::unexpected(report.error());
  if (!report->absent.empty() || !report->drifted_departments.empty() || !report->drifted_values.empty() || !report->special.empty()) {
    fmt::print(stderr, "hrsync-emulator: fixture varied from HR: {} absent, {} in another department, {} with other values, {} blacklisted or VIP\n",
               report->absent.size(), report->drifted_departments.size(), report->drifted_values.size(), report->special.size());
  }
  o.fixture = std::move(*f);
  return {};
}

Result<void> write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) return hrsync::fail(Error::Kind::kIo, path, "cannot write the file");
  return {};
}

// Where it listens, and how (TLS).
void add_server_options(CLI::App& app, emu::EmulatorOptions& o, RawOptions& raw) {
  app.add_option("--host", o.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", o.port, "Port to listen on; 0 picks a free one (see --port-file)")->capture_default_str();
  app.add_option("--port-file", raw.port_file, "Write the bound port to this file once listening");
  app.add_option("--threads", o.threads, "Threads serving connections")->capture_default_str();
  app.add_option("--idle-timeout", o.idle_timeout_s, "Close connections idle (or stuck writing) this many seconds; 0 = never")->capture_default_str();
  app.add_option("--max-body-bytes", o.max_body_bytes, "Answer larger request bodies with 413 (Sophon: 41300)")->capture_default_str();
  app.add_flag("--tls", o.tls, "Serve HTTPS with a CA and certificate made for this run (see --ca-out)");
  app.add_option("--tls-name", o.tls_names, "Host name or IP address the certificate is for (repeatable)")->capture_default_str();
  app.add_option("--ca-out", raw.ca_out, "Write the run's CA certificate (PEM) to this file, for clients to trust");
}

// The credentials it accepts: the app's, the box's token, the bot's hook.
void add_credential_options(CLI::App& app, emu::EmulatorOptions& o, RawOptions& raw) {
  app.add_option("--app-id", o.app_id, "The app_id the token endpoint accepts")->capture_default_str();
  app.add_option("--app-secret-env", raw.app_secret_env, "Environment variable holding the accepted app_secret (unset: \"demo-secret\")")->capture_default_str();
  app.add_option("--app-secret-file", raw.app_secret_file, "File whose first line is the accepted app_secret");
  app.add_option("--token-lifetime", o.token_lifetime_s, "Seconds a tenant_access_token lives (Feishu: 7200)")->capture_default_str();
  app.add_option("--sophon-token-env", raw.sophon_token_env, "Environment variable holding the token the Sophon box asks for (unset: none)")->capture_default_str();
  app.add_option("--sophon-token-file", raw.sophon_token_file, "File whose first line is the token the Sophon box asks for");
  app.add_option("--bot-hook-id", o.bot_hook_id, "The custom bot hook id POST /open-apis/bot/v2/hook/:id accepts")->capture_default_str();
  app.add_option("--bot-secret-env", raw.bot_secret_env, "Environment variable holding the bot's signing secret (unset: signatures are not checked)")->capture_default_str();
}

// Its rate limits.
void add_limit_options(CLI::App& app, emu::EmulatorOptions& o, RawOptions& raw) {
  app.add_flag("--no-rate-limits", raw.no_limits, "Lift every rate limit (throughput benchmarks)");
  app.add_option("--rate-scale", o.rate_scale, "Multiply every limit (0.1 turns 50/s into 5/s)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--acs-rate", raw.acs_rate, "Limit tier of acs_card, e.g. 50/s (repeatable; default unlimited)");
  app.add_option("--tenant-rate", raw.tenant_rate,
                 "A tenant's own tier of a limit, instead of the documented ones, enforced and announced in "
                 "x-ogw-ratelimit-limit: NAME=TIER, e.g. attendance_face=40/s (repeatable; NAME: contact_user, "
                 "contact_user.dept_or_frozen, contact_group, attendance_face, acs_card, sophon_person, and the reads and creates: "
                 "contact_user.read, contact_user.create, contact_group.read, contact_group.create, attendance_face.read, "
                 "attendance_face.upload, acs_card.read, sophon_person.read, sophon_person.create)");
  app.add_option("--sophon-rate", raw.sophon_rate, "Limit tier of sophon_person, e.g. 10/s (repeatable; default unlimited)");
}

// The tenant's and the box's rules.
void add_tenant_options(CLI::App& app, emu::EmulatorOptions& o, RawOptions& raw) {
  app.add_flag("--uncertified-tenant", raw.uncertified, "Refuse non-+86 mobiles (44019), as for a tenant without Feishu certification");
  app.add_flag("--lark-tenant", raw.lark, "Behave as a Lark (overseas) tenant: mobile optional, +86 mobiles refused (44018)");
  app.add_option("--department-user-limit", o.department_user_limit, "Most users per department (41016); 0 = no limit")->capture_default_str();
  app.add_option("--max-photo-bytes", o.max_photo_bytes, "Largest decoded Sophon reg_photo (larger: 40007)")->capture_default_str();
  app.add_option("--min-face-px", o.min_face_px, "Smallest Sophon photo side in pixels (smaller: 40006); 0 = off")->capture_default_str();
  app.add_flag("--issued-face-keys-only", o.issued_face_keys_only,
               "Refuse (1220001) a face setting whose face_key the attendance file upload never issued");
  app.add_option("--no-face-share", o.no_face_share,
                 "Share of Sophon photos in which the box finds no face (40004), chosen by the photo's content so the "
                 "same photo is refused every time; 0 = none, 1 = every photo")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
}

// Faults, latency and delays it injects.
void add_fault_options(CLI::App& app, emu::EmulatorOptions& o, RawOptions& raw) {
  app.add_option("--fault", raw.faults,
                 "Inject a fault: NAME=TERM[,TERM...][@ENDPOINT] (repeatable). NAME: lock (44025 on contact user updates), "
                 "internal (5xx with the API's internal code), reset (connection reset), stall (never answer), revoke "
                 "(revoke the request's token: 99991663), oversize (handled, then answered with a body past 16 MiB), throttle (429 / 99991400 whatever the window holds; "
                 "reset:SECONDS or reset:unix sets its x-ogw-ratelimit-reset, default 1; status:400 answers HTTP 400 as "
                 "older Feishu APIs do; the token endpoint only when named: @token). TERM: a probability (0.1), "
                 "next:N, every:N, from:SECONDS, for:SECONDS. ENDPOINT: token, contact_user, contact_group, "
                 "attendance_face, acs_card, sophon_person (the updates), or a read or create: contact_user.read, "
                 "contact_user.create, contact_group.read, contact_group.create, attendance_face.read, "
                 "attendance_face.upload, acs_card.read, sophon_person.read, sophon_person.create. Example: --fault lock=0.05 --fault "
                 "internal=every:100@attendance_face --fault throttle=next:1,reset:1e9@attendance_face --fault "
                 "throttle=next:3,reset:2,status:400@token");
  app.add_option("--latency-ms", raw.latency,
                 "Add latency to every answer: A..B milliseconds (uniform), or A; or to one platform's answers "
                 "besides: feishu=A..B (the token endpoint and every Feishu API) or sophon=A..B (repeatable)");
  app.add_option("--sophon-workers", o.sophon_workers,
                 "A box that queues instead of refusing: every Sophon request is served by one of N workers, "
                 "--sophon-service-ms each, waiting in line when all are busy (0 = answered at once)")
      ->capture_default_str();
  app.add_option("--sophon-service-ms", o.sophon_service_ms, "Milliseconds a box worker spends on one request (with --sophon-workers)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--inbound-jitter-ms", raw.inbound_jitter,
                 "Hold every request A..B milliseconds (uniform, seeded) before it is counted against the rate "
                 "limit and handled: the network delay a real gateway sees at arrival. Requests on one connection "
                 "keep their order");
  app.add_option("--outage", raw.outage, "Answer everything 503 from START for SECONDS after start-up: START+SECONDS");
  app.add_option("--seed", o.seed, "Seed of every random decision (faults, latency, inbound delay, tokens)")->capture_default_str();
}

// The entities that exist (the fixture).
void add_fixture_options(CLI::App& app, RawOptions& raw) {
  app.add_option("--fixture", raw.fixture, "JSON file listing the entities that exist (format: emulator/README.md)");
  app.add_option("--fixture-from-csv", raw.employees_csv, "HR employees CSV: every well-formed employee exists on every platform");
  app.add_option("--groups-csv", raw.groups_csv, "HR groups CSV (group_id,name,description), with --fixture-from-csv");
  app.add_flag("--fixture-every-member", raw.every_member,
               "With --fixture-from-csv: users hold every contact member the CSV has (not only name, mobile, e-mails and "
               "departments), ACS users their card_no, attendance users their face_key: a tenant that holds what HR says");
  app.add_option("--fixture-absent", raw.variation.absent_share,
                 "Share of the people absent from every platform (chosen by --seed; exactly round(SHARE x people))")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fixture-drift", raw.variation.drift_share,
                 "Share of the people present whose values differ: half in another department, the rest with another "
                 "name (directory and face box), card and face key (chosen by --seed)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fixture-special", raw.variation.special_share,
                 "Share of the face-box persons made blacklisted (type 3) or VIP (5), alternately (chosen by --seed)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fixture-person-type", raw.person_types, "A face-box person's type: IDENTITY=TYPE, e.g. E0001=3 (repeatable)");
  app.add_option("--write-fixture", raw.write_fixture, "Write the fixture as JSON to this file and exit");
}

void add_options(CLI::App& app, emu::EmulatorOptions& o, RawOptions& raw) {
  add_server_options(app, o, raw);
  add_credential_options(app, o, raw);
  add_limit_options(app, o, raw);
  add_tenant_options(app, o, raw);
  add_fault_options(app, o, raw);
  add_fixture_options(app, raw);
}

int run(emu::EmulatorOptions options, const RawOptions& raw) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the server's threads start

  emu::Emulator emulator(options);
  if (auto r = emulator.start(); !r) {
    fmt::print(stderr, "hrsync-emulator: {}\n", r.error().str());
    return 1;
  }
  if (!raw.ca_out.empty()) {
    if (auto r = write_file(raw.ca_out, emulator.ca_pem()); !r) fmt::print(stderr, "hrsync-emulator: {}\n", r.error().str());
  }
  if (!raw.port_file.empty()) {
    if (auto r = write_file(raw.port_file, fmt::format("{}\n", emulator.port())); !r) fmt::print(stderr, "hrsync-emulator: {}\n", r.error().str());
  }
  fmt::print("hrsync-emulator listening on {} ({} contact users, {} groups); Ctrl-C stops\n", emulator.base_url(),
             options.fixture.users.size(), options.fixture.groups.size());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  emulator.stop();
  fmt::print("hrsync-emulator stopped; statistics: {}\n", emulator.stats_json());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hrsync-emulator: a local server that behaves like the Feishu contact (users, groups), attendance, "
               "access-control and SophonFogSys person APIs and the Feishu token endpoint, for tests, demos and "
               "benchmarks. GET /_emulator/state and /_emulator/stats show what it holds and what it saw."};
  emu::EmulatorOptions options;
  RawOptions raw;
  add_options(app, options, raw);
  CLI11_PARSE(app, argc, argv);

  auto ready = finish_options(raw, options);
  if (ready) ready = load_fixture(raw, options);
  if (!ready) {
    fmt::print(stderr, "hrsync-emulator: {}\n", ready.error().str());
    return 2;
  }
  if (!raw.write_fixture.empty()) {
    auto r = write_file(raw.write_fixture, emu::fixture_to_json(options.fixture));
    if (!r) fmt::print(stderr, "hrsync-emulator: {}\n", r.error().str());
    return r ? 0 : 1;
  }
  return run(std::move(options), raw);
}
