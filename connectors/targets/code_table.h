// Code tables: joining and searching the per-connector tables of API codes (CodeRule rows).
//
// Each connector keeps every code of its API document in one constexpr array; Feishu connectors
// append the codes common to all Feishu APIs (feishu_envelope.h) with join_codes(). find_code()
// looks a code up; apply_rule() puts a row's meaning into a verdict; settle_undocumented() is the
// fallback every connector's classify() ends with for an answer no table documents. The tables
// are static constants and the functions are pure.
//
// Thread-safety: pure functions over immutable data.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "connectors/targets/target_operation.h"

namespace hrsync {

// The rows of `a` followed by the rows of `b`.
template <std::size_t N, std::size_t M>
constexpr std::array<CodeRule, N + M> join_codes(const std::array<CodeRule, N>& a,
                                                 const std::array<CodeRule, M>& b) {
  std::array<CodeRule, N + M> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = a[i];
  for (std::size_t i = 0; i < M; ++i) out[N + i] = b[i];
  return out;
}

// The first row of `table` with `code`, or nullptr when the table does not know it.
const CodeRule* find_code(std::span<const CodeRule> table, std::int64_t code);

// Sets v.disposition, v.backoff, v.refused_member and v.absent from `rule`, or, when `rule` is null (the code is in no
// table), marks `v` undocumented and permanent.
void apply_rule(Verdict& v, const CodeRule* rule);

// The fallback for an answer no table documents (v.documented false): HTTP 429 is rate-limited
// and HTTP 500 and above is retried, whatever the body said; anything else keeps its disposition
// (permanent). A documented verdict is left as it is, except under HTTP 413 ("content too
// large"), which is permanent whatever the body says: the same request is refused again, and
// retrying it would only send the same body again.
void settle_undocumented(Verdict& v, int http_status);

}  // namespace hrsync
