// Reads a whole RecordSource into memory, for tests that compare what sources return.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/sources/record_source.h"

namespace hrsync::testing {

struct SourceContents {
  std::vector<Record> records;
  std::vector<Rejection> rejections;
  Result<void> status;
};

inline SourceContents read_all(RecordSource& source) {
  SourceContents out;
  Record r;
  while (source.next(r)) out.records.push_back(r);
  out.rejections = source.rejections();
  out.status = source.status();
  return out;
}

inline SourceOptions groups_options() {
  SourceOptions o;
  o.entity = Entity::kGroups;
  return o;
}

}  // namespace hrsync::testing
