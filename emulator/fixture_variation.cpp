#include "emulator/fixture_variation.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "emulator/fnv.h"

namespace hrsync::emulator {
namespace {

std::string person_key(const FixtureUser& u) { return u.employee_no.empty() ? u.user_id : u.employee_no; }

// Every person of the fixture, ranked by the hash of its key and the seed.
std::vector<std::string> ranked_people(const Fixture& f, std::uint64_t seed) {
  std::vector<std::string> keys;
  std::unordered_set<std::string> seen;
  auto add = [&](const std::string& k) {
    if (!k.empty() && seen.insert(k).second) keys.push_back(k);
  };
  for (const auto& u : f.users) add(person_key(u));
  for (const auto& a : f.attendance_users) add(a.employee_no.empty() ? a.employee_id : a.employee_no);
  for (const auto& p : f.sophon_persons) add(p.identity_id);
  auto rank = [seed](const std::string& k) { return fnv1a64(k, kFnvOffsetBasis ^ (seed * 0x9E3779B97F4A7C15ull)); };
  std::sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
    auto ra = rank(a), rb = rank(b);
    return ra != rb ? ra < rb : a < b;
  });
  return keys;
}

std::size_t share_of(double share, std::size_t n) { return static_cast<std::size_t>(std::llround(share * static_cast<double>(n))); }

void remove_people(Fixture& f, const std::unordered_set<std::string>& gone) {
  std::unordered_set<std::string> user_ids;
  for (const auto& u : f.users) {
    if (gone.contains(person_key(u))) user_ids.insert(u.user_id);
  }
  std::erase_if(f.users, [&](const FixtureUser& u) { return user_ids.contains(u.user_id); });
  std::erase_if(f.acs_users, [&](const std::string& id) { return user_ids.contains(id); });
  std::erase_if(f.acs_cards, [&](const auto& c) { return user_ids.contains(c.first); });
  std::erase_if(f.attendance_users, [&](const FixtureAttendanceUser& a) {
    return gone.contains(a.employee_no) || user_ids.contains(a.employee_id) || (a.employee_no.empty() && gone.contains(a.employee_id));
  });
  std::erase_if(f.sophon_persons, [&](const FixturePerson& p) { return gone.contains(p.identity_id); });
}

// A department other than `held`'s first, known to the fixture (one is added when it knows one only).
std::string other_department(Fixture& f, const std::vector<std::string>& held) {
  for (const auto& d : f.departments) {
    if (std::find(held.begin(), held.end(), d) == held.end()) return d;
  }
  f.departments.emplace_back("od-drift");
  return "od-drift";
}

void drift_departments(Fixture& f, const std::unordered_set<std::string>& keys) {
  for (auto& u : f.users) {
    if (keys.contains(person_key(u))) u.department_ids = {other_department(f, u.department_ids)};
  }
}

void drift_values(Fixture& f, const std::unordered_set<std::string>& keys) {
  std::unordered_set<std::string> user_ids;
  for (auto& u : f.users) {
    if (!keys.contains(person_key(u))) continue;
    u.name += " (console)";
    user_ids.insert(u.user_id);
  }
  for (auto& [id, card] : f.acs_cards) {
    if (user_ids.contains(id)) card += 1;
  }
  for (auto& a : f.attendance_users) {
    if (!a.face_key.empty() && (keys.contains(a.employee_no) || user_ids.contains(a.employee_id))) a.face_key += "-console";
  }
  for (auto& p : f.sophon_persons) {
    if (keys.contains(p.identity_id)) p.name += " (console)";
  }
}

Result<void> check(const FixtureVariation& v) {
  for (auto [name, share] : {std::pair{"absent", v.absent_share}, {"drift", v.drift_share}, {"special", v.special_share}}) {
    if (!(share >= 0 && share <= 1)) return fail(Error::Kind::kUsage, fmt::format("--fixture-{}", name), "a share in [0, 1]");
  }
  for (const auto& [id, type] : v.person_types) {
    if (type < 1 || type > 5) return fail(Error::Kind::kUsage, "--fixture-person-type", fmt::format("{}: type {} is not 1..5", id, type));
  }
  return {};
}

}  // namespace

Result<VariationReport> vary_fixture(Fixture& f, const FixtureVariation& v) {
  if (auto r = check(v); !r) return std::unexpected(r.error());
  VariationReport report;
  std::vector<std::string> people = ranked_people(f, v.seed);
  std::size_t absent = share_of(v.absent_share, people.size());
  report.absent.assign(people.begin(), people.begin() + static_cast<std::ptrdiff_t>(absent));
  remove_people(f, {report.absent.begin(), report.absent.end()});
  std::vector<std::string> present(people.begin() + static_cast<std::ptrdiff_t>(absent), people.end());
  std::size_t drifted = share_of(v.drift_share, present.size());
  std::size_t by_department = (drifted + 1) / 2;
  report.drifted_departments.assign(present.begin(), present.begin() + static_cast<std::ptrdiff_t>(by_department));
  report.drifted_values.assign(present.begin() + static_cast<std::ptrdiff_t>(by_department),
                               present.begin() + static_cast<std::ptrdiff_t>(drifted));
  drift_departments(f, {report.drifted_departments.begin(), report.drifted_departments.end()});
  drift_values(f, {report.drifted_values.begin(), report.drifted_values.end()});
  // Special persons are taken from the other end of the ranking, so they rarely drift too.
  std::size_t special = share_of(v.special_share, f.sophon_persons.size());
  std::unordered_map<std::string, FixturePerson*> persons;
  for (auto& p : f.sophon_persons) persons[p.identity_id] = &p;
  for (auto it = present.rbegin(); it != present.rend() && report.special.size() < special; ++it) {
    auto p = persons.find(*it);
    if (p == persons.end()) continue;
    p->second->type = report.special.size() % 2 == 0 ? 3 : 5;
    report.special.push_back(*it);
  }
  for (const auto& [id, type] : v.person_types) {
    auto p = persons.find(id);
    if (p == persons.end()) return fail(Error::Kind::kUsage, "--fixture-person-type", fmt::format("no person \"{}\" in the fixture", id));
    p->second->type = type;
  }
  return report;
}

}  // namespace hrsync::emulator
