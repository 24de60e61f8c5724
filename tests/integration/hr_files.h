// HR exports for the integration tests: generated employees (samples/employee_generator.h) that a
// test may edit before writing them, and user groups, written as the CSV files a job reads.
//
// Thread-safety: plain values and functions; files are written by the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "samples/employee_generator.h"

namespace hrsync::integration {

// One employee row: the canonical columns in samples::kEmployeeColumns order.
using Employee = samples::EmployeeValues;

// The cell of canonical column `name` ("card_no"). REQUIRES: `name` is an employee column.
std::string& cell(Employee& row, std::string_view name);
const std::string& cell(const Employee& row, std::string_view name);

// Employees 0..count-1 of the generator's population `seed`: unique keys, mobiles, emails and
// cards, every value valid for every target.
std::vector<Employee> generate_employees(std::size_t count, std::uint64_t seed = 7);

struct GroupRow {
  std::string group_id;
  std::string name;         // unique among the groups
  std::string description;
};

// `count` groups g-01, g-02, ... with distinct names and a description each.
std::vector<GroupRow> generate_groups(std::size_t count);

// Writes the header and `rows` as RFC 4180 CSV (a field holding a comma, a quote or a line break
// is quoted). False when the file cannot be written.
bool write_employees_csv(const std::string& path, const std::vector<Employee>& rows);
bool write_groups_csv(const std::string& path, const std::vector<GroupRow>& rows);

}  // namespace hrsync::integration
