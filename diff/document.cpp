#include "diff/document.h"

#include <xxhash.h>

namespace hrsync {

std::uint64_t content_hash(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

}  // namespace hrsync
