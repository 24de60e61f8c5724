// Fuzz target: the Feishu token endpoint's reply (classify_token_reply), status, headers and body.
//
// The input is an HTTP answer (http_answer.h). Whatever it holds, the reply falls under one row of
// kTokenRules, a granted token is never empty and its lifetime is positive.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/targets/feishu_token_reply.h"
#include "http_answer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hrsync;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const fuzz::HttpAnswer a = fuzz::read_answer(in);
  const TokenReply r = classify_token_reply(a.status, a.headers, a.body);
  if (r.rule == nullptr) __builtin_trap();
  if (r.answer() == TokenAnswer::kGranted && (r.token.empty() || r.expire_s <= 0)) __builtin_trap();
  (void)classify_token_reply(a.status, a.body);
  return 0;
}
