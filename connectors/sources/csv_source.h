// The CSV source: HR records from an RFC 4180 export with a header row.
//
// The first row names the columns; map_columns (column_map.h) matches them to canonical fields,
// with the job's renames. Columns that feed no field are ignored; a missing required column, an
// empty file or a file without a header fails open_csv_source with a message naming the file,
// the column and the header that was found. Then every row becomes a record whose origin is
// (path, line): the physical line where the row starts, the header being line 1, printed
// "path:line". Values are kept
// exactly as written: no conversion (join_time stays whatever the file holds), and no trimming
// except of the key cells (employee_no or group_id, and user_id), whose surrounding spaces and
// tabs go so that " E00003 " and "E00003" are one entity. CsvOptions::encoding "gb18030" reads a
// GB18030 export through a UTF-8 copy; a UTF-8 read of a file that is GB18030 fails at open with
// an error naming that option (encoding.h).
//
// A row with the wrong number of fields, a quoting error, invalid UTF-8 (anywhere in the row,
// ignored columns included), a field longer than CsvOptions::max_field_bytes or an empty key is
// not returned: it goes to rejections() as {(path, line), key if readable, reason}.
//
// The file is streamed through a fixed-size buffer (csv_scanner.h) into the caller's Record,
// whose strings are reused, so reading allocates nothing per row once warmed up.
//
// Thread-safety: a source is used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "connectors/sources/csv_scanner.h"
#include "connectors/sources/record_source.h"
#include "base/error.h"

namespace hrsync {

// Opens `path`, reads and maps its header. Errors: kIo (cannot open or read), kInput (empty file,
// no header, bad header, missing or duplicate column), kConfig (contradictory renames).
Result<std::unique_ptr<RecordSource>> open_csv_source(const std::string& path, const SourceOptions& options);
Result<std::unique_ptr<RecordSource>> open_csv_source(const std::string& path, const SourceOptions& options,
                                                      const CsvOptions& csv);

}  // namespace hrsync
