// Encodings of CSV exports: reading a GB18030 file as UTF-8, and recognising one read as UTF-8.
//
// Excel in a Chinese locale saves "CSV" in GB18030 (GBK, GB2312 are subsets of it). A source with
// encoding "gb18030" is transcoded to UTF-8 through glibc's iconv into an unnamed temporary file
// (O_TMPFILE in $TMPDIR, else /tmp), which the CSV scanner then reads as any UTF-8 file: line
// breaks are kept, so every row keeps its line number. A source read as UTF-8 whose first 64 KiB
// have more lines of invalid UTF-8 than not and decode as GB18030 is refused at open with an error naming the
// option, instead of rejecting every row.
//
// Thread-safety: pure functions over the file system.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace hrsync {

// The encodings a CSV source may declare: "utf-8" (the default) and "gb18030".
bool known_csv_encoding(std::string_view encoding);

// A readable file descriptor, at offset 0, of the UTF-8 text of the GB18030 file at `path`; the
// caller closes it. kIo when the file cannot be read or the temporary file written; kInput naming
// path:line when a byte sequence is not GB18030.
Result<int> gb18030_to_utf8_file(const std::string& path);

// When the start of the file at `path` is not UTF-8 but reads as GB18030: a kInput error saying
// so and naming the option `encoding = "gb18030"`. Otherwise (UTF-8, mostly UTF-8 with a few bad
// bytes the rows will report, or unreadable: the scanner reports that) nothing.
Result<void> check_not_gb18030(const std::string& path);

}  // namespace hrsync
