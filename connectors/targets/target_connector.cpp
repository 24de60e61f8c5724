#include "connectors/targets/target_connector.h"

#include <fmt/format.h>

#include <array>

#include "connectors/targets/acs_card.h"
#include "connectors/targets/attendance_face.h"
#include "connectors/targets/contact_group.h"
#include "connectors/targets/contact_user.h"
#include "connectors/targets/sophon_person.h"

namespace hrsync {
namespace {

constexpr std::array<std::string_view, 5> kTargetIds = {"contact_user", "contact_group", "attendance_face", "acs_card",
                                                        "sophon_person"};

}  // namespace

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
