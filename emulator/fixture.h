// Fixture: which entities exist on each emulated platform when the emulator starts.
//
// A fixture lists the contact users (by user_id, with the fields Feishu already holds for them),
// the departments and user groups, the attendance users (by employee_no and employee_id), the
// users in the access-control permission group, and the SophonFogSys persons. It comes from a
// JSON file (the format is in emulator/README.md) or from an HR CSV export, in which case every
// well-formed employee and group row exists on every platform. Rows that are malformed on purpose
// (wrong field count, grammar errors, empty or duplicate keys) are skipped silently.
//
// Thread-safety: plain value types and pure functions (except for reading files).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "base/error.h"

namespace hrsync::emulator {

struct FixtureUser {
  std::string user_id;           // tenant-wide user ID (user_id_type=user_id); the key
  std::string open_id;           // "" = derived from user_id ("ou_" + 32 hex digits)
  std::string union_id;          // "" = derived from user_id ("on_" + 32 hex digits)
  std::string employee_no;       // optional
  std::string name;              // current values; "" = none
  std::string mobile;
  std::string email;
  std::string enterprise_email;
  std::vector<std::string> department_ids;
  std::string status = "active"; // active | resigned | unjoined
  bool tenant_founder = false;   // freezing the founder is refused (44036)
  // Any other documented member the user holds ("avatar_key", "orders", "custom_attrs", "city",
  // ...), with the document's JSON type: what a PUT that leaves them out erases.
  boost::json::object fields;
};

struct FixtureGroup {
  std::string group_id;
  std::string name;              // unique within the tenant ("" = none)
  std::string description;
};

struct FixtureAttendanceUser {
  std::string employee_no;       // "" = reachable only by employee_id
  std::string employee_id;       // Feishu user ID; "" = reachable only by employee_no
  std::string face_key;          // the face setting held; "" = none
  std::string face_key_update_time;
};

struct FixturePerson {
  std::string identity_id;       // SophonFogSys person number (the HR employee_no)
  std::string name;
  int type = 1;                  // 1 staff, 2 visitor, 3 blacklist, 4 stranger, 5 VIP
  std::vector<std::string> permission_ids;
  std::vector<std::string> group_names;  // the box's person groups ("" none: kDefaultSophonGroup)
};

// The person group the box files a person under when the fixture names none.
inline constexpr std::string_view kDefaultSophonGroup = "default";

struct Fixture {
  std::vector<FixtureUser> users;
  std::vector<std::string> departments;               // known department ids; empty = any id accepted
  std::vector<std::string> custom_attr_ids;           // custom user attributes the tenant defines
  std::vector<int> employee_types;                    // employee types in use (1..5, custom ones);
                                                      // empty = 1..5; an unused standard one: 41060
  std::vector<std::string> enterprise_email_domains;  // empty = any domain accepted
  std::vector<FixtureGroup> groups;
  std::vector<FixtureAttendanceUser> attendance_users;
  std::vector<std::string> acs_users;                 // user_ids in the access-control permission group
  std::vector<std::pair<std::string, std::int64_t>> acs_cards;  // user_id -> the card it holds
  std::vector<FixturePerson> sophon_persons;
};

// Parses a fixture from JSON text. `where` names the source for messages (a file name).
// Unknown keys and values of the wrong type are kInput errors naming the key.
Result<Fixture> parse_fixture(std::string_view json, std::string_view where);

// parse_fixture of a file.
Result<Fixture> load_fixture(const std::string& path);

// The fixture as JSON that parse_fixture reads back.
std::string fixture_to_json(const Fixture& fixture);

// A fixture in which every well-formed employee of `employees_csv` and every group of `groups_csv`
// ("" = none) exists on every platform. Headers use the canonical column names of README.md; only
// employee_no (and group_id) are required. A mobile or email that is malformed or already taken by
// an earlier row is left out of the user, since Feishu holds each at most once. The users hold
// their name, mobile, e-mails and departments; with `every_member` also every other column that
// is a member of the contact user document, the ACS users their card_no and the attendance users
// their face_key: a tenant that holds what HR says.
Result<Fixture> fixture_from_hr_csv(const std::string& employees_csv, const std::string& groups_csv = "",
                                    bool every_member = false);

// The open_id / union_id the emulator derives for a user_id without one.
std::string derived_open_id(std::string_view user_id);
std::string derived_union_id(std::string_view user_id);

}  // namespace hrsync::emulator
