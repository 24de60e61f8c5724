// TargetConnector: everything hrsync knows about one target API, as pure code.
//
// A connector is two things: what a record becomes on the target (RecordProjection,
// record_projection.h: the document, its field rules, what the target keeps) and the operations
// its API offers (target_operation.h), each with its request, lanes, rate and code table: update(),
// read() where it reads what the target holds, and create() where it creates what the target lacks. It holds no socket, no clock and no snapshot: the engine sends, waits and stores.
// An operation the API offers besides the update (a read, a create) is an accessor of its own
// here that returns nullptr by default, overridden by the connectors whose API has it.
//
// Thread-safety: connectors are immutable after construction; all methods are const and may be
// called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "connectors/targets/record_projection.h"
#include "connectors/targets/target_operation.h"

namespace hrsync {

// Which credentials and base URL a target uses.
enum class Platform : std::uint8_t { kFeishu, kSophon };

// Options a job config may set for one target. Connectors read what applies to them and reject
// values they do not know (make_target returns the error).
struct TargetOptions {
  std::string mode = "patch";                  // contact_user: patch (the document recommends it) | put
  std::string on_missing = "ignore";           // ignore | freeze (contact_user) | revoke | blacklist (sophon_person)
  std::string employee_type = "employee_no";   // attendance_face: employee_id | employee_no
  std::string user_id_type = "user_id";        // contact_user, acs_card: open_id | union_id | user_id
  std::string department_id_type = "open_department_id";  // contact_user, contact_group
  std::string photo_dir;                       // sophon_person, attendance_face: base folder of relative photo paths
  // attendance_face: where a face_key comes from: column (the face_key column) | photo (the photo
  // column's file, uploaded through the attendance file upload, its id sent as face_key).
  std::string face_from = "column";
  std::string group_name;                      // sophon_person: the group(s) a created person joins ("a,b")
  // contact_user: the kind of tenant, which decides the mobile rules: feishu (certified),
  // uncertified (a Feishu tenant without certification: +86 numbers only) or lark (mobile
  // optional, +86 refused).
  std::string tenant = "feishu";
  // contact_user: the document members hrsync owns and sends; empty for every member it can send.
  // A member left out is neither sent nor checked, and its cell is read as empty.
  std::vector<std::string> fields;
};

class TargetConnector : public RecordProjection {
 public:
  virtual std::string_view id() const = 0;  // "contact_user"
  virtual Platform platform() const = 0;

  // What the plan says once per run about this target, whatever the entities: a side effect of
  // its requests the API documents (contact_user's PUT may reset members hrsync does not send).
  virtual std::vector<std::string> plan_notes() const { return {}; }

  // The update of one entity, which every target offers.
  virtual const UpdateOperation& update() const = 0;

  // The read of what the target holds, nullptr where the connector has none.
  virtual const ReadOperation* read() const { return nullptr; }

  // The create of an entity the target lacks, nullptr where the API has none (an entity that
  // exists once another target holds it: acs_card, attendance_face).
  virtual const CreateOperation* create() const { return nullptr; }
};

// The five target ids, in the order reports list them.
std::span<const std::string_view> target_ids();

// The connector for `id` with `options`, or a kConfig error naming the bad id or option.
Result<std::unique_ptr<TargetConnector>> make_target(std::string_view id, const TargetOptions& options);

}  // namespace hrsync
