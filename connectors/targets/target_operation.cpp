#include "connectors/targets/target_operation.h"

#include "connectors/targets/code_table.h"

namespace hrsync {

std::string_view disposition_name(Disposition d) {
  switch (d) {
    case Disposition::kSuccess: return "success";
    case Disposition::kRetry: return "retry";
    case Disposition::kRateLimited: return "rate_limited";
    case Disposition::kRefreshToken: return "refresh_token";
    case Disposition::kPermanent: return "permanent";
  }
  return "unknown";
}

Verdict TargetOperation::classify(int http_status, std::string_view body, const HttpHeaders& headers) const {
  Verdict v = read_answer(http_status, body, headers);
  settle_undocumented(v, http_status);
  // The log id a support request names, when the body gave none: the Feishu gateway's header,
  // else the request id a proxy or the box may send.
  if (v.log_id.empty()) {
    if (auto id = headers.find("X-Tt-Logid")) {
      v.log_id.assign(*id);
    } else if (auto request_id = headers.find("X-Request-Id")) {
      v.log_id.assign(*request_id);
    }
  }
  return v;
}

const Lane* TargetOperation::find_lane(std::string_view name) const {
  for (const Lane& lane : lanes()) {
    if (lane.name == name) return &lane;
  }
  return nullptr;
}

}  // namespace hrsync
