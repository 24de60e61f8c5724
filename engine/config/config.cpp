#include "engine/config/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace hrsync {
namespace {

namespace fs = std::filesystem;

// Reads one TOML table, remembering which keys were read so that the rest can be reported as
// unknown. Every error names file, line and the dotted key.
class TableReader {
 public:
  TableReader(const std::string& file, const toml::table& table, std::string prefix)
      : file_(file), table_(table), prefix_(std::move(prefix)) {}

  std::string where(std::string_view key) const {
    const toml::node* node = table_.get(key);
    const auto& src = node ? node->source() : table_.source();
    return fmt::format("{}:{} {}{}", file_, src.begin.line, prefix_, key);
  }
  std::string where_table() const {
    return fmt::format("{}:{} [{}]", file_, table_.source().begin.line,
                       prefix_.empty() ? "" : prefix_.substr(0, prefix_.size() - 1));
  }

  bool has(std::string_view key) {
    seen_.insert(std::string(key));
    return table_.contains(key);
  }

  Result<void> string(std::string_view key, std::string& out) {
    if (!has(key)) return {};
    const auto* v = table_.get(key)->as_string();
    if (!v) return type_error(key, "a string");
    out = v->get();
    return {};
  }

  Result<void> boolean(std::string_view key, bool& out) {
    if (!has(key)) return {};
    const auto* v = table_.get(key)->as_boolean();
    if (!v) return type_error(key, "true or false");
    out = v->get();
    return {};
  }

  Result<void> number(std::string_view key, double& out, double min, double max) {
    if (!has(key)) return {};
    const toml::node* node = table_.get(key);
    double value = 0;
    if (const auto* f = node->as_floating_point()) {
      value = f->get();
    } else if (const auto* i = node->as_integer()) {
      value = static_cast<double>(i->get());
    } else {
      return type_error(key, "a number");
    }
    // nan compares false with every bound, so it is refused before the range is checked.
    if (!std::isfinite(value)) {
      return fail(Error::Kind::kConfig, where(key),
                  fmt::format("must be a finite number between {} and {}, not {}", min, max, value));
    }
    if (value < min || value > max) {
      return fail(Error::Kind::kConfig, where(key), fmt::format("must be between {} and {}, not {}", min, max, value));
    }
    out = value;
    return {};
  }

  // A number that is set only when the table has it.
  Result<void> number(std::string_view key, std::optional<double>& out, double min, double max) {
    if (!table_.contains(key)) return {};
    double value = 0;
    if (auto r = number(key, value, min, max); !r) return r;
    out = value;
    return {};
  }

  Result<void> count(std::string_view key, unsigned& out, unsigned min, unsigned max) {
    if (!has(key)) return {};
    const auto* v = table_.get(key)->as_integer();
    if (!v) return type_error(key, "a whole number");
    if (v->get() < min || v->get() > max) {
      return fail(Error::Kind::kConfig, where(key), fmt::format("must be between {} and {}, not {}", min, max, v->get()));
    }
    out = static_cast<unsigned>(v->get());
    return {};
  }

  // The value of `key`, or null; has(key) marks it read.
  const toml::node* node(std::string_view key) const { return table_.get(key); }

  const toml::table* subtable(std::string_view key) {
    if (!has(key)) return nullptr;
    return table_.get(key)->as_table();
  }

  Result<void> type_error(std::string_view key, std::string_view expected) const {
    return fail(Error::Kind::kConfig, where(key), fmt::format("must be {}", expected));
  }

  // The first key never read, as an error; call after reading every known key.
  Result<void> reject_unknown() const {
    for (const auto& [key, node] : table_) {
      if (seen_.contains(std::string(key.str()))) continue;
      return fail(Error::Kind::kConfig,
                  fmt::format("{}:{} {}{}", file_, node.source().begin.line, prefix_, key.str()),
                  "unknown key (a misspelt key would silently change what the job does, so it is an error)");
    }
    return {};
  }

 private:
  const std::string& file_;
  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> seen_;
};

#define HRSYNC_TRY(expr)                             \
  do {                                               \
    if (auto _r = (expr); !_r) return std::unexpected(_r.error()); \
  } while (0)

// A job name fit for a metric label and a chat message: printable, one line.
bool is_label_value(std::string_view name) {
  if (name.empty()) return false;
  return std::none_of(name.begin(), name.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
}

std::string resolve(const fs::path& base, const std::string& path) {
  if (path.empty()) return path;
  fs::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (base / p).lexically_normal().string();
}

// A secret is a line (an app secret, a token, a webhook URL); a file much longer is not a secret
// file (`/dev/zero`, a log named by mistake) and is refused after this many bytes, never read whole.
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

std::string read_secret_file(const std::string& path, std::string& problem) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problem = fmt::format("cannot read the secret file {}", path);
    return {};
  }
  std::string value(kMaxSecretFileBytes + 1, '\0');
  in.read(value.data(), static_cast<std::streamsize>(value.size()));
  value.resize(static_cast<std::size_t>(in.gcount()));
  if (value.size() > kMaxSecretFileBytes) {
    problem = fmt::format("the secret file {} holds more than {} KiB: it is not a secret file", path,
                          kMaxSecretFileBytes / 1024);
    return {};
  }
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) value.pop_back();
  if (value.empty()) problem = fmt::format("the secret file {} is empty", path);
  return value;
}

// Reads `<name>_env` / `<name>_file`. A literal `<name>` key is refused: secrets never live in the
// config text.
Result<void> read_secret(TableReader& t, const fs::path& base, std::string_view section,
                         std::string_view name, EnvLookup env, bool required, SecretRef& ref) {
  const std::string env_key = std::string(name) + "_env";
  const std::string file_key = std::string(name) + "_file";
  if (t.has(name)) {
    return fail(Error::Kind::kConfig, t.where(name),
                fmt::format("secrets are never written in the config; name an environment variable "
                            "with {} or a file with {}", env_key, file_key));
  }
  HRSYNC_TRY(t.string(env_key, ref.env));
  HRSYNC_TRY(t.string(file_key, ref.file));
  if (!ref.env.empty() && !ref.file.empty()) {
    return fail(Error::Kind::kConfig, t.where(file_key), fmt::format("give {} or {}, not both", env_key, file_key));
  }
  if (ref.env.empty() && ref.file.empty()) {
    if (!required) return {};
    return fail(Error::Kind::kConfig, t.where_table(),
                fmt::format("missing {}.{} (or {}.{}): where to read the secret from", section, env_key, section, file_key));
  }
  if (!ref.env.empty()) {
    ref.key = fmt::format("{}.{}", section, env_key);
    ref.where = t.where(env_key);
    std::string value = env(ref.env.c_str());
    if (value.empty()) ref.problem = fmt::format("environment variable {} is not set", ref.env);
    ref.value = Secret(std::move(value));
    return {};
  }
  ref.key = fmt::format("{}.{}", section, file_key);
  ref.where = t.where(file_key);
  // "${CREDENTIALS_DIRECTORY}/name": a file systemd's LoadCredential= put there for the service.
  constexpr std::string_view kCredentials = "${CREDENTIALS_DIRECTORY}";
  if (ref.file.starts_with(kCredentials)) {
    const std::string dir = env("CREDENTIALS_DIRECTORY");
    if (dir.empty()) {
      ref.problem = fmt::format("{} names ${{CREDENTIALS_DIRECTORY}}, which is not set (systemd sets it for a "
                                "service with LoadCredential=)", file_key);
      return {};
    }
    ref.file = dir + ref.file.substr(kCredentials.size());
  }
  ref.file = resolve(base, ref.file);
  ref.value = Secret(read_secret_file(ref.file, ref.problem));
  return {};
}

Result<void> check_base_url(TableReader& t, std::string_view key, const std::string& url) {
  if (url.starts_with("https://") || url.starts_with("http://")) {
    if (url.find('/', url.find("//") + 2) != std::string::npos && !url.ends_with("/")) {
      return fail(Error::Kind::kConfig, t.where(key), "must be scheme://host[:port] with no path");
    }
    return {};
  }
  return fail(Error::Kind::kConfig, t.where(key),
              fmt::format("must start with https:// (or http:// for a server on a trusted network), not \"{}\"", url));
}

Result<void> read_job(const std::string& file, const toml::table& root, JobConfig& c) {
  const auto* job = root.get_as<toml::table>("job");
  if (!job) return {};
  TableReader t(file, *job, "job.");
  HRSYNC_TRY(t.string("name", c.name));
  HRSYNC_TRY(t.string("metrics_file", c.metrics_file));
  HRSYNC_TRY(t.string("snapshot", c.snapshot));
  HRSYNC_TRY(t.string("report_dir", c.report_dir));
  HRSYNC_TRY(t.number("max_change_ratio", c.max_change_ratio, 0.0, 1.0));
  HRSYNC_TRY(t.number("max_missing_ratio", c.max_missing_ratio, 0.0, 1.0));
  HRSYNC_TRY(t.count("max_create", c.max_create, 0, 100000000));
  HRSYNC_TRY(t.count("commit_batch", c.commit_batch, 1, 100000));
  HRSYNC_TRY(t.reject_unknown());
  if (c.snapshot.empty()) return fail(Error::Kind::kConfig, t.where("snapshot"), "must not be empty");
  if (t.has("name") && !is_label_value(c.name)) {
    return fail(Error::Kind::kConfig, t.where("name"), "must be a non-empty name without control characters");
  }
  return {};
}

Result<void> read_feishu(const std::string& file, const toml::table& root, const fs::path& base, EnvLookup env,
                         JobConfig& c) {
  const auto* tbl = root.get_as<toml::table>("feishu");
  if (!tbl) return {};
  TableReader t(file, *tbl, "feishu.");
  c.feishu.where = t.where_table();
  HRSYNC_TRY(t.string("base_url", c.feishu.base_url));
  HRSYNC_TRY(check_base_url(t, "base_url", c.feishu.base_url));
  HRSYNC_TRY(t.string("app_id", c.feishu.app_id));
  HRSYNC_TRY(read_secret(t, base, "feishu", "app_secret", env, true, c.feishu.app_secret));
  HRSYNC_TRY(t.reject_unknown());
  if (c.feishu.app_id.empty()) return fail(Error::Kind::kConfig, t.where_table(), "missing feishu.app_id");
  return {};
}

Result<void> read_sophon(const std::string& file, const toml::table& root, const fs::path& base, EnvLookup env,
                         JobConfig& c) {
  const auto* tbl = root.get_as<toml::table>("sophon");
  if (!tbl) return {};
  TableReader t(file, *tbl, "sophon.");
  c.sophon.where = t.where_table();
  HRSYNC_TRY(t.string("base_url", c.sophon.base_url));
  if (c.sophon.base_url.empty()) return fail(Error::Kind::kConfig, t.where_table(), "missing sophon.base_url");
  HRSYNC_TRY(check_base_url(t, "base_url", c.sophon.base_url));
  HRSYNC_TRY(read_secret(t, base, "sophon", "token", env, false, c.sophon.token));
  return t.reject_unknown();
}

Result<void> read_http(const std::string& file, const toml::table& root, const fs::path& base, JobConfig& c) {
  const auto* tbl = root.get_as<toml::table>("http");
  if (!tbl) return {};
  TableReader t(file, *tbl, "http.");
  HRSYNC_TRY(t.number("connect_timeout_s", c.http.connect_timeout_s, 0.1, 600));
  HRSYNC_TRY(t.number("request_timeout_s", c.http.request_timeout_s, 0.1, 3600));
  HRSYNC_TRY(t.string("ca_file", c.http.ca_file));
  c.http.ca_file = resolve(base, c.http.ca_file);
  return t.reject_unknown();
}

Result<void> read_retry(const std::string& file, const toml::table& root, JobConfig& c) {
  const auto* tbl = root.get_as<toml::table>("retry");
  if (!tbl) return {};
  TableReader t(file, *tbl, "retry.");
  HRSYNC_TRY(t.count("max_attempts", c.retry.max_attempts, 1, 100));
  HRSYNC_TRY(t.number("base_delay_s", c.retry.base_delay_s, 0.0, 3600));
  HRSYNC_TRY(t.number("max_delay_s", c.retry.max_delay_s, 0.0, 3600));
  HRSYNC_TRY(t.number("lock_delay_s", c.retry.lock_delay_s, 0.0, 3600));
  HRSYNC_TRY(t.count("budget", c.retry.budget, 0, 100000000));
  HRSYNC_TRY(t.number("token_ratio", c.retry.token_ratio, 0.0, 1000));
  HRSYNC_TRY(t.number("max_pause_s", c.retry.max_pause_s, 1, 3600));
  HRSYNC_TRY(t.reject_unknown());
  if (c.retry.max_delay_s < c.retry.base_delay_s) {
    return fail(Error::Kind::kConfig, t.where("max_delay_s"), "must not be below retry.base_delay_s");
  }
  return {};
}

Result<void> read_progress(const std::string& file, const toml::table& root, JobConfig& c) {
  const auto* tbl = root.get_as<toml::table>("progress");
  if (!tbl) return {};
  TableReader t(file, *tbl, "progress.");
  HRSYNC_TRY(t.number("interval_s", c.progress.interval_s, 1, 86400));
  return t.reject_unknown();
}

Result<void> read_notify(const std::string& file, const toml::table& root, const fs::path& base, EnvLookup env,
                         JobConfig& c) {
  const auto* tbl = root.get_as<toml::table>("notify");
  if (!tbl) return {};
  TableReader t(file, *tbl, "notify.");
  c.notify.enabled = true;
  c.notify.where = t.where_table();
  HRSYNC_TRY(read_secret(t, base, "notify", "webhook_url", env, true, c.notify.webhook_url));
  HRSYNC_TRY(read_secret(t, base, "notify", "secret", env, false, c.notify.secret));
  std::string when = "failure";
  HRSYNC_TRY(t.string("when", when));
  if (when != "failure" && when != "always") {
    return fail(Error::Kind::kConfig, t.where("when"), fmt::format("must be \"failure\" or \"always\", not \"{}\"", when));
  }
  c.notify.always = when == "always";
  return t.reject_unknown();
}

// A CSV delimiter: one byte that cannot be part of a quoted field's syntax or end a line.
Result<void> read_delimiter(const TableReader& t, const std::string& text, char& out) {
  if (text.size() != 1 || text[0] == '"' || text[0] == '\n' || text[0] == '\r' ||
      static_cast<unsigned char>(text[0]) >= 0x80) {
    return fail(Error::Kind::kConfig, t.where("delimiter"),
                fmt::format("must be one ASCII character other than a quote or a line break, such as \",\", \";\" "
                            "or \"\\t\", not \"{}\"",
                            text));
  }
  out = text[0];
  return {};
}

Result<void> read_source(const std::string& file, const std::string& name, const toml::table& tbl,
                         const fs::path& base, SourceConfig& s) {
  TableReader t(file, tbl, fmt::format("sources.{}.", name));
  s.name = name;
  s.where = t.where_table();
  HRSYNC_TRY(t.string("kind", s.kind));
  std::string entity = name == "groups" ? "groups" : "employees";
  HRSYNC_TRY(t.string("entity", entity));
  if (entity == "employees") {
    s.entity = Entity::kEmployees;
  } else if (entity == "groups") {
    s.entity = Entity::kGroups;
  } else {
    return fail(Error::Kind::kConfig, t.where("entity"), fmt::format("must be \"employees\" or \"groups\", not \"{}\"", entity));
  }
  HRSYNC_TRY(t.string("path", s.path));
  HRSYNC_TRY(t.string("query", s.query));
  HRSYNC_TRY(t.string("dsn_env", s.dsn_env));
  HRSYNC_TRY(t.string("encoding", s.encoding));
  std::string delimiter;
  HRSYNC_TRY(t.string("delimiter", delimiter));
  if (const auto* cols = t.subtable("columns")) {
    TableReader ct(file, *cols, fmt::format("sources.{}.columns.", name));
    for (const auto& [key, node] : *cols) {
      auto field = field_from_name(key.str());
      if (!field) {
        return fail(Error::Kind::kConfig, ct.where(key.str()),
                    fmt::format("\"{}\" is not a canonical column (see README, \"Canonical columns\")", key.str()));
      }
      const auto* v = node.as_string();
      if (!v || v->get().empty()) return ct.type_error(key.str(), "the column's name in the source, a string");
      s.renames.emplace_back(*field, v->get());
    }
  } else if (t.has("columns")) {
    return t.type_error("columns", "a table: canonical = \"column in the source\"");
  }
  HRSYNC_TRY(t.reject_unknown());

  auto need = [&](std::string_view key, const std::string& value) -> Result<void> {
    if (!value.empty()) return {};
    return fail(Error::Kind::kConfig, t.where_table(), fmt::format("kind \"{}\" needs sources.{}.{}", s.kind, name, key));
  };
  auto refuse = [&](std::string_view key, const std::string& value) -> Result<void> {
    if (value.empty()) return {};
    return fail(Error::Kind::kConfig, t.where(key), fmt::format("does not apply to kind \"{}\"", s.kind));
  };
  if (s.kind != "csv") HRSYNC_TRY(refuse("encoding", s.encoding));
  if (s.kind != "csv") HRSYNC_TRY(refuse("delimiter", delimiter));
  if (s.kind == "csv") {
    HRSYNC_TRY(need("path", s.path));
    if (s.encoding.empty()) s.encoding = "utf-8";
    if (s.encoding != "utf-8" && s.encoding != "gb18030") {
      return fail(Error::Kind::kConfig, t.where("encoding"),
                  fmt::format("must be \"utf-8\" or \"gb18030\" (GBK and GB2312 too), not \"{}\"", s.encoding));
    }
    if (t.has("delimiter")) HRSYNC_TRY(read_delimiter(t, delimiter, s.delimiter));
    HRSYNC_TRY(refuse("query", s.query));
    HRSYNC_TRY(refuse("dsn_env", s.dsn_env));
  } else if (s.kind == "sqlite") {
    HRSYNC_TRY(need("path", s.path));
    HRSYNC_TRY(need("query", s.query));
    HRSYNC_TRY(refuse("dsn_env", s.dsn_env));
  } else if (s.kind == "postgres") {
    HRSYNC_TRY(need("dsn_env", s.dsn_env));
    HRSYNC_TRY(need("query", s.query));
    HRSYNC_TRY(refuse("path", s.path));
  } else if (s.kind.empty()) {
    return fail(Error::Kind::kConfig, t.where_table(), fmt::format("missing sources.{}.kind (csv, sqlite or postgres)", name));
  } else {
    return fail(Error::Kind::kConfig, t.where("kind"), fmt::format("must be csv, sqlite or postgres, not \"{}\"", s.kind));
  }
  s.path = resolve(base, s.path);
  return {};
}

Result<std::vector<RateTier>> parse_rates(const std::string& where, const toml::node& node) {
  std::vector<std::string> texts;
  if (const auto* s = node.as_string()) {
    texts.push_back(s->get());
  } else if (const auto* arr = node.as_array()) {
    for (const auto& item : *arr) {
      const auto* s2 = item.as_string();
      if (!s2) return fail(Error::Kind::kConfig, where, "must be a list of limits such as [\"50/s\", \"1000/min\"]");
      texts.push_back(s2->get());
    }
  } else {
    return fail(Error::Kind::kConfig, where, "must be a list of limits such as [\"50/s\", \"1000/min\"]");
  }
  if (texts.empty()) return fail(Error::Kind::kConfig, where, "must name at least one limit, e.g. [\"50/s\"]");
  std::vector<RateTier> tiers;
  for (const auto& text : texts) {
    auto tier = parse_rate(text);
    if (!tier) return fail(Error::Kind::kConfig, where, tier.error().message);
    tiers.push_back(*tier);
  }
  return tiers;
}

// targets.ID.fields: a list of member names; which names a target takes is its connector's to say.
Result<void> read_fields(TableReader& t, const toml::node& node, std::vector<std::string>& out) {
  const auto* arr = node.as_array();
  if (arr == nullptr) return t.type_error("fields", "a list of field names, such as [\"name\", \"mobile\"]");
  for (const auto& item : *arr) {
    const auto* name = item.as_string();
    if (name == nullptr) return t.type_error("fields", "a list of field names, such as [\"name\", \"mobile\"]");
    out.push_back(name->get());
  }
  if (out.empty()) return fail(Error::Kind::kConfig, t.where("fields"), "must name at least one field");
  return {};
}

// `concurrency`: "auto" (unset) or a whole number of requests in flight.
Result<void> read_concurrency(TableReader& t, std::optional<unsigned>& out) {
  constexpr std::string_view kAccepted = "\"auto\" or a whole number between 1 and 1024";
  if (!t.has("concurrency")) return {};
  const toml::node& node = *t.node("concurrency");
  if (const auto* text = node.as_string()) {
    if (text->get() == "auto") {
      out.reset();
      return {};
    }
    return fail(Error::Kind::kConfig, t.where("concurrency"), fmt::format("must be {}, not \"{}\"", kAccepted, text->get()));
  }
  const auto* n = node.as_integer();
  if (n == nullptr) return t.type_error("concurrency", kAccepted);
  if (n->get() < 1 || n->get() > 1024) {
    return fail(Error::Kind::kConfig, t.where("concurrency"), fmt::format("must be {}, not {}", kAccepted, n->get()));
  }
  out = static_cast<unsigned>(n->get());
  return {};
}

Result<void> read_target(const std::string& file, const std::string& id, const toml::table& tbl, const fs::path& base,
                         TargetConfig& tc) {
  TableReader t(file, tbl, fmt::format("targets.{}.", id));
  tc.id = id;
  tc.where = t.where_table();
  HRSYNC_TRY(t.string("source", tc.source));
  HRSYNC_TRY(t.boolean("enabled", tc.enabled));
  HRSYNC_TRY(t.string("mode", tc.options.mode));
  HRSYNC_TRY(t.string("on_missing", tc.options.on_missing));
  HRSYNC_TRY(t.string("employee_type", tc.options.employee_type));
  HRSYNC_TRY(t.string("user_id_type", tc.options.user_id_type));
  HRSYNC_TRY(t.string("department_id_type", tc.options.department_id_type));
  HRSYNC_TRY(t.string("photo_dir", tc.options.photo_dir));
  HRSYNC_TRY(t.string("tenant", tc.options.tenant));
  HRSYNC_TRY(t.string("group_name", tc.options.group_name));
  if (t.has("fields")) HRSYNC_TRY(read_fields(t, *tbl.get("fields"), tc.options.fields));
  HRSYNC_TRY(read_concurrency(t, tc.concurrency));
  HRSYNC_TRY(t.number("max_failure_ratio", tc.max_failure_ratio, 0.0, 1.0));
  HRSYNC_TRY(t.count("failure_window", tc.failure_window, 1, 1000000));
  HRSYNC_TRY(t.boolean("allow_above_documented", tc.allow_above_documented));
  for (std::string_view key : {"rate", "lane_rate", "read_rate"}) {
    if (!t.has(key)) continue;
    auto tiers = parse_rates(t.where(key), *tbl.get(key));
    if (!tiers) return std::unexpected(tiers.error());
    (key == "rate" ? tc.rate : key == "lane_rate" ? tc.lane_rate : tc.read_rate) = std::move(*tiers);
  }
  if (t.has("read")) {
    std::string when;
    HRSYNC_TRY(t.string("read", when));
    if (when == "empty") {
      tc.read = ReadWhen::kEmpty;
    } else if (when == "always") {
      tc.read = ReadWhen::kAlways;
    } else if (when == "never") {
      tc.read = ReadWhen::kNever;
    } else {
      return fail(Error::Kind::kConfig, t.where("read"),
                  fmt::format("targets.{}.read = \"{}\": must be \"empty\" (read when the snapshot holds nothing), "
                              "\"always\" or \"never\"",
                              id, when));
    }
  }
  if (t.has("on_new")) {
    std::string on_new;
    HRSYNC_TRY(t.string("on_new", on_new));
    if (on_new != "skip" && on_new != "create") {
      return fail(Error::Kind::kConfig, t.where("on_new"),
                  fmt::format("targets.{}.on_new = \"{}\": must be \"skip\" (list an entity the target lacks, send "
                              "nothing) or \"create\"",
                              id, on_new));
    }
    tc.on_new = on_new == "create" ? OnNew::kCreate : OnNew::kSkip;
  }
  if (t.has("face_from")) {
    HRSYNC_TRY(t.string("face_from", tc.options.face_from));
    if (tc.options.face_from != "column" && tc.options.face_from != "photo") {
      return fail(Error::Kind::kConfig, t.where("face_from"),
                  fmt::format("targets.{}.face_from = \"{}\": must be \"column\" (the face_key column) or \"photo\" "
                              "(the photo column's file, uploaded)",
                              id, tc.options.face_from));
    }
  }
  HRSYNC_TRY(t.reject_unknown());
  if (!tc.options.photo_dir.empty()) {
    tc.options.photo_dir = resolve(base, tc.options.photo_dir);
  } else if (id == "sophon_person" || (id == "attendance_face" && tc.options.face_from == "photo")) {
    tc.options.photo_dir = base.empty() ? std::string(".") : base.string();  // photos beside the config
  }
  if (tc.source.empty()) {
    return fail(Error::Kind::kConfig, tc.where, fmt::format("missing targets.{}.source: the source it reads", id));
  }
  return {};
}

Result<void> read_tables(const std::string& file, const toml::table& root, const fs::path& base, EnvLookup env,
                         JobConfig& c) {
  TableReader top(file, root, "");
  for (std::string_view section : {"job", "feishu", "sophon", "http", "retry", "notify", "progress", "sources", "targets"}) {
    if (top.has(section) && !root.get(section)->is_table()) return top.type_error(section, "a table");
  }
  HRSYNC_TRY(top.reject_unknown());
  HRSYNC_TRY(read_job(file, root, c));
  HRSYNC_TRY(read_feishu(file, root, base, env, c));
  HRSYNC_TRY(read_sophon(file, root, base, env, c));
  HRSYNC_TRY(read_http(file, root, base, c));
  HRSYNC_TRY(read_retry(file, root, c));
  HRSYNC_TRY(read_notify(file, root, base, env, c));
  HRSYNC_TRY(read_progress(file, root, c));

  if (const auto* sources = root.get_as<toml::table>("sources")) {
    for (const auto& [name, node] : *sources) {
      TableReader st(file, *sources, "sources.");
      const auto* tbl = node.as_table();
      if (!tbl) return st.type_error(name.str(), "a table");
      SourceConfig s;
      HRSYNC_TRY(read_source(file, std::string(name.str()), *tbl, base, s));
      c.sources.emplace(s.name, std::move(s));
    }
  }
  const auto* targets = root.get_as<toml::table>("targets");
  if (!targets || targets->empty()) {
    return fail(Error::Kind::kConfig, file, "no [targets.*] section: name at least one target to sync");
  }
  TableReader tt(file, *targets, "targets.");
  for (std::string_view id : target_ids()) {
    const auto* tbl = targets->get_as<toml::table>(id);
    if (!tt.has(id)) continue;
    if (!tbl) return tt.type_error(id, "a table");
    TargetConfig tc;
    HRSYNC_TRY(read_target(file, std::string(id), *tbl, base, tc));
    c.targets.push_back(std::move(tc));
  }
  if (auto r = tt.reject_unknown(); !r) {
    Error e = r.error();
    e.message = fmt::format("unknown target; the targets are {}", fmt::join(target_ids(), ", "));
    return std::unexpected(e);
  }
  return {};
}

// Tiers as a job file writes them: "50/s", "1000/min".
std::string describe(const std::vector<RateTier>& tiers) {
  std::string out;
  for (const RateTier& tier : tiers) {
    if (!out.empty()) out += ", ";
    if (tier.window_seconds == 1) out += fmt::format("\"{}/s\"", tier.limit);
    else if (tier.window_seconds == 60) out += fmt::format("\"{}/min\"", tier.limit);
    else if (tier.window_seconds == 3600) out += fmt::format("\"{}/h\"", tier.limit);
    else out += fmt::format("\"{}/{}s\"", tier.limit, tier.window_seconds);
  }
  return out;
}

// The most starts `tiers` allow in `window_seconds`: what each tier allows in as many of its own
// windows as cover it, the least of them.
std::uint64_t allowance(const std::vector<RateTier>& tiers, std::uint32_t window_seconds) {
  std::uint64_t most = UINT64_MAX;
  for (const RateTier& tier : tiers) {
    if (tier.limit == 0 || tier.window_seconds == 0) continue;
    const std::uint64_t windows = (window_seconds + tier.window_seconds - 1) / tier.window_seconds;
    most = std::min(most, static_cast<std::uint64_t>(tier.limit) * windows);
  }
  return most;
}

// targets.ID.rate may not let more requests through any documented window than the document
// allows, unless allow_above_documented says the operator knows better.
Result<void> check_rate(const TargetConfig& tc, const std::vector<RateTier>& documented) {
  if (tc.rate.empty() || tc.allow_above_documented) return {};
  for (const RateTier& doc : documented) {
    if (doc.limit == 0 || doc.window_seconds == 0) continue;
    if (allowance(tc.rate, doc.window_seconds) <= doc.limit) continue;
    return fail(Error::Kind::kConfig, tc.where,
                fmt::format("targets.{}.rate = [{}] lets more requests through than {}'s documented limit ({}); set "
                            "allow_above_documented = true on the target to send faster anyway",
                            tc.id, describe(tc.rate), tc.id, describe(documented)));
  }
  return {};
}

// on_new = "create" needs a create operation the target's options let it send.
Result<void> check_on_new(const TargetConfig& tc, const TargetConnector& connector) {
  if (tc.on_new != OnNew::kCreate) return {};
  const std::string& where = tc.where;
  if (connector.create() == nullptr) {
    return fail(Error::Kind::kConfig, where,
                fmt::format("targets.{}.on_new = \"create\": {} has no create (it exists once the user exists in "
                            "the directory); use \"skip\"",
                            tc.id, tc.id));
  }
  if (std::string why = connector.create()->unusable(); !why.empty()) {
    return fail(Error::Kind::kConfig, where, fmt::format("targets.{}.on_new = \"create\": {}", tc.id, why));
  }
  return {};
}

// Cross-checks: every target's source exists and holds the entity it reads, its options are ones
// its connector accepts, and the platform it calls is configured.
Result<void> check_targets(const JobConfig& c) {
  for (const auto& tc : c.targets) {
    auto connector = make_target(tc.id, tc.options);
    if (!connector) return fail(Error::Kind::kConfig, tc.where, connector.error().str());
    // Only a documented limit bounds the job's rate; an undocumented one is the operator's to find.
    if ((*connector)->update().rate_documented()) HRSYNC_TRY(check_rate(tc, (*connector)->update().default_rate()));
    HRSYNC_TRY(check_on_new(tc, **connector));
    auto it = c.sources.find(tc.source);
    if (it == c.sources.end()) {
      return fail(Error::Kind::kConfig, tc.where, fmt::format("source \"{}\" is not defined under [sources]", tc.source));
    }
    if (it->second.entity != (*connector)->entity()) {
      return fail(Error::Kind::kConfig, tc.where,
                  fmt::format("{} reads {}, but source \"{}\" holds {}", tc.id, entity_name((*connector)->entity()),
                              tc.source, entity_name(it->second.entity)));
    }
    if (!tc.enabled) continue;
    if ((*connector)->platform() == Platform::kFeishu && c.feishu.app_id.empty()) {
      return fail(Error::Kind::kConfig, tc.where, fmt::format("{} calls Feishu, but there is no [feishu] section", tc.id));
    }
    if ((*connector)->platform() == Platform::kSophon && c.sophon.base_url.empty()) {
      return fail(Error::Kind::kConfig, tc.where, fmt::format("{} calls SophonFogSys, but there is no [sophon] section", tc.id));
    }
  }
  return {};
}

// A tenant kind that does not match the base URL's platform: `tenant = "lark"` sent to Feishu's
// open.feishu.cn, or contact_user's Feishu rules sent to Lark's open.larksuite.com. Allowed (a
// proxy may front either), but likely a mistake: the plan would check the wrong mobile rules.
void warn_tenant_mismatch(JobConfig& c) {
  const std::string& url = c.feishu.base_url;
  const bool feishu_host = url.find("open.feishu.cn") != std::string::npos;
  const bool lark_host = url.find("open.larksuite.com") != std::string::npos;
  for (const auto& tc : c.targets) {
    if (!tc.enabled || tc.id != "contact_user") continue;
    const bool lark = tc.options.tenant == "lark";
    if (lark && feishu_host) {
      c.warnings.push_back(fmt::format("{}: targets.{}.tenant = \"lark\", but feishu.base_url is Feishu's ({}); a "
                                       "Lark tenant is served at https://open.larksuite.com",
                                       tc.where, tc.id, url));
    } else if (!lark && lark_host) {
      c.warnings.push_back(fmt::format("{}: targets.{}.tenant = \"{}\", but feishu.base_url is Lark's ({}); set "
                                       "tenant = \"lark\" for a Lark tenant",
                                       tc.where, tc.id, tc.options.tenant, url));
    }
  }
}

}  // namespace

std::string process_env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

Result<void> require_secret(const SecretRef& ref) {
  if (!ref.value.empty()) return {};
  return fail(Error::Kind::kConfig, ref.where, ref.problem.empty() ? "the secret is empty" : ref.problem);
}

Result<RateTier> parse_rate(std::string_view text) {
  auto bad = [&] {
    return fail(Error::Kind::kConfig, "",
                fmt::format("\"{}\" is not a rate; write COUNT/UNIT such as \"50/s\", \"1000/min\", \"3600/h\" or \"5/10s\"", text));
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  std::uint32_t limit = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + slash, limit);
  if (ec != std::errc() || p != text.data() + slash || limit == 0) return bad();
  std::string_view unit = text.substr(slash + 1);
  std::uint32_t mult = 1;
  std::size_t digits = 0;
  while (digits < unit.size() && unit[digits] >= '0' && unit[digits] <= '9') ++digits;
  if (digits > 0) {
    auto [q, ec2] = std::from_chars(unit.data(), unit.data() + digits, mult);
    if (ec2 != std::errc() || mult == 0) return bad();
    unit.remove_prefix(digits);
  }
  std::uint32_t seconds = 0;
  if (unit == "s" || unit == "sec" || unit == "second") {
    seconds = 1;
  } else if (unit == "m" || unit == "min" || unit == "minute") {
    seconds = 60;
  } else if (unit == "h" || unit == "hour") {
    seconds = 3600;
  } else {
    return bad();
  }
  return RateTier{limit, seconds * mult};
}

Result<JobConfig> load_config(const std::string& path, EnvLookup env) {
  std::ifstream probe(path);
  if (!probe) return fail(Error::Kind::kConfig, path, "cannot open the config file");
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return fail(Error::Kind::kConfig, fmt::format("{}:{}:{}", path, e.source().begin.line, e.source().begin.column),
                std::string(e.description()));
  }
  JobConfig c;
  c.path = path;
  const fs::path base = fs::path(path).parent_path();
  HRSYNC_TRY(read_tables(path, root, base, env, c));
  c.snapshot = resolve(base, c.snapshot);
  c.report_dir = resolve(base, c.report_dir);
  c.metrics_file = resolve(base, c.metrics_file);
  if (c.name.empty()) c.name = fs::path(path).stem().string();
  HRSYNC_TRY(check_targets(c));
  warn_tenant_mismatch(c);
  return c;
}

ReadWhen default_read_when(const TargetConfig& tc) {
  if (tc.read) return *tc.read;
  return tc.id == "contact_user" ? ReadWhen::kAlways : ReadWhen::kEmpty;
}

}  // namespace hrsync
