#include "connectors/sources/column_map.h"

#include <array>

#include <fmt/format.h>

namespace hrsync {
namespace {

using Renames = std::array<const std::string*, kFieldCount>;

std::size_t index(Field f) { return static_cast<std::size_t>(f); }

Result<Renames> check_renames(const SourceOptions& options, std::string_view where) {
  Renames renamed{};
  for (const auto& [field, text] : options.renames) {
    if (renamed[index(field)] != nullptr) {
      return fail(Error::Kind::kConfig, std::string(where),
                  fmt::format("column \"{}\" is renamed twice", field_name(field)));
    }
    for (const auto& [other, other_text] : options.renames) {
      if (other != field && other_text == text) {
        return fail(Error::Kind::kConfig, std::string(where),
                    fmt::format("columns \"{}\" and \"{}\" are both renamed to \"{}\"",
                                field_name(field), field_name(other), text));
      }
    }
    renamed[index(field)] = &text;
  }
  return renamed;
}

// The field a source column named `name` feeds, given the renames.
std::optional<Field> field_for(std::string_view name, const Renames& renamed) {
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    if (renamed[i] != nullptr && *renamed[i] == name) return static_cast<Field>(i);
  }
  const auto f = field_from_name(name);
  if (f && renamed[index(*f)] != nullptr) return std::nullopt;  // known under its new name only
  return f;
}

std::string list_names(std::span<const std::string> names) {
  if (names.empty()) return "no columns";
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n.empty() ? "\"\"" : n;
  }
  return out;
}

std::string describe_field(Field f, const Renames& renamed) {
  const auto* text = renamed[index(f)];
  if (text == nullptr) return fmt::format("\"{}\"", field_name(f));
  return fmt::format("\"{}\" (canonical \"{}\")", *text, field_name(f));
}

}  // namespace

std::optional<std::size_t> ColumnMap::column_of(Field f) const {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i] == f) return i;
  }
  return std::nullopt;
}

std::string ColumnMap::describe_column(std::size_t i) const {
  if (names.empty()) return fmt::format("{}", i + 1);
  if (i >= names.size()) return fmt::format("{} (beyond the {} named columns)", i + 1, names.size());
  return fmt::format("{} ({})", i + 1, names[i]);
}

Result<ColumnMap> map_columns(std::span<const std::string> names, const SourceOptions& options,
                              std::string_view where) {
  const auto renamed = check_renames(options, where);
  if (!renamed) return std::unexpected(renamed.error());

  ColumnMap map;
  map.names.assign(names.begin(), names.end());
  map.fields.reserve(names.size());
  std::array<std::optional<std::size_t>, kFieldCount> seen{};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto f = field_for(names[i], *renamed);
    if (f && seen[index(*f)]) {
      return fail(Error::Kind::kInput, std::string(where),
                  fmt::format("columns {} and {} both feed column \"{}\"", *seen[index(*f)] + 1, i + 1,
                              field_name(*f)));
    }
    if (f) seen[index(*f)] = i;
    map.fields.push_back(f);
  }

  std::vector<Field> required = options.required;
  required.insert(required.begin(), key_field(options.entity));
  for (Field f : required) {
    if (seen[index(f)]) continue;
    return fail(Error::Kind::kInput, std::string(where),
                fmt::format("required column {} is missing; found: {}", describe_field(f, *renamed),
                            list_names(names)));
  }
  return map;
}

}  // namespace hrsync
