#include "emulator/emulator.h"

#include <boost/json/parse.hpp>

#include <fmt/format.h>

#include "emulator/http_server.h"
#include "emulator/service.h"
#include "emulator/tls_material.h"

namespace hrsync::emulator {

Emulator::Emulator(EmulatorOptions options) {
  Fixture fixture = std::move(options.fixture);  // the service holds the only copy
  options.fixture = {};
  options_ = options;
  options.fixture = std::move(fixture);
  service_ = std::make_unique<Service>(std::move(options));
}

Emulator::~Emulator() { stop(); }

Result<void> Emulator::start() {
  ServerOptions server{options_.host, options_.port, options_.threads, options_.idle_timeout_s,
                       options_.max_body_bytes, std::nullopt};
  if (options_.tls) {
    auto material = make_tls_material(options_.tls_names);
    if (!material) return std::unexpected(material.error());
    ca_pem_ = material->ca_pem;
    server.tls = std::move(*material);
  }
  auto s = std::make_unique<HttpServer>(*service_, std::move(server));
  if (auto r = s->start(); !r) return r;
  port_ = s->port();
  server_ = std::move(s);
  return {};
}

std::string Emulator::base_url() const {
  std::string host = options_.host.find(':') == std::string::npos ? options_.host : "[" + options_.host + "]";
  if (!options_.tls) return fmt::format("http://{}:{}", host, port_);
  return fmt::format("https://{}:{}", options_.tls_names.empty() ? host : options_.tls_names.front(), port_);
}

void Emulator::stop() { server_.reset(); }

std::string Emulator::state_json() const { return service_->state_json(); }
std::string Emulator::stats_json() const { return service_->stats_json(); }
std::string Emulator::bot_json() const { return service_->bot_json(); }
void Emulator::reset() { service_->reset(); }
void Emulator::load_fixture(const Fixture& fixture) { service_->load_fixture(fixture); }

std::string Emulator::edit(std::string_view target, std::string_view key, std::string_view set_json) {
  boost::system::error_code ec;
  boost::json::value set = boost::json::parse(set_json, ec);
  if (ec || !set.is_object()) return "set: not a JSON object";
  return service_->edit(target, key, set.get_object());
}
void Emulator::add_fault(const FaultRule& rule) { service_->add_fault(rule); }
void Emulator::clear_faults() { service_->clear_faults(); }
void Emulator::start_outage(double seconds) { service_->start_outage(seconds); }
void Emulator::revoke_tokens() { service_->revoke_tokens(); }
void Emulator::set_latency_ms(double min_ms, double max_ms) { service_->set_latency_ms(min_ms, max_ms); }
void Emulator::set_inbound_jitter_ms(double min_ms, double max_ms) { service_->set_inbound_jitter_ms(min_ms, max_ms); }

}  // namespace hrsync::emulator
