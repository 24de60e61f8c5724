#include "diff/field_changes.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "base/utf8.h"
#include "diff/document.h"

namespace hrsync {
namespace {

constexpr std::string_view kEllipsis = "…";

// One scalar (or array, or empty object) of a document, by dotted path, shown as text.
struct Leaf {
  std::string path;
  std::string value;       // a string's text, or the JSON of any other value
  bool is_string = false;  // so that "1" and 1 differ

  bool same_value(const Leaf& o) const { return is_string == o.is_string && value == o.value; }
};

std::string_view last_segment(std::string_view path) {
  const auto dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

// Byte offsets of the first byte of every UTF-8 character of `v`, and v.size() at the end.
std::vector<std::size_t> char_starts(std::string_view v) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!is_utf8_continuation(v[i])) starts.push_back(i);
  }
  starts.push_back(v.size());
  return starts;
}

// Keeps at most `prefix` leading and `suffix` trailing characters around "…", fewer when that
// would hide fewer than three characters or a third of them.
std::string keep_ends(std::string_view v, std::size_t prefix, std::size_t suffix) {
  if (v.empty()) return {};
  const auto starts = char_starts(v);
  const std::size_t n = starts.size() - 1;
  const std::size_t hidden_at_least = std::max<std::size_t>(3, (n + 2) / 3);
  while (prefix + suffix > 0 && n < prefix + suffix + hidden_at_least) {
    if (prefix >= suffix) {
      --prefix;
    } else {
      --suffix;
    }
  }
  std::string out(v.substr(0, starts[prefix]));
  out += kEllipsis;
  out += v.substr(starts[n - suffix]);
  return out;
}

std::string mask_email(std::string_view v) {
  const auto at = v.rfind('@');
  if (at == std::string_view::npos || at == 0) return keep_ends(v, 2, 2);
  std::string out = keep_ends(v.substr(0, at), 2, 0);
  out += v.substr(at);
  return out;
}

std::string photo_marker(std::string_view v) {
  std::array<char, 64> buf{};
  const auto h = static_cast<unsigned>(content_hash(v) >> 32);
  const int n = std::snprintf(buf.data(), buf.size(), "photo#%08x (%zu bytes)", h, v.size());
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

Error parse_error(std::string_view which, std::string_view what) {
  return Error{Error::Kind::kInput, std::string(which) + " document", std::string(what)};
}

void flatten(simdjson::dom::element e, std::string& path, std::vector<Leaf>& out) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj) == simdjson::SUCCESS && obj.size() > 0) {
    const std::size_t base = path.size();
    for (auto field : obj) {
      if (base > 0) path.push_back('.');
      path.append(field.key);
      flatten(field.value, path, out);
      path.resize(base);
    }
    return;
  }
  std::string_view text;
  if (e.get_string().get(text) == simdjson::SUCCESS) {
    out.push_back({path, std::string(text), true});
  } else {
    out.push_back({path, simdjson::minify(e), false});
  }
}

// The leaves of `json`, sorted by path; none for "". A non-object is an error naming `which`.
Result<std::vector<Leaf>> leaves(std::string_view json, std::string_view which) {
  std::vector<Leaf> out;
  if (json.empty()) return out;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS) {
    return std::unexpected(parse_error(which, std::string("not valid JSON: ") + simdjson::error_message(err)));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return std::unexpected(parse_error(which, "not a JSON object"));
  }
  std::string path;
  for (auto field : obj) {
    path.assign(field.key);
    flatten(field.value, path, out);
  }
  std::stable_sort(out.begin(), out.end(), [](const Leaf& a, const Leaf& b) { return a.path < b.path; });
  return out;
}

FieldChange make_change(std::string path, std::string_view before, std::string_view after, FieldChange::Kind kind,
                        Masking masking) {
  FieldChange c;
  c.before = show_value(path, before, masking);
  c.after = show_value(path, after, masking);
  c.path = std::move(path);
  c.kind = kind;
  return c;
}

}  // namespace

std::string_view change_kind_name(FieldChange::Kind kind) {
  switch (kind) {
    case FieldChange::Kind::kAdded: return "added";
    case FieldChange::Kind::kRemoved: return "removed";
    case FieldChange::Kind::kChanged: return "changed";
  }
  return "changed";
}

bool is_personal_field(std::string_view path) {
  static constexpr std::array<std::string_view, 8> kPersonal = {
      "mobile", "email", "enterprise_email", "card", "card_no", "face_key", "reg_photo", "photo"};
  const auto name = last_segment(path);
  return std::find(kPersonal.begin(), kPersonal.end(), name) != kPersonal.end();
}

std::string mask_value(std::string_view path, std::string_view value) {
  const auto name = last_segment(path);
  if (value.empty() || !is_personal_field(name)) return std::string(value);
  if (name == "mobile") return keep_ends(value, value.front() == '+' ? 6 : 3, 2);
  if (name == "email" || name == "enterprise_email") return mask_email(value);
  if (name == "reg_photo" || name == "photo") return photo_marker(value);
  if (name == "face_key") return keep_ends(value, 4, 4);
  return keep_ends(value, 2, 2);  // card, card_no
}

std::string show_value(std::string_view path, std::string_view value, Masking masking) {
  if (masking == Masking::kMasked) return mask_value(path, value);
  const auto name = last_segment(path);
  if (!value.empty() && (name == "reg_photo" || name == "photo")) return photo_marker(value);
  return std::string(value);
}

Result<std::vector<FieldChange>> field_changes(std::string_view before_json, std::string_view after_json,
                                               Masking masking) {
  auto before = leaves(before_json, "before");
  if (!before) return std::unexpected(before.error());
  auto after = leaves(after_json, "after");
  if (!after) return std::unexpected(after.error());

  std::vector<FieldChange> changes;
  auto b = before->begin();
  auto a = after->begin();
  while (b != before->end() || a != after->end()) {
    if (a == after->end() || (b != before->end() && b->path < a->path)) {
      changes.push_back(make_change(std::move(b->path), b->value, "", FieldChange::Kind::kRemoved, masking));
      ++b;
    } else if (b == before->end() || a->path < b->path) {
      changes.push_back(make_change(std::move(a->path), "", a->value, FieldChange::Kind::kAdded, masking));
      ++a;
    } else {
      if (!b->same_value(*a)) {
        changes.push_back(make_change(std::move(a->path), b->value, a->value, FieldChange::Kind::kChanged, masking));
      }
      ++b;
      ++a;
    }
  }
  return changes;
}

}  // namespace hrsync
