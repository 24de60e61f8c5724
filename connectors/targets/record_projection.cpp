#include "connectors/targets/record_projection.h"

#include "connectors/targets/field_rules.h"

namespace hrsync {

std::string_view unique_form(const UniqueRule& rule, std::string_view cell, std::string& scratch) {
  switch (rule.form) {
    case UniqueRule::Form::kExact: return cell;
    case UniqueRule::Form::kMobile: {
      ShortText normal;
      if (!normalise_mobile(cell, normal)) return cell;
      scratch.assign(normal.view());
      return scratch;
    }
    case UniqueRule::Form::kCaseless:
      scratch.assign(cell);
      for (char& c : scratch) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      return scratch;
  }
  return cell;
}

}  // namespace hrsync
