// ColumnMap: which canonical field each column of a source feeds.
//
// Every source kind names its columns: a CSV header, the result columns of a query. map_columns
// matches them to the canonical fields of diff/record.h once, before the first row, with the
// job's renames (SourceOptions::renames, canonical -> source column name):
//   - a renamed field is found only under its new name; a field without a rename under its
//     canonical name. Names match exactly (case and spaces count).
//   - a column that matches no field is ignored (exports carry columns hrsync does not use);
//   - two columns feeding the same field, or two renames naming the same column, are errors;
//   - a required field (SourceOptions::required, plus the entity's key) without a column is an
//     error naming the field, the source and the columns that were found.
//
// Thread-safety: a plain value type; map_columns is pure.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sources/record_source.h"
#include "base/error.h"
#include "diff/record.h"

namespace hrsync {

struct ColumnMap {
  // One entry per source column, in source order: the field it feeds, or nullopt (ignored).
  std::vector<std::optional<Field>> fields;
  // The source's own column names, for messages.
  std::vector<std::string> names;

  // The index of the column feeding `f`, if any.
  std::optional<std::size_t> column_of(Field f) const;

  // "3 (name)": a column for messages, 1-based, with its source name.
  std::string describe_column(std::size_t index) const;
};

// Maps `names` to fields. `where` names the source in errors ("hr/employees.csv", "sqlite hr.db").
// Errors: kConfig for contradictory renames, kInput for a duplicate or missing column.
Result<ColumnMap> map_columns(std::span<const std::string> names, const SourceOptions& options,
                              std::string_view where);

}  // namespace hrsync
