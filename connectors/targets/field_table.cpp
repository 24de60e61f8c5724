#include "connectors/targets/field_table.h"

namespace hrsync {

std::string_view field_kind_name(FieldKind kind) {
  switch (kind) {
    case FieldKind::kKey: return "key";
    case FieldKind::kText: return "text";
    case FieldKind::kInteger: return "integer";
    case FieldKind::kIntegerText: return "integer text";
    case FieldKind::kFlag: return "flag";
    case FieldKind::kEmail: return "e-mail";
    case FieldKind::kMobile: return "mobile";
    case FieldKind::kIdList: return "id list";
  }
  return "?";
}

std::string field_path(const FieldRule& rule) {
  if (rule.object.empty()) return std::string(rule.member);
  std::string path(rule.object);
  path += '.';
  path += rule.member;
  return path;
}

}  // namespace hrsync
