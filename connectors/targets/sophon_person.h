// sophon_person: SophonFogSys face platform, update a person.
//
// PUT /SophonFogSys/api/users (docs/api/sophon-users-put.md), body
// {"identity_id":...,"info":{"name":...,"permission_ids":[...],"type":N},"reg_photo":<base64>}.
// The key, sent as identity_id, is the employee_no column; info is always sent (the document
// requires it, possibly empty); type is 1..5; permission_ids is the ';'-separated column.
// The photo column names an image file (relative paths resolve against options.photo_dir): the
// canonical document holds its content hash ("xxh3:<16 hex>") so that a new photo under the same
// path is a change, Document::attachment holds the resolved path, and build_request() inlines
// the bytes as base64 only when the hash differs from the last applied one (an absent reg_photo
// keeps the face, so a rename uploads nothing). project() checks the photo's size and signature
// from the file's metadata and first bytes (limits in the connector's table); a photo the box
// would refuse is left out and noted (Document::omitted_*), the rest of the person still sent.
// The PUT replaces the person and the box reads an absent type as 1 and absent permission_ids as
// ["0"], so keep_unset() fills empty type, permission_ids and photo from the last applied
// document. on_missing: ignore, revoke (permission_ids = []) or blacklist (type = 3). Sophon answers {"data":{...}} or {"error":{"code","message","status"}}
// (codes in docs/api-notes.md). The box documents no rate limit: the default (10/s) is a
// conservative guess that the job config overrides.
//
// Thread-safety: the connector is immutable; see target_connector.h.
#pragma once

#include <memory>

#include "connectors/targets/target_connector.h"

namespace hrsync {

// The connector, or a kConfig error naming the option it does not accept.
Result<std::unique_ptr<TargetConnector>> make_sophon_person(const TargetOptions& options);

}  // namespace hrsync
