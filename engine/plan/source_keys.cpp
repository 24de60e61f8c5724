#include "engine/plan/source_keys.h"

#include <algorithm>

namespace hrsync {

Result<void> collect_read_keys(std::vector<PlanSource>& sources, std::vector<ReadAsk>& asks) {
  for (PlanSource& source : sources) {
    std::vector<ReadAsk*> readers;
    for (ReadAsk& ask : asks) {
      if (ask.config->source == source.name) readers.push_back(&ask);
    }
    if (readers.empty()) continue;
    for (Record record; source.records->next(record);) {
      for (ReadAsk* ask : readers) {
        const std::string_view key = record.get(ask->connector->key_column());
        if (!key.empty()) ask->keys.emplace_back(key);
      }
    }
    if (const Result<void>& status = source.records->status(); !status) return std::unexpected(status.error());
  }
  for (ReadAsk& ask : asks) {
    std::sort(ask.keys.begin(), ask.keys.end());
    ask.keys.erase(std::unique(ask.keys.begin(), ask.keys.end()), ask.keys.end());
  }
  return {};
}

}  // namespace hrsync
