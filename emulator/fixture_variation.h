// FixtureVariation: a tenant that differs from the HR export it was made from.
//
// vary_fixture() takes a fixture (usually fixture_from_hr_csv with every member) and makes a
// share of its people absent from every platform (a new hire nobody created yet), a share of the
// rest drift (an administrator's edits: half of them in another department, the others with
// another name on the directory and the face box, another card and another face key), and some
// face-box persons blacklisted (type 3) or VIP (5). A person is keyed by employee_no (a contact
// user without one by its user_id). The choice is deterministic: people are ranked by a hash of
// their key and the seed, and each share takes round(share x count) people in that order, so the
// count is exactly what was asked and the same seed picks the same people.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "emulator/fixture.h"

namespace hrsync::emulator {

struct FixtureVariation {
  double absent_share = 0;   // share of the people absent from every platform, in [0, 1]
  double drift_share = 0;    // share of the people present whose values differ, in [0, 1]
  double special_share = 0;  // share of the persons present made blacklisted (3) or VIP (5), alternately
  std::vector<std::pair<std::string, int>> person_types;  // identity_id -> type (1..5), after the shares
  std::uint64_t seed = 1;    // ranks the people
};

// Who was changed, by person key, each list in rank order.
struct VariationReport {
  std::vector<std::string> absent;
  std::vector<std::string> drifted_departments;  // contact user in another department
  std::vector<std::string> drifted_values;       // name, card and face key changed
  std::vector<std::string> special;              // blacklisted or VIP on the face box
};

// Changes `fixture` as `variation` says. kUsage errors for a share outside [0, 1], a type
// outside 1..5 or a person_types identity the fixture does not hold.
Result<VariationReport> vary_fixture(Fixture& fixture, const FixtureVariation& variation);

}  // namespace hrsync::emulator
