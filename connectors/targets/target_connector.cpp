#include "connectors/targets/target_connector.h"

#include <fmt/format.h>

#include <array>

#include "connectors/targets/acs_card.h"
#include "connectors/targets/attendance_face.h"
#include "connectors/targets/code_table.h"
#include "connectors/targets/contact_group.h"
#include "connectors/targets/contact_user.h"
#include "connectors/targets/field_rules.h"
#include "connectors/targets/sophon_person.h"

namespace hrsync {
namespace {

constexpr std::array<std::string_view, 5> kTargetIds = {"contact_user", "contact_group", "attendance_face", "acs_card",
                                                        "sophon_person"};

}  // namespace

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

std::string_view unique_form(const UniqueRule& rule, std::string_view cell, std::string& scratch) {
  switch (rule.form) {
    case UniqueRule::Form::kExact: return cell;
    case UniqueRule::Form::kMobile: {
      ShortText normal;
      if (!normalise_mobile(cell, normal)) return cell;
      scratch.assign(normal.view());
      return scratch;
    }
    case UniqueRule::Form::kCaseless:
      scratch.assign(cell);
      for (char& c : scratch) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      return scratch;
  }
  return cell;
}

Verdict TargetConnector::classify(int http_status, std::string_view body, const HttpHeaders& headers) const {
  Verdict v = read_answer(http_status, body, headers);
  settle_undocumented(v, http_status);
  return v;
}

const Lane* TargetConnector::find_lane(std::string_view name) const {
  for (const Lane& lane : lanes()) {
    if (lane.name == name) return &lane;
  }
  return nullptr;
}

std::span<const std::string_view> target_ids() { return kTargetIds; }

Result<std::unique_ptr<TargetConnector>> make_target(std::string_view id, const TargetOptions& options) {
  if (id == "contact_user") return make_contact_user(options);
  if (id == "contact_group") return make_contact_group(options);
  if (id == "attendance_face") return make_attendance_face(options);
  if (id == "acs_card") return make_acs_card(options);
  if (id == "sophon_person") return make_sophon_person(options);
  return fail(Error::Kind::kConfig, fmt::format("targets.{}", id),
              fmt::format("unknown target; the targets are {}", fmt::join(kTargetIds, ", ")));
}

}  // namespace hrsync
