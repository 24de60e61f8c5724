#include "connectors/targets/feishu_envelope.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <exception>
#include <string>

#include "connectors/targets/code_table.h"
#include "connectors/targets/feishu_throttle.h"
#include "connectors/targets/unreadable_response.h"

namespace hrsync {
namespace {

namespace od = simdjson::ondemand;

struct Envelope {
  bool has_code = false;
  std::int64_t code = 0;
  std::string msg;
  std::string log_id;
};

// Reads error.log_id, when there is one, into `out`.
void read_log_id(od::value error, Envelope& out) {
  od::object obj;
  if (error.get_object().get(obj) != simdjson::SUCCESS) return;
  for (auto member : obj) {
    od::field field;
    std::string_view key;
    if (std::move(member).get(field) != simdjson::SUCCESS) return;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return;
    if (key != "log_id") continue;
    std::string_view id;
    if (field.value().get_string().get(id) == simdjson::SUCCESS) out.log_id.assign(id);
    return;
  }
}

// Reads the envelope of `body` into `out`; returns "" or what was wrong with the body.
std::string read_envelope(std::string_view body, Envelope& out) {
  thread_local od::parser parser;
  simdjson::padded_string padded(body);
  od::document doc;
  if (auto err = parser.iterate(padded).get(doc)) return fmt::format("body is not JSON ({})", simdjson::error_message(err));
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return "body is not a JSON object";
  for (auto member : obj) {
    od::field field;
    std::string_view key;
    if (auto err = std::move(member).get(field)) return fmt::format("body is not valid JSON ({})", simdjson::error_message(err));
    if (auto err = field.unescaped_key().get(key)) return fmt::format("body is not valid JSON ({})", simdjson::error_message(err));
    if (key == "code") {
      if (field.value().get_int64().get(out.code) != simdjson::SUCCESS) return "envelope member \"code\" is not an integer";
      out.has_code = true;
    } else if (key == "msg") {
      std::string_view msg;
      if (field.value().get_string().get(msg) == simdjson::SUCCESS) out.msg.assign(msg);
    } else if (key == "error") {
      read_log_id(field.value(), out);
    }
  }
  if (!out.has_code) return "body is not a Feishu envelope (no \"code\")";
  return {};
}

Verdict classify_envelope(int http_status, std::string_view body, std::span<const CodeRule> table) {
  Envelope env;
  if (std::string what = read_envelope(body, env); !what.empty()) {
    return unreadable_response(http_status, what, body);
  }
  Verdict v;
  v.code = env.code;
  v.message = std::move(env.msg);
  v.log_id = std::move(env.log_id);
  if (http_status == 429) {
    v.disposition = Disposition::kRateLimited;
    v.documented = find_code(table, env.code) != nullptr || env.code == 0;
    return v;
  }
  if (env.code == 0) {
    if (is_http_success(http_status)) {
      v.disposition = Disposition::kSuccess;
      return v;
    }
    return unreadable_response(http_status, "code 0 with a failure status", body);
  }
  apply_rule(v, find_code(table, env.code));
  return v;
}

}  // namespace

Verdict classify_feishu(int http_status, std::string_view body, const HttpHeaders& headers,
                        std::span<const CodeRule> table) noexcept {
  Verdict v;
  try {
    v = classify_envelope(http_status, body, table);
  } catch (const std::exception& e) {
    v = unreadable_response(http_status, fmt::format("could not read the body ({})", e.what()), {});
  } catch (...) {
    v = unreadable_response(http_status, "could not read the body", {});
  }
  read_feishu_throttle(headers, v);
  return v;
}

}  // namespace hrsync
