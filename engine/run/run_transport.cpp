#include "engine/run/run_transport.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "engine/net/clock.h"
#include "engine/run/throttle_pause.h"

namespace hrsync {

HttpTransportOptions run_transport_options(const JobConfig& config, const HttpTransportOptions& given,
                                           Redactor& redactor) {
  HttpTransportOptions options = given;
  options.token.on_token = [&redactor, told = given.token.on_token](const std::string& token) {
    redactor.add(token);
    if (told) told(token);
  };
  if (!options.token.throttle_pause) {
    options.token.throttle_pause = [max_s = config.retry.max_pause_s](std::optional<double> reset_s) {
      const double unix_now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      return seconds_to_duration(throttle_pause(reset_s, unix_now, 1.0, std::max(max_s, 1.0)).seconds);
    };
  }
  return options;
}

}  // namespace hrsync
