// ApiRequest / ApiResult: what an emulated endpoint is given and what it answers.
//
// The HTTP server and the service have already routed the request, checked the token, the
// Content-Type and the rate limit, and parsed the body as a JSON object. An endpoint validates
// the request as its document says and answers with the document's HTTP status, code and
// message; the service wraps the answer in the platform's envelope (Feishu {code, msg, data,
// error} or SophonFogSys {data} / {error}).
//
// Thread-safety: plain value types.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

namespace hrsync::emulator {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The value of query parameter `name`, or `fallback` when it is absent.
inline std::string_view query_value(const QueryParams& q, std::string_view name, std::string_view fallback = {}) {
  for (const auto& [k, v] : q) {
    if (k == name) return v;
  }
  return fallback;
}

struct ApiRequest {
  std::string_view method;       // "PUT", "PATCH", "POST", "GET"
  std::string_view path_id;      // the :user_id / :group_id segment, percent-decoded ("" if none)
  const QueryParams& query;
  const boost::json::object& body;
  bool collection = false;       // a read of many (users/batch, the ACS user list, a Sophon query)
};

struct FieldViolation {
  std::string field;        // "name", "user_setting.face_key"
  std::string description;  // what is wrong with it
};

struct ApiResult {
  int http_status = 200;
  std::int64_t code = 0;                 // Feishu `code` / Sophon `error.code`; 0 = success
  std::string msg = "success";
  boost::json::object data;              // the success payload
  std::vector<FieldViolation> violations;
  std::shared_ptr<void> hold;            // released once the reply has been delivered
};

// A failure: `status`/`code`/`msg` from the document, and the field it concerns ("" = none).
inline ApiResult api_error(int status, std::int64_t code, std::string msg, std::string field = {},
                           std::string description = {}) {
  ApiResult r;
  r.http_status = status;
  r.code = code;
  r.msg = std::move(msg);
  if (!field.empty()) r.violations.push_back({std::move(field), std::move(description)});
  return r;
}

}  // namespace hrsync::emulator
