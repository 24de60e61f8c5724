// The chat message: the run summary posted to a Feishu group chat through a custom bot's webhook
// ([notify]).
//
// notice_text() says how the run ended, each target's counts and the top failure codes with the
// API document's meaning — counts and codes only, never an entity key or personal data.
// post_chat_message() posts it through the custom bot's connector
// (connectors/targets/feishu_bot.h), which builds the signed request and judges the answer; this
// file only sends it. Whether a run is posted is should_notify()'s; `hrsync sync`
// (engine/cli/sync_command.cpp) asks it, posts, and prints what went wrong.
//
// The webhook URL is itself a credential: it goes on the wire and nowhere else. Errors name the
// config key it came from and the host, never the URL or its path.
//
// Thread-safety: pure functions; post_chat_message() runs its own io_context on the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/secret.h"
#include "connectors/targets/target_connector.h"
#include "engine/run/run_report.h"
#include "engine/config/config.h"

namespace hrsync {

struct Notice {
  std::string job;                  // job.name
  int exit_code = 0;
  const RunReport* report = nullptr;  // null when the run stopped before it sent anything
  std::vector<std::string> gates;   // why the safety gates stopped the run
  std::string config_path;          // for the `hrsync report` line
};

// True iff a run ending with `exit_code` is to be posted under `config`.
bool should_notify(const NotifyConfig& config, int exit_code);

// The message, at most `top` failure groups (target and code, largest first).
std::string notice_text(const Notice& notice, const std::vector<const TargetConnector*>& connectors,
                        std::size_t top = 5);

// Posts `text` to the chat at the webhook URL, signed at `timestamp` (Unix seconds) with `secret`
// when it is not empty. Errors: kConfig (the URL is not http(s)://host/path), kNetwork
// (unreachable, timeout), kProtocol (an answer that is not a Feishu envelope, or one that refuses
// the message: the error then carries the code and msg the chat answered).
Result<void> post_chat_message(const SecretRef& url, std::string_view text, std::int64_t timestamp,
                               const Secret& secret, const HttpConfig& http);

}  // namespace hrsync
