#include "connectors/targets/code_table.h"

namespace hrsync {

const CodeRule* find_code(std::span<const CodeRule> table, std::int64_t code) {
  for (const CodeRule& rule : table) {
    if (rule.code == code) return &rule;
  }
  return nullptr;
}

void apply_rule(Verdict& v, const CodeRule* rule) {
  if (rule == nullptr) {
    v.disposition = Disposition::kPermanent;
    v.documented = false;
    return;
  }
  v.disposition = rule->disposition;
  v.backoff = rule->backoff;
  v.refused_member = rule->refuses_member;
  v.absent = rule->means_absent;
}

void settle_undocumented(Verdict& v, int http_status) {
  if (http_status == 413) {  // HTTP's "content too large": the same body is refused again
    v.disposition = Disposition::kPermanent;
    v.backoff.reset();
    v.absent = false;
    return;
  }
  if (v.documented) return;
  if (http_status == 429) {
    v.disposition = Disposition::kRateLimited;
  } else if (http_status >= 500) {
    v.disposition = Disposition::kRetry;
  }
}

}  // namespace hrsync
