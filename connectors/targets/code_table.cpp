#include "connectors/targets/code_table.h"

namespace hrsync {

const CodeRule* find_code(std::span<const CodeRule> table, std::int64_t code) {
  for (const CodeRule& rule : table) {
    if (rule.code == code) return &rule;
  }
  return nullptr;
}

}  // namespace hrsync
