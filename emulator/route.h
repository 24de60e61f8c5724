// Route: which emulated endpoint a request is for, from its method and target.
//
//   POST  /open-apis/auth/v3/tenant_access_token/internal            token
//   PUT   /open-apis/contact/v3/users/:user_id   (and PATCH)         contact_user
//   PATCH /open-apis/contact/v3/group/:group_id                      contact_group
//   POST  /open-apis/attendance/v1/user_settings/modify              attendance_face
//   PATCH /open-apis/acs/v1/users/:user_id                           acs_card
//   PUT   /SophonFogSys/api/users                                    sophon_person
//   POST  /open-apis/bot/v2/hook/:hook_id                            bot_hook (a chat's custom bot)
//
// Anything else is kUnknown (Feishu's gateway answers such requests 404).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/api_result.h"

namespace hrsync::emulator {

enum class Endpoint : std::uint8_t {
  kToken,
  kContactUser,
  kContactGroup,
  kAttendanceFace,
  kAcsCard,
  kSophonPerson,
  kBotHook,
  kUnknown,
  kCount,
};

// "token", "contact_user", ..., "unknown": the names stats and fault rules use.
std::string_view endpoint_name(Endpoint e);

struct Target {
  std::string path;   // the path as sent (route() decodes the id segment)
  QueryParams query;  // percent-decoded query parameters, in order
};

// Splits a request target into its path and query ("+" in the query is a space).
Target parse_target(std::string_view target);

struct Route {
  Endpoint endpoint = Endpoint::kUnknown;
  std::string path_id;  // the :user_id, :group_id or :hook_id segment, percent-decoded
};

Route route(std::string_view method, std::string_view path);

}  // namespace hrsync::emulator
