// Service: the emulator's logic behind the HTTP server — from a request to the answer.
//
// Before a request is handled, the server asks inbound_delay_s() and holds it that long.
// For each request it routes, applies the outage window and the transport faults (reset, stall),
// serves the token endpoint, checks the token (Feishu: 99991661 / 99991663 / 99991671), the rate
// limit (429 + 99991400 + x-ogw-ratelimit-* headers), the Content-Type and the JSON body, injects
// internal errors and user locks, and then lets the endpoint validate and apply the request. It
// wraps the endpoint's answer in the platform's envelope, draws the added latency and counts the
// outcome. /_emulator/... requests (state, stats, reset, faults, fixture) bypass all of that.
// The server knows nothing of the APIs; the service knows nothing of sockets.
//
// Thread-safety: every public method may be called from any thread (one mutex inside).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "base/error.h"
#include "emulator/emulator_options.h"

namespace hrsync::emulator {

struct Target;

// The parts of an HTTP request the service reads.
struct HttpRequestView {
  std::string_view method;         // "PUT"
  std::string_view target;         // path and query
  std::string_view authorization;  // the Authorization header, "" when absent
  std::string_view content_type;   // the Content-Type header, "" when absent
  std::string_view body;
};

enum class ReplyAction : std::uint8_t {
  kRespond,  // send the reply (after delay_s)
  kReset,    // reset the connection without answering
  kStall,    // never answer; keep the connection until the client closes it
};

struct HttpReply {
  ReplyAction action = ReplyAction::kRespond;
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  double delay_s = 0;           // added latency before the reply is sent
  std::shared_ptr<void> hold;   // to be released once the reply has been sent (or abandoned)
  std::string outcome;          // for statistics: the API code, or "reset", "outage", ...
};

class Service {
 public:
  explicit Service(EmulatorOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  HttpReply handle(const HttpRequestView& request);

  // How long a request to `target` travels before it reaches the gateway: drawn from the inbound
  // jitter (0 when none is set, and for /_emulator/ requests). The server holds the request this
  // long before handle(), so the rate limit counts it at its arrival.
  double inbound_delay_s(std::string_view target);

  // The answer to a request whose body passed the size limit, for a request to `target`.
  HttpReply too_large(std::string_view target);

  std::string state_json() const;
  std::string stats_json() const;
  std::string bot_json() const;  // what the custom bot received (emulator/bot_hook.h)

  // Back to the state after start: the fixture's entities, no writes, empty windows and
  // counters, the configured faults re-armed, no outage. Issued tokens stay valid.
  void reset();

  void load_fixture(const Fixture& fixture);

  // A console edit behind the client's back: `set`'s members merged into the entity `key` of
  // `target` ("contact_user", ...; emulator/README.md lists what each takes). "" or why not.
  std::string edit(std::string_view target, std::string_view key, const boost::json::object& set);

  void add_fault(const FaultRule& rule);
  void clear_faults();
  void start_outage(double seconds);
  void revoke_tokens();
  void set_latency_ms(double min_ms, double max_ms);
  void set_inbound_jitter_ms(double min_ms, double max_ms);

 private:
  struct Impl;
  HttpReply control(const HttpRequestView& request, const Target& target);
  HttpReply control_faults(std::string_view body);
  HttpReply control_edit(std::string_view body);

  mutable std::mutex mu_;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> inbound_on_;  // an inbound jitter is set (read without the mutex on every request)
};

}  // namespace hrsync::emulator
