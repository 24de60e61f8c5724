// EmulatorOptions: everything an emulator run can be told, with the defaults of the real APIs.
//
// Filled by tests and `hrsync demo` in code, and by hrsync-emulator from its command line
// (emulator/main.cpp, which documents each option in --help).
//
// Thread-safety: a plain value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "emulator/clock.h"
#include "emulator/fault_plan.h"
#include "emulator/fixture.h"
#include "emulator/rate_tier.h"

namespace hrsync::emulator {

struct EmulatorOptions {
  // Listening.
  std::string host = "127.0.0.1";    // address to listen on
  std::uint16_t port = 0;            // 0 = an ephemeral port (read it from Emulator::port())
  unsigned threads = 1;              // threads serving connections
  double idle_timeout_s = 0;         // close a connection idle (or stuck writing) this long; 0 = never
  std::size_t max_body_bytes = 16u << 20;  // larger request bodies are answered 413
  bool tls = false;                  // serve HTTPS with a certificate made for this run
  std::vector<std::string> tls_names = {"localhost", "127.0.0.1"};  // names the certificate is for

  // Credentials.
  std::string app_id = "cli_demo";   // the app the token endpoint accepts
  std::string app_secret = "demo-secret";
  double token_lifetime_s = 7200;    // lifetime of a tenant_access_token (Feishu: 2 h)
  std::string sophon_token;          // "" = the Sophon box asks for no token; else the one it accepts
  std::string bot_hook_id = "hook-demo";  // the custom bot hook id POST /open-apis/bot/v2/hook/:id accepts
  std::string bot_secret;            // the bot's signing secret; "" = signature verification off

  // Rate limits (the documented ones are built in; see emulator/README.md).
  bool rate_limits = true;           // false = no limit at all (throughput benchmarks)
  double rate_scale = 1.0;           // multiplies every limit (0.1 turns 50/s into 5/s)
  std::vector<RateTier> acs_rate;    // acs_card tiers (undocumented); empty = unlimited
  std::vector<RateTier> sophon_rate; // sophon_person tiers (undocumented); empty = unlimited
  // A tenant whose limits differ from the documents: the tiers of a limit by its name
  // ("contact_user", "contact_user.dept_or_frozen", "contact_group", "attendance_face", or a read's
  // or create's endpoint name such as "contact_user.read"), enforced
  // and announced (x-ogw-ratelimit-limit) instead of the documented ones; rate_scale applies.
  std::map<std::string, std::vector<RateTier>> tenant_rate;

  // Tenant and platform rules.
  bool certified_tenant = true;      // false: non-+86 mobiles are refused (44019)
  bool lark_tenant = false;          // Lark, not Feishu: mobile optional, +86 mobiles refused (44018)
  unsigned department_user_limit = 500;  // most users per department (41016); 0 = no limit
  std::size_t max_photo_bytes = 2u << 20;  // decoded Sophon reg_photo larger than this: 40007
  // A small box that queues rather than refuses (emulator/worker_queue.h): every Sophon request is
  // served by one of sophon_workers workers, sophon_service_ms each, and waits in line for one
  // when all are busy; 0 workers = answered at once. Its rate is workers * 1000 / service_ms.
  unsigned sophon_workers = 0;
  double sophon_service_ms = 0;
  unsigned min_face_px = 0;          // Sophon photo sides below this: 40006; 0 = off
  double no_face_share = 0;          // share of Sophon photos, chosen by their content, with no face: 40004
  // A face setting whose face_key the attendance file upload never issued (nor the fixture held)
  // is refused, 400/1220001, as a tenant refuses an id it does not know; false takes any key.
  bool issued_face_keys_only = false;

  // Faults.
  std::vector<FaultRule> faults;     // armed at start and again on every reset
  double latency_min_ms = 0;         // added to every answer, uniform in [min, max]
  double latency_max_ms = 0;
  // Added besides, to the answers of one platform only (uniform in [min, max]): a tenant far away
  // (Feishu over the internet) next to a box on the LAN.
  double feishu_latency_min_ms = 0;  // every Feishu path: the token endpoint, the APIs, the bot
  double feishu_latency_max_ms = 0;
  double sophon_latency_min_ms = 0;  // every /SophonFogSys/ path
  double sophon_latency_max_ms = 0;
  double inbound_jitter_min_ms = 0;  // each request travels this long (uniform in [min, max]) before
  double inbound_jitter_max_ms = 0;  // the gateway counts it against the limit and handles it; 0 = none
  double outage_at_s = 0;            // every request in [at, at + for) of the clock gets 503...
  double outage_for_s = 0;           // ...0 = no outage
  std::uint64_t seed = 1;            // seeds every random decision (faults, latency, inbound delay, tokens)

  // State and time.
  Fixture fixture;                   // the entities that exist at start
  std::shared_ptr<Clock> clock;      // null = a SteadyClock; tests pass a ManualClock
};

}  // namespace hrsync::emulator
