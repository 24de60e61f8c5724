// Option checks: the TargetOptions values a connector accepts, checked once in make_target().
//
// Every connector states which options it reads (OptionUse); an option it reads must hold one of
// its documented values, and an option it does not read must keep its default, so that a config
// line meant for another target is an error instead of being silently ignored. Errors are kConfig
// with where = "targets.<id>.<option>".
//
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "connectors/targets/target_connector.h"
#include "base/error.h"

namespace hrsync {

// Which options a connector reads.
struct OptionUse {
  bool mode = false;                // put | patch
  bool freeze = false;              // on_missing may be freeze (ignore is always allowed)
  bool revoke = false;              // on_missing may be revoke or blacklist
  bool employee_type = false;       // employee_id | employee_no
  bool user_id_type = false;        // open_id | union_id | user_id
  bool department_id_type = false;  // department_id | open_department_id
  bool photo_dir = false;           // any folder
  bool face_from = false;           // column | photo
  bool group_name = false;          // any group name(s)
  bool tenant = false;              // feishu | uncertified | lark
  bool fields = false;              // a list the connector checks itself
};

// Ok, or the first option of `options` that `target` does not accept.
Result<void> check_options(std::string_view target, const TargetOptions& options, const OptionUse& use);

}  // namespace hrsync
