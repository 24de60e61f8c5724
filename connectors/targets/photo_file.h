// Photo files: where a record's photo is, its content hash, and its bytes.
//
// sophon_person names a photo by path in the HR data. project() checks the file's size and
// signature from its metadata and first bytes (probe_photo) and puts its content hash ("xxh3:<16 hex>") in the canonical document, so a new photo under the
// same path is a change; build_request() reads the bytes to inline them. These are the only file
// reads of the connectors.
//
// Thread-safety: pure functions over the file system.
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"

namespace hrsync {

// `path` itself when absolute or when `base` is empty, else `base`/`path`.
std::string resolve_photo_path(std::string_view path, std::string_view base);

// What a photo file's first bytes say it is.
enum class ImageFormat : std::uint8_t { kUnknown, kJpeg, kPng };

std::string_view image_format_name(ImageFormat f);  // "JPEG", "PNG", "unknown"

// A photo file's size and format, from its metadata and its first bytes only.
struct PhotoFacts {
  std::uint64_t size = 0;
  ImageFormat format = ImageFormat::kUnknown;
};

// Size (fstat) and format (the JPEG FF D8 FF or PNG 89 50 4E 47 0D 0A 1A 0A signature) of the
// file at `path`, reading at most 8 bytes. A kIo error names the path and the reason.
Result<PhotoFacts> probe_photo(const std::string& path);

// XXH3-64 of the content of the file at `path`. A kIo error names the path and the reason; an
// empty file is an error too (it cannot be a photo), and so is one that is not a regular file (a
// link to a device) or that holds more than `max_bytes` (read no further than one byte past them).
Result<std::uint64_t> hash_file(const std::string& path, std::uint64_t max_bytes = UINT64_MAX);

// The whole content of the file at `path`, or a kIo error naming the path and the reason; as
// bounded as hash_file(): a regular file of at most `max_bytes`, never read past one byte more, so
// a photo swapped for a larger file or a link to /dev/zero after the plan costs no memory.
Result<std::string> read_whole_file(const std::string& path, std::uint64_t max_bytes = UINT64_MAX);

// What a target takes as a photo: the formats, the most bytes, and who takes it, as its messages
// say ("the box takes", "hrsync uploads").
struct PhotoRule {
  std::span<const ImageFormat> formats;
  std::uint64_t max_bytes;
  std::string_view taker;
};

// The content hash of the photo at `path` when it is one `rule` takes (a non-empty file of one of
// its formats, at most its bytes), else why not, naming the path: what project() puts in a
// document, or the reason its row (or its photo) is left out.
std::expected<std::uint64_t, std::string> hash_usable_photo(const std::string& path, const PhotoRule& rule);

// XXH3-64 of `bytes`, as hash_file() gives it for a file holding them.
std::uint64_t hash_bytes(std::string_view bytes);

// "xxh3:" and the 16 lower-case hex digits of `hash`.
struct HashText {
  char data[21];
  std::string_view view() const { return {data, sizeof data}; }
};
HashText hash_text(std::uint64_t hash);

}  // namespace hrsync
