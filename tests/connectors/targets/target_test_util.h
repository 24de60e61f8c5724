// Shared test fixtures for the target connectors: valid records, connectors, JSON checks, temp files.
#pragma once

#include <simdjson.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "connectors/targets/target_connector.h"
#include "diff/record.h"

namespace hrsync::testing {

// An employee valid for every target (photo left empty: sophon tests add one).
inline Record valid_employee() {
  Record r;
  r.at(Field::kEmployeeNo) = "E001";
  r.at(Field::kUserId) = "u001";
  r.at(Field::kName) = "张三";
  r.at(Field::kEnName) = "San Zhang";
  r.at(Field::kNickname) = "Alex Zhang";
  r.at(Field::kEmail) = "zhangsan@example.com";
  r.at(Field::kMobile) = "13011111111";
  r.at(Field::kMobileVisible) = "false";
  r.at(Field::kGender) = "1";
  r.at(Field::kDepartmentIds) = "od-1;od-2";
  r.at(Field::kLeaderUserId) = "u000";
  r.at(Field::kCity) = "杭州";
  r.at(Field::kCountry) = "CN";
  r.at(Field::kWorkStation) = "北楼-H34";
  r.at(Field::kJoinTime) = "1625681917";
  r.at(Field::kEmployeeType) = "1";
  r.at(Field::kJobTitle) = "Engineer";
  r.at(Field::kEnterpriseEmail) = "zs@corp.example.com";
  r.at(Field::kIsFrozen) = "no";
  r.at(Field::kCardNo) = "123456";
  r.at(Field::kFaceKey) = "fk-0001";
  r.at(Field::kFaceKeyUpdateTime) = "1625681917";
  r.at(Field::kPersonType) = "1";
  r.at(Field::kPermissionIds) = "1;2";
  r.origin = Origin{"test.csv", 2};
  return r;
}

inline Record valid_group() {
  Record r;
  r.at(Field::kGroupId) = "g187131";
  r.at(Field::kName) = "外包 IT 用户组";
  r.at(Field::kDescription) = "IT 外包用户组，需要进行细粒度权限管控";
  r.origin = Origin{"groups.csv", 2};
  return r;
}

// The connector `id` with `options`; throws when make_target refuses (tests of valid options).
inline std::unique_ptr<TargetConnector> connector(std::string_view id, const TargetOptions& options = {}) {
  auto made = make_target(id, options);
  if (!made) throw std::runtime_error(made.error().str());
  return std::move(*made);
}

// `n` copies of `s`.
inline std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// True iff every object in `e` has its keys in strictly increasing byte order.
inline bool keys_sorted(simdjson::dom::element e) {
  simdjson::dom::object obj;
  if (e.get_object().get(obj) == simdjson::SUCCESS) {
    std::string_view previous;
    bool first = true;
    for (simdjson::dom::key_value_pair member : obj) {
      if (!first && !(previous < member.key)) return false;
      first = false;
      previous = member.key;
      if (!keys_sorted(member.value)) return false;
    }
    return true;
  }
  simdjson::dom::array arr;
  if (e.get_array().get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : arr) {
      if (!keys_sorted(item)) return false;
    }
  }
  return true;
}

// True iff `json` parses and is canonical as far as key order goes.
inline bool is_sorted_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) return false;
  return keys_sorted(root);
}

// A folder under the system temp folder, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hrsync-targets-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `bytes` to `name` inside the folder and returns the file's full path.
  std::string write(const std::string& name, std::string_view bytes) const {
    const std::filesystem::path p = path_ / name;
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace hrsync::testing
