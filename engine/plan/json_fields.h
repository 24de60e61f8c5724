// Members of a parsed JSON object (Boost.JSON) read leniently: a member that is missing or of
// another type reads as empty (""), 0, or an empty object or array. For the documents hrsync
// writes itself and reads back (plan files, run summaries), where a reader checks what it needs.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace hrsync::json_fields {

inline std::string text(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

inline std::int64_t integer(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

inline std::uint64_t count(const boost::json::object& o, std::string_view key) {
  return static_cast<std::uint64_t>(integer(o, key));
}

inline const boost::json::object& member_object(const boost::json::object& o, std::string_view key) {
  static const boost::json::object kEmpty;
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? v->get_object() : kEmpty;
}

inline const boost::json::array& member_array(const boost::json::object& o, std::string_view key) {
  static const boost::json::array kEmpty;
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? v->get_array() : kEmpty;
}

}  // namespace hrsync::json_fields
