// Image probing for the SophonFogSys reg_photo field: base64 decoding and the size of a JPEG,
// PNG or BMP image, read from its header, without decoding pixels.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hrsync::emulator {

// The bytes `text` encodes in standard base64 (RFC 4648 alphabet; padding optional; CR and LF
// ignored), or nullopt when it is not base64.
std::optional<std::string> decode_base64(std::string_view text);

struct ImageSize {
  unsigned width = 0;
  unsigned height = 0;
};

// The pixel size of a JPEG, PNG or BMP image, or nullopt when `bytes` is none of these (or its
// header is cut short).
std::optional<ImageSize> probe_image(std::string_view bytes);

}  // namespace hrsync::emulator
