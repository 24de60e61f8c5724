#include "engine/run/problem_digest.h"

#include <algorithm>
#include <tuple>

namespace hrsync {

std::vector<std::string> ProblemGroup::keys() const {
  std::vector<std::string> out;
  out.reserve(examples.size());
  for (const OutcomeRow& e : examples) out.push_back(e.key);
  return out;
}

void ProblemDigest::add(OutcomeRow row) {
  if (row.status == "applied" && row.code == 0) return;  // applied whole: no problem
  auto [it, fresh] = index_.try_emplace({row.target, row.status, row.code}, groups_.size());
  if (fresh) {
    ProblemGroup& g = groups_.emplace_back();
    g.target = row.target;
    g.status = row.status;
    g.code = row.code;
    g.message = row.message;
  }
  ProblemGroup& g = groups_[it->second];
  ++g.count;
  ++count_;
  if (g.examples.size() < examples_) {
    g.examples.push_back(std::move(row));
    ++listed_;
  }
}

std::vector<ProblemGroup> ProblemDigest::groups() const {
  std::vector<ProblemGroup> out = groups_;
  std::sort(out.begin(), out.end(), [](const ProblemGroup& a, const ProblemGroup& b) {
    if (a.count != b.count) return a.count > b.count;
    return std::tie(a.target, a.status, a.code) < std::tie(b.target, b.status, b.code);
  });
  return out;
}

}  // namespace hrsync
