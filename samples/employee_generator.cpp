#include "samples/employee_generator.h"

#include <iterator>
#include <utility>

#include <fmt/format.h>

namespace hrsync::samples {
namespace {

// SplitMix64: a small, fast generator with good mixing; one stream per (seed, employee, purpose).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

std::uint64_t mix(std::uint64_t seed, std::uint64_t i, std::uint64_t purpose) {
  Rng r(seed * 0x2545F4914F6CDD1DULL ^ (i + 1) * 0x9E3779B97F4A7C15ULL ^ purpose);
  return r.next();
}

struct Hanzi {
  std::string_view han;
  std::string_view pinyin;
};

constexpr Hanzi kSurnames[] = {
    {"王", "Wang"}, {"李", "Li"},   {"张", "Zhang"}, {"刘", "Liu"},  {"陈", "Chen"}, {"杨", "Yang"},
    {"黄", "Huang"}, {"赵", "Zhao"}, {"吴", "Wu"},   {"周", "Zhou"}, {"徐", "Xu"},   {"孙", "Sun"},
    {"马", "Ma"},   {"朱", "Zhu"},  {"胡", "Hu"},    {"郭", "Guo"},  {"何", "He"},   {"高", "Gao"},
    {"林", "Lin"},  {"罗", "Luo"},  {"郑", "Zheng"}, {"梁", "Liang"}, {"谢", "Xie"}, {"宋", "Song"},
    {"唐", "Tang"}, {"许", "Xu"},   {"韩", "Han"},   {"冯", "Feng"}, {"邓", "Deng"}, {"曹", "Cao"},
};

constexpr Hanzi kGiven[] = {
    {"伟", "wei"},   {"芳", "fang"},  {"娜", "na"},     {"敏", "min"},   {"静", "jing"},  {"丽", "li"},
    {"强", "qiang"}, {"磊", "lei"},   {"军", "jun"},    {"洋", "yang"},  {"勇", "yong"},  {"艳", "yan"},
    {"杰", "jie"},   {"娟", "juan"},  {"涛", "tao"},    {"明", "ming"},  {"超", "chao"},  {"秀", "xiu"},
    {"霞", "xia"},   {"平", "ping"},  {"刚", "gang"},   {"桂", "gui"},   {"英", "ying"},  {"华", "hua"},
    {"建", "jian"},  {"文", "wen"},   {"辉", "hui"},    {"鑫", "xin"},   {"宇", "yu"},    {"浩", "hao"},
    {"婷", "ting"},  {"雪", "xue"},   {"琳", "lin"},    {"晨", "chen"},  {"欣", "xin"},   {"思", "si"},
    {"佳", "jia"},   {"怡", "yi"},    {"子", "zi"},     {"涵", "han"},   {"博", "bo"},    {"然", "ran"},
};

constexpr std::string_view kFirstNames[] = {
    "James", "Mary",  "Robert", "Patricia", "John",   "Jennifer", "Michael", "Linda",  "David",
    "Emma",  "Oliver", "Sophia", "Lucas",   "Mia",    "Ethan",    "Grace",   "Daniel", "Chloe",
    "Ryan",  "Hannah", "Kevin",  "Alice",   "Nathan", "Olivia",   "Tom",     "Lily",
};

constexpr std::string_view kLastNames[] = {
    "Smith", "Johnson", "Brown",  "Taylor", "Miller", "Wilson", "Moore",  "Clark", "Lewis",
    "Walker", "Young",  "Allen",  "King",   "Wright", "Scott",  "Green",  "Baker", "Adams",
};

constexpr std::string_view kCities[] = {
    "Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Guangzhou", "Chengdu", "Wuhan", "Nanjing",
    "Xi'an",    "Suzhou",  "Singapore", "Tokyo",
};

constexpr std::string_view kCountries[] = {
    "CN", "CN", "CN", "CN", "CN", "CN", "CN", "CN", "CN", "CN", "SG", "JP",
};

constexpr std::string_view kTitles[] = {
    "Software Engineer", "Senior Software Engineer", "Product Manager", "Designer",
    "Data Analyst",      "QA Engineer",              "HR Specialist",   "Accountant",
    "Sales Representative", "Manager, Sales",        "Manager, Finance", "Director, Engineering",
    "Operations Specialist", "Customer Support",     "Recruiter",       "Legal Counsel",
};

constexpr std::string_view kBuildings[] = {"A", "B", "C", "D", "T1", "T2"};

constexpr std::size_t kDepartmentCount = 40;

template <typename T, std::size_t N>
constexpr std::size_t size_of(const T (&)[N]) { return N; }

void append_department(std::string& out, std::uint64_t d) {
  fmt::format_to(std::back_inserter(out), "od-{:016x}", mix(0xD5, d, 0xDE) & 0xFFFFFFFFFFFFFFFULL);
}

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool needs_quotes(std::string_view v) { return v.find_first_of(",\"\r\n") != std::string_view::npos; }

void append_field(std::string& out, std::string_view v, bool quote) {
  if (!quote) {
    out.append(v);
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// Index of the column in kEmployeeColumns.
enum Col : std::size_t {
  kEmployeeNo, kUserId, kName, kEnName, kNickname, kEmail, kMobile, kMobileVisible, kGender,
  kDepartmentIds, kLeaderUserId, kCity, kCountry, kWorkStation, kJoinTime, kEmployeeType, kJobTitle,
  kEnterpriseEmail, kIsFrozen, kCardNo, kFaceKey, kFaceKeyUpdateTime, kPhoto, kPersonType, kPermissionIds,
};

void set_names(Rng& r, std::uint64_t i, EmployeeValues& v) {
  auto out = [&](Col c) { return std::back_inserter(v[c]); };
  std::string local;  // the email's local part
  if (r.below(10) < 7) {
    const Hanzi& s = kSurnames[r.below(size_of(kSurnames))];
    const Hanzi& g1 = kGiven[r.below(size_of(kGiven))];
    const bool two = r.below(3) != 0;
    const Hanzi& g2 = kGiven[r.below(size_of(kGiven))];
    fmt::format_to(out(kName), "{}{}{}", s.han, g1.han, two ? g2.han : "");
    fmt::format_to(out(kEnName), "{}{}{} {}", static_cast<char>(g1.pinyin[0] - 'a' + 'A'), g1.pinyin.substr(1),
                   two ? g2.pinyin : "", s.pinyin);
    local = fmt::format("{}{}.{}", g1.pinyin, two ? g2.pinyin : "", s.pinyin);
  } else {
    const auto first = kFirstNames[r.below(size_of(kFirstNames))];
    const auto last = kLastNames[r.below(size_of(kLastNames))];
    fmt::format_to(out(kName), "{} {}", first, last);
    fmt::format_to(out(kEnName), "{} {}", first, last);
    local = fmt::format("{}.{}", first, last);
  }
  for (char& c : local) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  fmt::format_to(out(kEmail), "{}.{}@example.com", local, i + 1);
  if (r.below(10) == 0) v[kNickname].append(kFirstNames[r.below(size_of(kFirstNames))]);
}

void set_work(Rng& r, std::uint64_t i, EmployeeValues& v) {
  auto out = [&](Col c) { return std::back_inserter(v[c]); };
  append_department(v[kDepartmentIds], r.below(kDepartmentCount));
  if (r.below(100) < 15) {
    v[kDepartmentIds] += ';';
    append_department(v[kDepartmentIds], r.below(kDepartmentCount));
  }
  const std::uint64_t lead = i / 8 * 8 == i ? i / 64 * 64 : i / 8 * 8;
  if (lead != i) fmt::format_to(out(kLeaderUserId), "u{:08d}", lead + 1);
  const std::size_t city = r.below(size_of(kCities));
  v[kCity].append(kCities[city]);
  v[kCountry].append(kCountries[city]);
  fmt::format_to(out(kWorkStation), "{}-{}-{:03d}", kBuildings[r.below(size_of(kBuildings))], 1 + r.below(30),
                 1 + r.below(200));
  const std::uint64_t t = r.below(100);
  v[kEmployeeType] += static_cast<char>('1' + (t < 85 ? 0 : t < 93 ? 1 : t < 97 ? 2 : t < 99 ? 3 : 4));
  v[kJobTitle].append(kTitles[r.below(size_of(kTitles))]);
}

void set_identity(Rng& r, std::uint64_t i, std::uint64_t seed, EmployeeValues& v) {
  auto out = [&](Col c) { return std::back_inserter(v[c]); };
  fmt::format_to(out(kEmployeeNo), "E{:08d}", i + 1);
  fmt::format_to(out(kUserId), "u{:08d}", i + 1);
  // 3^18 is coprime to 10^9, so i -> i * 3^18 + b (mod 10^9) is a bijection: mobiles are unique.
  const std::uint64_t number = (i * 387420489ULL + seed % 1000000000ULL) % 1000000000ULL;
  fmt::format_to(out(kMobile), "+8613{:09d}", number);
  v[kMobileVisible].append(r.below(10) == 0 ? "false" : "true");
  const std::uint64_t g = r.below(100);
  v[kGender] += g < 48 ? '1' : g < 96 ? '2' : '0';
  fmt::format_to(out(kEnterpriseEmail), "u{:08d}@corp.example.com", i + 1);
  v[kIsFrozen].append(r.below(50) == 0 ? "true" : "false");
  fmt::format_to(out(kCardNo), "{}", 100000000 + i);
  fmt::format_to(out(kFaceKey), "{:016x}{:016x}", r.next(), r.next());
  const std::uint64_t p = r.below(100);
  v[kPersonType] += static_cast<char>('1' + (p < 90 ? 0 : p < 94 ? 1 : p < 97 ? 2 : p < 99 ? 3 : 4));
  static constexpr std::string_view kPermissions[] = {"1", "1;2", "1;3;5", "2", "1;4"};
  v[kPermissionIds].append(kPermissions[r.below(size_of(kPermissions))]);
}

void set_times(Rng& r, EmployeeValues& v) {
  const int year = 2008 + static_cast<int>(r.below(17));
  const auto month = static_cast<unsigned>(1 + r.below(12));
  const auto day = static_cast<unsigned>(1 + r.below(28));
  const std::int64_t join = days_from_civil(year, month, day) * 86400;
  fmt::format_to(std::back_inserter(v[kJoinTime]), "{}", join);
  const auto update = join + static_cast<std::int64_t>(r.below(400 * 86400));
  fmt::format_to(std::back_inserter(v[kFaceKeyUpdateTime]), "{}", update);
}

void apply_change(std::uint64_t i, std::uint64_t change_seed, EmployeeValues& v) {
  Rng r(mix(change_seed, i, 0xC4));
  const auto pick_other = [&](auto& table, std::string& value) {
    const std::size_t n = size_of(table);
    std::size_t at = 0;
    while (at < n && table[at] != value) ++at;
    value.assign(table[(at + 1 + r.below(n - 1)) % n]);
  };
  pick_other(kTitles, v[kJobTitle]);
  const std::string old_city = v[kCity];
  pick_other(kCities, v[kCity]);
  if (v[kCity] == old_city) v[kCity] = "Hong Kong";
}

}  // namespace

bool EmployeeGenerator::changed(std::uint64_t i) const {
  if (options_.changed_share <= 0) return false;
  Rng r(mix(options_.change_seed, i, 0xC3));
  return r.unit() < options_.changed_share;
}

void EmployeeGenerator::values(std::uint64_t i, EmployeeValues& out) const {
  for (auto& s : out) s.clear();
  Rng r(mix(options_.seed, i, 0xE1));
  set_identity(r, i, options_.seed, out);
  set_names(r, i, out);
  set_work(r, i, out);
  set_times(r, out);
  if (changed(i)) apply_change(i, options_.change_seed, out);
}

void EmployeeGenerator::append_header(std::string& out) {
  for (std::size_t c = 0; c < kEmployeeColumnCount; ++c) {
    if (c != 0) out += ',';
    out.append(kEmployeeColumns[c]);
  }
  out += '\n';
}

void EmployeeGenerator::append_row(std::uint64_t i, std::string& out, EmployeeValues& scratch) const {
  values(i, scratch);
  Rng r(mix(options_.seed ^ options_.change_seed, i, 0x9A));
  for (std::size_t c = 0; c < kEmployeeColumnCount; ++c) {
    if (c != 0) out += ',';
    const bool quote = needs_quotes(scratch[c]) || (options_.quoted_share > 0 && r.unit() < options_.quoted_share);
    append_field(out, scratch[c], quote);
  }
  out += '\n';
}

bool write_employees_csv(const GeneratorOptions& options, std::FILE* out) {
  const EmployeeGenerator gen(options);
  std::string buf;
  EmployeeValues scratch;
  EmployeeGenerator::append_header(buf);
  for (std::uint64_t i = 0; i < options.count; ++i) {
    gen.append_row(i, buf, scratch);
    if (buf.size() >= (1u << 20)) {
      if (std::fwrite(buf.data(), 1, buf.size(), out) != buf.size()) return false;
      buf.clear();
    }
  }
  return std::fwrite(buf.data(), 1, buf.size(), out) == buf.size() && std::fflush(out) == 0;
}

}  // namespace hrsync::samples
