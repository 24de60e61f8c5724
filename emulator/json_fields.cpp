#include "emulator/json_fields.h"

#include <algorithm>

#include <boost/json/array.hpp>

namespace hrsync::emulator {

std::string_view json_type_name(JsonType t) {
  switch (t) {
    case JsonType::kString: return "a string";
    case JsonType::kBool: return "a boolean";
    case JsonType::kInt: return "an integer";
    case JsonType::kStringArray: return "an array of strings";
    case JsonType::kObjectArray: return "an array of objects";
    case JsonType::kObject: return "an object";
  }
  return "?";
}

bool has_json_type(const boost::json::value& v, JsonType t) {
  switch (t) {
    case JsonType::kString: return v.is_string();
    case JsonType::kBool: return v.is_bool();
    case JsonType::kInt: return v.is_int64() || (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX));
    case JsonType::kObject: return v.is_object();
    case JsonType::kStringArray:
      return v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(), [](const auto& e) { return e.is_string(); });
    case JsonType::kObjectArray:
      return v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(), [](const auto& e) { return e.is_object(); });
  }
  return false;
}

}  // namespace hrsync::emulator
