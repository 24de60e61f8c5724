// JSON field access for the emulated endpoints: typed look-ups that tell "absent" from "wrong type".
//
// A member whose value is null counts as absent, as the Feishu servers read it.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace hrsync::emulator {

enum class JsonType : std::uint8_t { kString, kBool, kInt, kStringArray, kObjectArray, kObject };

std::string_view json_type_name(JsonType t);

// True iff `v` has type `t` (kInt: an integer that fits in int64, not a float).
bool has_json_type(const boost::json::value& v, JsonType t);

// The member `key` of `o`, or nullptr when it is absent or null.
inline const boost::json::value* member(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

// The string member `key`, or nullopt when absent. REQUIRES: its type was checked.
inline std::optional<std::string_view> string_member(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = member(o, key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}

// The integer member `key`, or nullopt when absent or not an integer.
inline std::optional<std::int64_t> int_member(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = member(o, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

}  // namespace hrsync::emulator
