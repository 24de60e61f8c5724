#include "emulator/fixture.h"

#include <charconv>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "emulator/contact_rules.h"
#include "emulator/csv_table.h"
#include "emulator/fnv.h"

namespace hrsync::emulator {
namespace json = boost::json;
namespace {

// Reads the members of one JSON object into typed fields, remembering the first error.
class ObjectReader {
 public:
  ObjectReader(const json::value& v, std::string where, std::initializer_list<std::string_view> keys)
      : where_(std::move(where)) {
    obj_ = v.if_object();
    if (obj_ == nullptr) {
      set_error("", "must be an object");
      return;
    }
    for (const auto& kv : *obj_) {
      bool known = false;
      for (auto k : keys) known = known || kv.key() == k;
      if (!known) set_error(kv.key(), "unknown key");
    }
  }

  void string(std::string_view key, std::string& out) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    if (!v->is_string()) return set_error(key, "must be a string");
    out = std::string(v->get_string());
  }

  void boolean(std::string_view key, bool& out) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    if (!v->is_bool()) return set_error(key, "must be true or false");
    out = v->get_bool();
  }

  // A JSON object whose members `check` accepts (it returns "" or what is wrong with one member).
  template <typename Check>
  void object(std::string_view key, json::object& out, Check check) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    if (!v->is_object()) return set_error(key, "must be an object");
    for (const auto& kv : v->get_object()) {
      if (std::string why = check(kv.key(), kv.value()); !why.empty()) {
        return set_error(fmt::format("{}.{}", key, std::string_view(kv.key())), why);
      }
    }
    out = v->get_object();
  }

  void integer(std::string_view key, int& out) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    if (!v->is_int64()) return set_error(key, "must be an integer");
    out = static_cast<int>(v->get_int64());
  }

  void integers(std::string_view key, std::vector<int>& out) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    const json::array* a = v->if_array();
    if (a == nullptr) return set_error(key, "must be an array of integers");
    for (const auto& e : *a) {
      if (!e.is_int64()) return set_error(key, "must be an array of integers");
      out.push_back(static_cast<int>(e.get_int64()));
    }
  }

  void strings(std::string_view key, std::vector<std::string>& out) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    const json::array* a = v->if_array();
    if (a == nullptr) return set_error(key, "must be an array of strings");
    for (const auto& e : *a) {
      if (!e.is_string()) return set_error(key, "must be an array of strings");
      out.emplace_back(e.get_string());
    }
  }

  // Calls `each(element, where)` for every element of the array under `key`.
  template <typename F>
  void objects(std::string_view key, F each) {
    const json::value* v = find(key);
    if (v == nullptr) return;
    const json::array* a = v->if_array();
    if (a == nullptr) return set_error(key, "must be an array");
    for (std::size_t i = 0; i < a->size() && !error_; ++i) {
      Result<void> r = each((*a)[i], fmt::format("{}.{}[{}]", where_, key, i));
      if (!r) error_ = r.error();
    }
  }

  Result<void> result() const {
    if (error_) return std::unexpected(*error_);
    return {};
  }

 private:
  const json::value* find(std::string_view key) {
    if (obj_ == nullptr || error_) return nullptr;
    return obj_->if_contains(key);
  }

  void set_error(std::string_view key, std::string_view what) {
    if (error_) return;
    std::string at = key.empty() ? where_ : fmt::format("{}.{}", where_, key);
    error_ = Error{Error::Kind::kInput, at, std::string(what)};
  }

  const json::object* obj_ = nullptr;
  std::string where_;
  std::optional<Error> error_;
};

// True iff `key` is a member a fixture user holds by itself rather than under "fields".
bool own_member(std::string_view key) {
  for (std::string_view own : {"name", "mobile", "email", "enterprise_email", "department_ids", "employee_no"}) {
    if (key == own) return true;
  }
  return false;
}

// "" when `value` may stand under `key` in a fixture user's "fields", else why not.
std::string check_user_field(std::string_view key, const json::value& value) {
  if (own_member(key)) return fmt::format("give {} as a member of the user itself", key);
  auto type = contact_user_field_type(key);
  if (!type) return "not a member of the contact user document";
  if (!has_json_type(value, *type)) return fmt::format("must be {}", json_type_name(*type));
  return {};
}

Result<void> read_user(const json::value& v, const std::string& where, FixtureUser& u) {
  ObjectReader r(v, where, {"user_id", "open_id", "union_id", "employee_no", "name", "mobile", "email",
                            "enterprise_email", "department_ids", "status", "tenant_founder", "fields"});
  r.string("user_id", u.user_id);
  r.string("open_id", u.open_id);
  r.string("union_id", u.union_id);
  r.string("employee_no", u.employee_no);
  r.string("name", u.name);
  r.string("mobile", u.mobile);
  r.string("email", u.email);
  r.string("enterprise_email", u.enterprise_email);
  r.strings("department_ids", u.department_ids);
  r.string("status", u.status);
  r.boolean("tenant_founder", u.tenant_founder);
  r.object("fields", u.fields, check_user_field);
  if (!r.result()) return r.result();
  if (u.user_id.empty()) return fail(Error::Kind::kInput, where, "user_id is missing");
  if (u.status != "active" && u.status != "resigned" && u.status != "unjoined") {
    return fail(Error::Kind::kInput, where + ".status", "must be active, resigned or unjoined");
  }
  return {};
}

Result<void> read_group(const json::value& v, const std::string& where, FixtureGroup& g) {
  ObjectReader r(v, where, {"group_id", "name", "description"});
  r.string("group_id", g.group_id);
  r.string("name", g.name);
  r.string("description", g.description);
  if (!r.result()) return r.result();
  if (g.group_id.empty()) return fail(Error::Kind::kInput, where, "group_id is missing");
  return {};
}

Result<void> read_attendance(const json::value& v, const std::string& where, FixtureAttendanceUser& a) {
  ObjectReader r(v, where, {"employee_no", "employee_id", "face_key", "face_key_update_time"});
  r.string("employee_no", a.employee_no);
  r.string("employee_id", a.employee_id);
  r.string("face_key", a.face_key);
  r.string("face_key_update_time", a.face_key_update_time);
  if (!r.result()) return r.result();
  if (a.employee_no.empty() && a.employee_id.empty()) {
    return fail(Error::Kind::kInput, where, "needs employee_no or employee_id");
  }
  return {};
}

Result<void> read_person(const json::value& v, const std::string& where, FixturePerson& p) {
  ObjectReader r(v, where, {"identity_id", "name", "type", "permission_ids", "group_names"});
  r.strings("group_names", p.group_names);
  r.string("identity_id", p.identity_id);
  r.string("name", p.name);
  r.integer("type", p.type);
  r.strings("permission_ids", p.permission_ids);
  if (!r.result()) return r.result();
  if (p.identity_id.empty()) return fail(Error::Kind::kInput, where, "identity_id is missing");
  return {};
}

// Appends one element per array entry, read by `read`.
template <typename T, typename Read>
auto into(std::vector<T>& out, Read read) {
  return [&out, read](const json::value& v, const std::string& where) -> Result<void> {
    T item;
    auto r = read(v, where, item);
    if (r) out.push_back(std::move(item));
    return r;
  };
}

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// Puts `value` under `key` unless it is empty.
void put(json::object& o, std::string_view key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

json::object user_json(const FixtureUser& u) {
  json::object o;
  o["user_id"] = u.user_id;
  put(o, "open_id", u.open_id);
  put(o, "union_id", u.union_id);
  put(o, "employee_no", u.employee_no);
  put(o, "name", u.name);
  put(o, "mobile", u.mobile);
  put(o, "email", u.email);
  put(o, "enterprise_email", u.enterprise_email);
  if (!u.department_ids.empty()) o["department_ids"] = string_array(u.department_ids);
  if (u.status != "active") o["status"] = u.status;
  if (u.tenant_founder) o["tenant_founder"] = true;
  if (!u.fields.empty()) o["fields"] = u.fields;
  return o;
}

// 32 hex digits derived from `text`.
std::string hex_hash(std::string_view text, std::uint64_t seed) {
  std::uint64_t h = fnv1a64(text, kFnvOffsetBasis ^ seed);
  std::uint64_t g = h * 0x9E3779B97F4A7C15ull ^ (h >> 29);
  return fmt::format("{:016x}{:016x}", h, g);
}

// Column positions of a CSV header, by canonical name.
class Header {
 public:
  explicit Header(const std::vector<std::string>& names) : names_(names), width_(names.size()) {
    for (std::size_t i = 0; i < names.size(); ++i) index_.emplace(names[i], i);
  }
  bool has(std::string_view name) const { return index_.contains(std::string(name)); }
  const std::vector<std::string>& names() const { return names_; }
  std::size_t width() const { return width_; }
  // The cell of `row` under `name`, "" when the column is absent.
  std::string cell(const CsvRow& row, std::string_view name) const {
    auto it = index_.find(std::string(name));
    return it == index_.end() ? std::string() : row.fields[it->second];
  }

 private:
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<std::string> names_;
  std::size_t width_;
};

std::vector<std::string> split_ids(const std::string& cell) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= cell.size()) {
    auto end = cell.find(';', start);
    if (end == std::string::npos) end = cell.size();
    std::string id = cell.substr(start, end - start);
    if (!id.empty() && seen.insert(id).second) out.push_back(id);
    start = end + 1;
  }
  return out;
}

// Fills the per-platform lists from the well-formed employee rows.
class EmployeeImport {
 public:
  EmployeeImport(Fixture& f, bool every_member) : f_(f), every_member_(every_member) {}

  void add(const Header& h, const CsvRow& row) {
    if (!row.ok || row.fields.size() != h.width()) return;
    std::string employee_no = h.cell(row, "employee_no");
    if (employee_no.empty()) return;
    if (!employee_nos_.insert(employee_no).second) return;
    std::string user_id = h.cell(row, "user_id");
    FixtureAttendanceUser attendance{employee_no, user_id};
    if (every_member_) {
      attendance.face_key = h.cell(row, "face_key");
      attendance.face_key_update_time = h.cell(row, "face_key_update_time");
    }
    f_.attendance_users.push_back(std::move(attendance));
    f_.sophon_persons.push_back(person(h, row, employee_no));
    if (user_id.empty() || !user_ids_.insert(user_id).second) return;
    f_.users.push_back(user(h, row, employee_no, user_id));
    if (every_member_) add_members(h, row, f_.users.back());
    f_.acs_users.push_back(user_id);
    std::int64_t card = 0;
    std::string card_no = h.cell(row, "card_no");
    auto [end, ec] = std::from_chars(card_no.data(), card_no.data() + card_no.size(), card);
    if (every_member_ && ec == std::errc() && end == card_no.data() + card_no.size()) f_.acs_cards.emplace_back(user_id, card);
  }

  void finish() { f_.departments.assign(departments_.begin(), departments_.end()); }

 private:
  FixtureUser user(const Header& h, const CsvRow& row, const std::string& employee_no, const std::string& user_id) {
    FixtureUser u;
    u.user_id = user_id;
    u.employee_no = employee_no;
    u.name = h.cell(row, "name");
    std::string mobile = h.cell(row, "mobile");
    if (valid_mobile(mobile) && mobiles_.insert(mobile_key(mobile)).second) u.mobile = mobile;
    std::string email = h.cell(row, "email");
    if (valid_email(email) && emails_.insert(email_key(email)).second) u.email = email;
    std::string enterprise = h.cell(row, "enterprise_email");
    if (valid_email(enterprise) && emails_.insert(email_key(enterprise)).second) u.enterprise_email = enterprise;
    u.department_ids = split_ids(h.cell(row, "department_ids"));
    departments_.insert(u.department_ids.begin(), u.department_ids.end());
    return u;
  }

  // Every other column that names a member of the contact user document, in that member's JSON
  // type; a cell that does not read as that type is left out.
  static void add_members(const Header& h, const CsvRow& row, FixtureUser& u) {
    for (const auto& name : h.names()) {
      auto member_type = contact_user_field_type(name);
      if (!member_type || own_member(name)) continue;
      std::string cell = h.cell(row, name);
      if (cell.empty()) continue;
      JsonType type = *member_type;
      if (type == JsonType::kString) u.fields[name] = cell;
      if (type == JsonType::kBool && (cell == "true" || cell == "false")) u.fields[name] = cell == "true";
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), n);
      if (type == JsonType::kInt && ec == std::errc() && end == cell.data() + cell.size()) u.fields[name] = n;
    }
  }

  static FixturePerson person(const Header& h, const CsvRow& row, const std::string& employee_no) {
    FixturePerson p;
    p.identity_id = employee_no;
    p.name = h.cell(row, "name");
    std::string type = h.cell(row, "person_type");
    if (type.size() == 1 && type[0] >= '1' && type[0] <= '5') p.type = type[0] - '0';
    p.permission_ids = split_ids(h.cell(row, "permission_ids"));
    return p;
  }

  Fixture& f_;
  bool every_member_;
  std::unordered_set<std::string> employee_nos_, user_ids_, mobiles_, emails_;
  std::set<std::string> departments_;
};

Result<void> import_employees(const std::string& path, Fixture& f, bool every_member) {
  auto rows = read_csv_file(path);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(Error::Kind::kInput, path, "the file is empty (expected a header line)");
  Header header((*rows)[0].fields);
  if (!header.has("employee_no")) return fail(Error::Kind::kInput, path + ":1", "no employee_no column");
  EmployeeImport import(f, every_member);
  for (std::size_t i = 1; i < rows->size(); ++i) import.add(header, (*rows)[i]);
  import.finish();
  return {};
}

Result<void> import_groups(const std::string& path, Fixture& f) {
  auto rows = read_csv_file(path);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return fail(Error::Kind::kInput, path, "the file is empty (expected a header line)");
  Header header((*rows)[0].fields);
  if (!header.has("group_id")) return fail(Error::Kind::kInput, path + ":1", "no group_id column");
  std::unordered_set<std::string> ids, names;
  for (std::size_t i = 1; i < rows->size(); ++i) {
    const CsvRow& row = (*rows)[i];
    if (!row.ok || row.fields.size() != header.width()) continue;
    FixtureGroup g{header.cell(row, "group_id"), header.cell(row, "name"), header.cell(row, "description")};
    if (g.group_id.empty()) continue;
    if (!ids.insert(g.group_id).second) continue;
    if (!g.name.empty() && !names.insert(g.name).second) g.name.clear();  // names are unique
    f.groups.push_back(std::move(g));
  }
  return {};
}

}  // namespace

Result<Fixture> parse_fixture(std::string_view text, std::string_view where) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return fail(Error::Kind::kInput, std::string(where), "not valid JSON: " + ec.message());
  Fixture f;
  ObjectReader r(v, std::string(where), {"contact_users", "departments", "custom_attr_ids", "employee_types",
                                         "enterprise_email_domains", "groups", "attendance_users",
                                         "acs_users", "acs_cards", "sophon_persons"});
  r.objects("contact_users", into(f.users, read_user));
  r.strings("departments", f.departments);
  r.strings("custom_attr_ids", f.custom_attr_ids);
  r.integers("employee_types", f.employee_types);
  r.strings("enterprise_email_domains", f.enterprise_email_domains);
  r.objects("groups", into(f.groups, read_group));
  r.objects("attendance_users", into(f.attendance_users, read_attendance));
  r.strings("acs_users", f.acs_users);
  json::object cards;
  r.object("acs_cards", cards, [](std::string_view, const json::value& card) -> std::string {
    return card.is_int64() ? "" : "must be an integer";
  });
  for (const auto& kv : cards) f.acs_cards.emplace_back(std::string(kv.key()), kv.value().get_int64());
  r.objects("sophon_persons", into(f.sophon_persons, read_person));
  if (!r.result()) return std::unexpected(r.result().error());
  return f;
}

Result<Fixture> load_fixture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Error::Kind::kIo, path, "cannot open the fixture file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_fixture(text.str(), path);
}

std::string fixture_to_json(const Fixture& f) {
  json::object o;
  json::array users, groups, attendance, persons;
  for (const auto& u : f.users) users.push_back(user_json(u));
  for (const auto& g : f.groups) groups.push_back(json::object{{"group_id", g.group_id}, {"name", g.name}, {"description", g.description}});
  for (const auto& a : f.attendance_users) {
    json::object e;
    put(e, "employee_no", a.employee_no);
    put(e, "employee_id", a.employee_id);
    put(e, "face_key", a.face_key);
    put(e, "face_key_update_time", a.face_key_update_time);
    attendance.push_back(std::move(e));
  }
  for (const auto& p : f.sophon_persons) {
    json::object person{{"identity_id", p.identity_id}, {"name", p.name}, {"type", p.type},
                        {"permission_ids", string_array(p.permission_ids)}};
    if (!p.group_names.empty()) person["group_names"] = string_array(p.group_names);
    persons.push_back(std::move(person));
  }
  o["contact_users"] = std::move(users);
  o["departments"] = string_array(f.departments);
  o["custom_attr_ids"] = string_array(f.custom_attr_ids);
  if (!f.employee_types.empty()) {
    json::array types;
    for (int t : f.employee_types) types.emplace_back(t);
    o["employee_types"] = std::move(types);
  }
  o["enterprise_email_domains"] = string_array(f.enterprise_email_domains);
  o["groups"] = std::move(groups);
  o["attendance_users"] = std::move(attendance);
  o["acs_users"] = string_array(f.acs_users);
  if (!f.acs_cards.empty()) {
    json::object cards;
    for (const auto& [id, card] : f.acs_cards) cards[id] = card;
    o["acs_cards"] = std::move(cards);
  }
  o["sophon_persons"] = std::move(persons);
  return json::serialize(o);
}

Result<Fixture> fixture_from_hr_csv(const std::string& employees_csv, const std::string& groups_csv, bool every_member) {
  Fixture f;
  if (auto r = import_employees(employees_csv, f, every_member); !r) return std::unexpected(r.error());
  if (groups_csv.empty()) return f;
  if (auto r = import_groups(groups_csv, f); !r) return std::unexpected(r.error());
  return f;
}

std::string derived_open_id(std::string_view user_id) { return "ou_" + hex_hash(user_id, 0x6f75); }
std::string derived_union_id(std::string_view user_id) { return "on_" + hex_hash(user_id, 0x6f6e); }

}  // namespace hrsync::emulator
