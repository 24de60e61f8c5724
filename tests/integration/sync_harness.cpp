#include "tests/integration/sync_harness.h"

#include "engine/run/http_target_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "store/snapshot_store.h"

namespace hrsync::integration {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The emulator's image id of a photo: FNV-1a 64 of its bytes, 16 hex digits.
std::string fnv1a64(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

// What the emulator's state shows for an entity after it accepted `desired` (emulator/README.md):
// the body as sent, attendance's user_setting alone, Sophon's photo as its size and hash.
json::value expected_state(std::string_view target, const Document& desired) {
  json::value body = json::parse(desired.body);
  if (target == "attendance_face") return body.at("user_setting");
  if (target == "sophon_person" && body.as_object().contains("reg_photo")) {
    const std::string photo = read_file(desired.attachment);
    body.as_object()["reg_photo"] = json::object{{"bytes", photo.size()}, {"fnv1a64", fnv1a64(photo)}};
  }
  return body;
}

const json::value* path_in(const json::object& state, std::initializer_list<std::string_view> path) {
  const json::object* at = &state;
  const json::value* v = nullptr;
  for (std::string_view key : path) {
    if (at == nullptr) return nullptr;
    v = at->if_contains(key);
    if (v == nullptr) return nullptr;
    at = v->if_object();
  }
  return v;
}

std::string text_at(const json::object& state, std::initializer_list<std::string_view> path) {
  const json::value* v = path_in(state, path);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string("<absent>");
}

std::int64_t int_at(const json::object& state, std::initializer_list<std::string_view> path) {
  const json::value* v = path_in(state, path);
  return v != nullptr && v->is_int64() ? v->get_int64() : -1;
}

}  // namespace

const OutcomeRow* SyncRun::outcome(std::string_view target, std::string_view key) const {
  for (const OutcomeRow& o : outcomes) {
    if (o.target == target && o.key == key) return &o;
  }
  return nullptr;
}

std::size_t SyncRun::count(std::string_view target, std::string_view status) const {
  return static_cast<std::size_t>(std::count_if(outcomes.begin(), outcomes.end(), [&](const OutcomeRow& o) {
    return o.target == target && o.status == status;
  }));
}

SyncHarness::SyncHarness() : employees_(generate_employees(60)), groups_(generate_groups(4)) {
  spec_.secret_file = dir_.file("app_secret");
  spec_.employees_csv = dir_.file("employees.csv");
  spec_.groups_csv = dir_.file("groups.csv");
  spec_.snapshot = dir_.file("var/hrsync.db");
  spec_.report_dir = dir_.file("var/reports");
  spec_.targets = all_targets();
  write_file(spec_.secret_file, kAppSecret);
}

void SyncHarness::TearDown() {
  if (emu_) emu_->stop();
}

void SyncHarness::write_hr() {
  ASSERT_TRUE(write_employees_csv(spec_.employees_csv, employees_)) << spec_.employees_csv;
  ASSERT_TRUE(write_groups_csv(spec_.groups_csv, groups_)) << spec_.groups_csv;
}

void SyncHarness::start_emulator(emulator::EmulatorOptions options) {
  ASSERT_NO_FATAL_FAILURE(write_hr());
  auto fixture = emulator::fixture_from_hr_csv(spec_.employees_csv, spec_.groups_csv);
  ASSERT_TRUE(fixture) << fixture.error().str();
  if (variation_) {
    auto varied = emulator::vary_fixture(*fixture, *variation_);
    ASSERT_TRUE(varied) << varied.error().str();
    varied_ = std::move(*varied);
  }
  options.fixture = std::move(*fixture);
  options.app_secret = std::string(kAppSecret);
  emu_ = std::make_unique<emulator::Emulator>(std::move(options));
  auto started = emu_->start();
  ASSERT_TRUE(started) << started.error().str();
  spec_.feishu_url = emu_->base_url();
  spec_.sophon_url = emu_->base_url();
}

Result<Job> SyncHarness::prepare(bool full) {
  write_hr();
  const std::string config = dir_.file("job.toml");
  write_file(config, job_toml(spec_));
  PlanOptions options;
  options.full = full;
  return prepare_job(config, options, /*create_store=*/true);
}

SyncRun SyncHarness::sync(SyncCommand command) {
  SyncRun run;
  write_hr();
  command.config = dir_.file("job.toml");
  command.progress = false;
  write_file(command.config, job_toml(spec_));
  PlanOptions options{command.full, command.only};
  // A command that names --read or --no-read reads as `hrsync sync` does; the others do not read.
  Redactor redactor;
  std::ostringstream read_err;
  if (command.read || command.no_read) {
    auto config = load_config(command.config);
    if (!config) {
      run.err = config.error().str();
      run.exit_code = exit_code_for(config.error());
      return run;
    }
    options.read = read_choice(command.read, command.no_read);
    options.reader = http_target_reader(std::move(*config), hooks_.transport, redactor, "hrsync sync", read_err);
  }
  auto job = prepare_job(command.config, options, /*create_store=*/true);
  if (!job) {
    run.err = job.error().str();
    run.exit_code = exit_code_for(job.error());
    return run;
  }
  std::int64_t previous = 0;
  if (auto last = job->store->last_run(); last && *last) previous = (*last)->id;
  std::ostringstream out;
  std::ostringstream err;
  if (before_execute_) before_execute_();
  run.exit_code = execute_sync(*job, command, hooks_, out, err);
  run.out = out.str();
  run.err = read_err.str() + err.str();
  auto last = job->store->last_run();
  if (last && *last && (*last)->id != previous) {
    run.run_id = (*last)->id;
    if (auto rows = job->store->outcomes(run.run_id)) run.outcomes = std::move(*rows);
  }
  return run;
}

json::object SyncHarness::state() const { return json::parse(emu_->state_json()).as_object(); }
json::object SyncHarness::stats() const { return json::parse(emu_->stats_json()).as_object(); }

std::optional<std::string> SyncHarness::snapshot_document(std::string_view target, std::string_view key) {
  auto store = SnapshotStore::open(spec_.snapshot);
  if (!store) {
    ADD_FAILURE() << store.error().str();
    return std::nullopt;
  }
  auto doc = store->document(target, key);
  if (!doc) {
    ADD_FAILURE() << doc.error().str();
    return std::nullopt;
  }
  return *doc;
}

void SyncHarness::expect_state_matches_source() {
  auto job = prepare(/*full=*/true);
  ASSERT_TRUE(job) << job.error().str();
  const json::object st = state();
  ASSERT_EQ(job->plan.targets.size(), spec_.targets.size());
  for (const TargetPlan& tp : job->plan.targets) {
    EXPECT_TRUE(tp.invalid.empty()) << tp.id << ": the test data should be valid";
    const json::object& held = st.at(tp.id).as_object();
    EXPECT_EQ(held.size(), tp.work.size()) << tp.id << ": entities written vs entities in the source";
    std::size_t mismatches = 0;
    for (const Work& w : tp.work) {
      const json::value want = expected_state(tp.id, w.desired);
      const json::value* got = held.if_contains(w.desired.key);
      if (got != nullptr && *got == want) continue;
      if (++mismatches <= 5) {
        ADD_FAILURE() << tp.id << " " << w.desired.key << ": the emulator holds "
                      << (got != nullptr ? json::serialize(*got) : std::string("nothing")) << ", the source says "
                      << json::serialize(want);
      }
    }
    EXPECT_EQ(mismatches, 0u) << tp.id;
  }
  // The same, straight from the CSV cells, for the fields each target exists for.
  auto synced = [&](std::string_view id) {
    return std::any_of(spec_.targets.begin(), spec_.targets.end(), [&](const TargetSpec& t) { return t.id == id; });
  };
  for (const Employee& e : employees_) {
    const std::string& user = cell(e, "user_id");
    const std::string& no = cell(e, "employee_no");
    if (synced("contact_user")) {
      EXPECT_EQ(text_at(st, {"contact_user", user, "name"}), cell(e, "name")) << user;
      EXPECT_EQ(text_at(st, {"contact_user", user, "mobile"}), cell(e, "mobile")) << user;
      EXPECT_EQ(text_at(st, {"contact_user", user, "job_title"}), cell(e, "job_title")) << user;
    }
    if (synced("acs_card")) {
      EXPECT_EQ(int_at(st, {"acs_card", user, "feature", "card"}), std::stoll(cell(e, "card_no"))) << user;
    }
    if (synced("attendance_face")) {
      EXPECT_EQ(text_at(st, {"attendance_face", no, "face_key"}), cell(e, "face_key")) << no;
    }
    if (synced("sophon_person")) {
      EXPECT_EQ(text_at(st, {"sophon_person", no, "info", "name"}), cell(e, "name")) << no;
    }
  }
  for (const GroupRow& g : groups_) {
    if (!synced("contact_group")) break;
    EXPECT_EQ(text_at(st, {"contact_group", g.group_id, "name"}), g.name) << g.group_id;
    EXPECT_EQ(text_at(st, {"contact_group", g.group_id, "description"}), g.description) << g.group_id;
  }
}

std::uint64_t endpoint_requests(const json::object& stats, std::string_view endpoint) {
  const json::value* n = path_in(stats, {"endpoints", endpoint, "requests"});
  return n != nullptr ? n->to_number<std::uint64_t>() : 0;
}

std::uint64_t endpoint_outcomes(const json::object& stats, std::string_view endpoint, std::string_view outcome) {
  const json::value* n = path_in(stats, {"endpoints", endpoint, "outcomes", outcome});
  return n != nullptr ? n->to_number<std::uint64_t>() : 0;
}

std::uint64_t business_requests(const json::object& stats) {
  std::uint64_t total = 0;
  for (const std::string& t : target_names()) total += endpoint_requests(stats, t);
  return total;
}

std::uint64_t business_calls(const json::object& stats) {
  std::uint64_t throttled = 0;
  for (const std::string& t : target_names()) {
    if (const json::value* n = path_in(stats, {"endpoints", t, "throttled"})) throttled += n->to_number<std::uint64_t>();
  }
  return business_requests(stats) - throttled;
}

const std::vector<std::string>& target_names() {
  static const std::vector<std::string> kNames = {"contact_user", "contact_group", "attendance_face", "acs_card",
                                                  "sophon_person"};
  return kNames;
}

}  // namespace hrsync::integration
