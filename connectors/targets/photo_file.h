// Photo files: where a record's photo is, its content hash, and its bytes.
//
// sophon_person names a photo by path in the HR data. project() checks that the file is readable
// and puts its content hash ("xxh3:<16 hex>") in the canonical document, so a new photo under the
// same path is a change; build_request() reads the bytes to inline them. These are the only file
// reads of the connectors.
//
// Thread-safety: pure functions over the file system.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace hrsync {

// `path` itself when absolute or when `base` is empty, else `base`/`path`.
std::string resolve_photo_path(std::string_view path, std::string_view base);

// XXH3-64 of the content of the file at `path`. A kIo error names the path and the reason; an
// empty file is an error too (it cannot be a photo).
Result<std::uint64_t> hash_file(const std::string& path);

// The whole content of the file at `path`, or a kIo error naming the path and the reason.
Result<std::string> read_whole_file(const std::string& path);

// "xxh3:" and the 16 lower-case hex digits of `hash`.
struct HashText {
  char data[21];
  std::string_view view() const { return {data, sizeof data}; }
};
HashText hash_text(std::uint64_t hash);

}  // namespace hrsync
