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
// The reads and creates (docs/api-notes.md "Reading what a target holds", "Creating what a
// target lacks"), each an endpoint of its own, named "<platform>.read" / ".create" / ".upload":
//   GET   /open-apis/contact/v3/users/batch, /open-apis/contact/v3/users/:user_id   contact_user.read
//   POST  /open-apis/contact/v3/users                                 contact_user.create
//   GET   /open-apis/contact/v3/group/:group_id                       contact_group.read
//   POST  /open-apis/contact/v3/group                                 contact_group.create
//   POST (or GET) /open-apis/attendance/v1/user_settings/query        attendance_face.read
//   POST  /open-apis/attendance/v1/files/upload                       attendance_face.upload
//   GET   /open-apis/acs/v1/users, /open-apis/acs/v1/users/:user_id   acs_card.read
//   GET   /SophonFogSys/api/users                                     sophon_person.read
//   POST  /SophonFogSys/api/users                                     sophon_person.create
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
  kContactUserRead,
  kContactUserCreate,
  kContactGroupRead,
  kContactGroupCreate,
  kAttendanceRead,
  kAttendanceUpload,
  kAcsRead,
  kSophonRead,
  kSophonCreate,
  kUnknown,
  kCount,
};

// "token", "contact_user", ..., "contact_user.read", ..., "unknown": the names stats and fault
// rules use (a fault rule's @ENDPOINT matches one name exactly).
std::string_view endpoint_name(Endpoint e);

// What an endpoint does to its platform's entities.
enum class Operation : std::uint8_t { kUpdate, kRead, kCreate, kOther };
Operation operation_of(Endpoint e);
std::string_view operation_name(Operation op);  // "update", "read", "create", "other"

// The update endpoint of the same API family (kContactUserRead -> kContactUser): whose
// envelope, parameter error and internal error an endpoint answers with. Others: themselves.
Endpoint platform_of(Endpoint e);

struct Target {
  std::string path;   // the path as sent (route() decodes the id segment)
  QueryParams query;  // percent-decoded query parameters, in order
};

// Splits a request target into its path and query ("+" in the query is a space).
Target parse_target(std::string_view target);

struct Route {
  Endpoint endpoint = Endpoint::kUnknown;
  std::string path_id;  // the :user_id, :group_id or :hook_id segment, percent-decoded
  bool collection = false;  // a read of many (users/batch, the ACS user list, a Sophon query)
};

Route route(std::string_view method, std::string_view path);

}  // namespace hrsync::emulator
