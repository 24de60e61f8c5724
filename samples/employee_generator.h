// EmployeeGenerator: synthetic, valid employees in the canonical columns, for benchmarks and
// load tests (samples/gen_employees.cpp is its command line).
//
// Employee i (0-based) is a pure function of (seed, i): the same seed always gives the same
// people, so two files can be compared row by row without keeping either in memory. Keys
// (employee_no, user_id), mobiles, emails, enterprise emails and card numbers are unique for up to
// kMaxEmployees employees; every value passes the targets' documented rules.
//
// A "changed" population starts from the same seed and changes a share of employees (picked by
// change_seed): each changed employee gets another job title and city. That is how a benchmark
// builds "1 % changed" against a snapshot of the original.
//
// Thread-safety: const methods only; a generator may be shared between threads.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace hrsync::samples {

inline constexpr std::size_t kEmployeeColumnCount = 25;
inline constexpr std::uint64_t kMaxEmployees = 100'000'000;

// The canonical employee columns (README.md, "Canonical columns"), in the order the generator writes them.
inline constexpr std::array<std::string_view, kEmployeeColumnCount> kEmployeeColumns = {
    "employee_no", "user_id",      "name",       "en_name",          "nickname",
    "email",       "mobile",       "mobile_visible", "gender",       "department_ids",
    "leader_user_id", "city",      "country",    "work_station",     "join_time",
    "employee_type", "job_title",  "enterprise_email", "is_frozen",  "card_no",
    "face_key",    "face_key_update_time", "photo", "person_type",   "permission_ids",
};

using EmployeeValues = std::array<std::string, kEmployeeColumnCount>;

struct GeneratorOptions {
  std::uint64_t count = 0;        // employees to write (at most kMaxEmployees)
  std::uint64_t seed = 1;         // the population: same seed, same employees
  double quoted_share = 0.0;      // share of fields quoted although they need not be (0..1)
  double changed_share = 0.0;     // share of employees that differ from the seed's population (0..1)
  std::uint64_t change_seed = 0;  // picks the changed employees and their new values
};

class EmployeeGenerator {
 public:
  explicit EmployeeGenerator(const GeneratorOptions& options) : options_(options) {}

  // The values of employee `i`, in kEmployeeColumns order, reusing the strings of `out`.
  void values(std::uint64_t i, EmployeeValues& out) const;

  // True iff employee `i` is one of the changed ones.
  bool changed(std::uint64_t i) const;

  // Appends the header line ("employee_no,user_id,...\n").
  static void append_header(std::string& out);

  // Appends employee `i` as one CSV line. `scratch` is reused between calls.
  void append_row(std::uint64_t i, std::string& out, EmployeeValues& scratch) const;

  const GeneratorOptions& options() const { return options_; }

 private:
  GeneratorOptions options_;
};

// Writes the header and options.count employees to `out`. False on a write error.
bool write_employees_csv(const GeneratorOptions& options, std::FILE* out);

}  // namespace hrsync::samples
