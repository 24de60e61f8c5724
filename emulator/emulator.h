// Emulator: a local server that behaves like the five APIs hrsync writes to (Feishu contact
// users and groups, attendance face settings, access-control cards, the SophonFogSys person
// API) and Feishu's token endpoint, for tests, `hrsync demo` and benchmarks.
//
// It follows the API documents in docs/api/ and docs/api-notes.md: the same paths, validation,
// HTTP statuses, codes and messages, rate limits counted in sliding windows, tokens that expire,
// and faults injected by probability or schedule. It keeps state — which entities exist (from a
// fixture) and what was last written to each — and shows it, with request statistics, through
// state_json() / stats_json() and GET /_emulator/state, /_emulator/stats (emulator/README.md
// documents the shapes). It shares no code with connectors/: it is written from the documents.
//
//   Emulator emu(EmulatorOptions{.fixture = fixture});
//   if (auto r = emu.start(); !r) ...;
//   ... point a job at emu.base_url() ...
//   emu.state_json();
//
// Thread-safety: start() and stop() from one thread; every other method from any thread, also
// while requests are served. The destructor stops the server.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "emulator/emulator_options.h"
#include "emulator/fault_plan.h"
#include "emulator/fixture.h"

namespace hrsync::emulator {

class HttpServer;
class Service;

class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Makes the TLS certificate (when options.tls), binds and starts serving. A kNetwork error
  // names the address when it cannot listen.
  Result<void> start();

  // The bound port, after start().
  std::uint16_t port() const { return port_; }

  // "http://127.0.0.1:PORT", or "https://localhost:PORT" with TLS (the certificate's first name).
  std::string base_url() const;

  // The run's CA certificate (PEM) when options.tls, else "".
  const std::string& ca_pem() const { return ca_pem_; }

  // Stops serving and closes every connection. Idempotent.
  void stop();

  // {"contact_user": {user_id: fields}, "contact_group": {...}, "attendance_face": {...},
  //  "acs_card": {...}, "sophon_person": {...}}: what each written entity holds now.
  std::string state_json() const;

  // Requests per endpoint and outcome, throttling and the most requests seen in any window of
  // each limit tier, fault hits, tokens issued, entity counts.
  std::string stats_json() const;

  // {"hook_id", "signed", "messages": [{"code", "msg_type", "text", "timestamp"}]}: every post to
  // the custom bot webhook, delivered (code 0) or refused. Also GET /_emulator/bot.
  std::string bot_json() const;

  // Back to the fixture's state; statistics, windows and faults as at start. Tokens stay valid.
  void reset();

  // Replaces the entities with `fixture`'s (statistics are kept).
  void load_fixture(const Fixture& fixture);

  // A console edit behind the client's back (also POST /_emulator/edit): `set_json`, a JSON
  // object, merged into the entity `key` of `target`. "" or why it was not made.
  std::string edit(std::string_view target, std::string_view key, std::string_view set_json);

  // Faults at run time: arm a rule, drop all rules (and the outage), answer everything 503 for
  // `seconds` from now, revoke every issued token, change the added latency or the inbound delay.
  void add_fault(const FaultRule& rule);
  void clear_faults();
  void start_outage(double seconds);
  void revoke_tokens();
  void set_latency_ms(double min_ms, double max_ms);
  void set_inbound_jitter_ms(double min_ms, double max_ms);

 private:
  EmulatorOptions options_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::string ca_pem_;
};

}  // namespace hrsync::emulator
