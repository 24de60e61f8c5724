// Record: one HR row, in canonical column names.
//
// Sources (connectors/sources) fill records; target connectors (connectors/targets) read them. A
// record holds every canonical column as text: "" means "no value". Columns a source does not
// provide stay empty. A Record is meant to be reused row after row, so its strings keep their
// capacity and reading a file allocates nothing per row in the steady state.
//
// Thread-safety: a plain value type.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hrsync {

// The canonical columns (README.md, "Canonical columns"). Employees use employee_no..permission_ids; groups use
// group_id, name and description.
enum class Field : std::uint8_t {
  kEmployeeNo,
  kUserId,
  kName,
  kEnName,
  kNickname,
  kEmail,
  kMobile,
  kMobileVisible,
  kGender,
  kDepartmentIds,
  kLeaderUserId,
  kCity,
  kCountry,
  kWorkStation,
  kJoinTime,
  kEmployeeType,
  kJobTitle,
  kEnterpriseEmail,
  kIsFrozen,
  kCardNo,
  kFaceKey,
  kFaceKeyUpdateTime,
  kPhoto,
  kPersonType,
  kPermissionIds,
  kGroupId,
  kDescription,
  kCount,
};

inline constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::kCount);

// The canonical name of a column ("employee_no").
std::string_view field_name(Field f);

// The column called `name`, if it is a canonical column.
std::optional<Field> field_from_name(std::string_view name);

// What kind of entity a source holds, and so which column is its key.
enum class Entity : std::uint8_t { kEmployees, kGroups };

inline Field key_field(Entity e) { return e == Entity::kEmployees ? Field::kEmployeeNo : Field::kGroupId; }
std::string_view entity_name(Entity e);

// Where a row came from: the input it was read from and the row's place there, counted from 1
// (the line a file's row starts on, or the row number of a query's result). Kept as a number so
// that rows sort and match without parsing text; formatted only when printed.
struct Origin {
  enum class Unit : std::uint8_t { kLine, kRow };

  std::string input;       // "hr/employees.csv", "sqlite hr.db", "postgres HR_PG_DSN"; "" for none
  std::uint64_t line = 0;  // the line or row number
  Unit unit = Unit::kLine;

  // Points at `line` (or row) of `input`, reusing the storage of `input`.
  void set(std::string_view in, std::uint64_t at, Unit u) {
    input.assign(in);
    line = at;
    unit = u;
  }

  bool empty() const { return input.empty(); }
  // "line" or "row", for messages.
  std::string_view unit_name() const { return unit == Unit::kLine ? "line" : "row"; }
  // "hr/employees.csv:17", "sqlite hr.db row 17"; "" when empty.
  std::string str() const;

  bool operator==(const Origin&) const = default;
};

struct Record {
  std::array<std::string, kFieldCount> fields;
  Origin origin;  // where the row came from

  std::string_view get(Field f) const { return fields[static_cast<std::size_t>(f)]; }
  std::string& at(Field f) { return fields[static_cast<std::size_t>(f)]; }

  // Empties every field (keeping capacity) and the origin.
  void clear() {
    for (auto& s : fields) s.clear();
    origin.input.clear();
    origin.line = 0;
  }
};

}  // namespace hrsync
