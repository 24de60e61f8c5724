#include "tests/integration/hr_files.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace hrsync::integration {
namespace {

std::size_t column_index(std::string_view name) {
  for (std::size_t i = 0; i < samples::kEmployeeColumnCount; ++i) {
    if (samples::kEmployeeColumns[i] == name) return i;
  }
  std::fprintf(stderr, "hr_files: no employee column \"%.*s\"\n", static_cast<int>(name.size()), name.data());
  std::abort();  // a typo in a test
}

void append_field(std::string& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(value);
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

}  // namespace

std::string& cell(Employee& row, std::string_view name) { return row[column_index(name)]; }
const std::string& cell(const Employee& row, std::string_view name) { return row[column_index(name)]; }

std::vector<Employee> generate_employees(std::size_t count, std::uint64_t seed) {
  samples::GeneratorOptions options;
  options.count = count;
  options.seed = seed;
  const samples::EmployeeGenerator generator(options);
  std::vector<Employee> rows(count);
  for (std::size_t i = 0; i < count; ++i) generator.values(i, rows[i]);
  return rows;
}

std::vector<GroupRow> generate_groups(std::size_t count) {
  std::vector<GroupRow> rows;
  for (std::size_t i = 1; i <= count; ++i) {
    const std::string n = (i < 10 ? "0" : "") + std::to_string(i);
    rows.push_back({"g-" + n, "Group " + n + ", integration", "Members of group " + n + "\nsecond line"});
  }
  return rows;
}

bool write_employees_csv(const std::string& path, const std::vector<Employee>& rows) {
  std::string text;
  samples::EmployeeGenerator::append_header(text);
  for (const Employee& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c != 0) text += ',';
      append_field(text, row[c]);
    }
    text += '\n';
  }
  return write_file(path, text);
}

bool write_groups_csv(const std::string& path, const std::vector<GroupRow>& rows) {
  std::string text = "group_id,name,description\n";
  for (const GroupRow& row : rows) {
    append_field(text, row.group_id);
    text += ',';
    append_field(text, row.name);
    text += ',';
    append_field(text, row.description);
    text += '\n';
  }
  return write_file(path, text);
}

}  // namespace hrsync::integration
