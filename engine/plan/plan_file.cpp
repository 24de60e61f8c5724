#include "engine/plan/plan_file.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "base/json_members.h"
#include "diff/json_writer.h"
#include "engine/plan/json_fields.h"
#include "store/snapshot_store.h"

namespace hrsync {
namespace {

namespace json = boost::json;

constexpr std::string_view kMagic = "hrsync_plan";

// ---- the header

json::object counts_json(const TargetCounts& c) {
  return {{"created", c.created}, {"changed", c.changed}, {"unchanged", c.unchanged}, {"missing", c.missing},
          {"frozen", c.frozen},   {"settled", c.settled}, {"invalid", c.invalid},     {"known", c.known}};
}

std::string header_line(const PlanFileHeader& h) {
  json::object o;
  o["format"] = kMagic;
  o["version"] = h.version;
  o["created_at"] = h.created_at;
  o["config"] = json::object{{"path", h.config_path}, {"sha256", h.config_sha256}};
  o["full"] = h.full;
  json::array only;
  for (const auto& t : h.only) only.emplace_back(t);
  o["only"] = std::move(only);
  json::object snapshot{{"path", h.snapshot_path}, {"generation", h.snapshot_generation}, {"sha256", h.snapshot_sha256}};
  snapshot["run"] = h.snapshot_run ? json::value(*h.snapshot_run) : json::value(nullptr);
  o["snapshot"] = std::move(snapshot);
  json::array sources;
  for (const auto& s : h.sources) {
    sources.push_back(json::object{{"name", s.name}, {"describe", s.describe}, {"records", s.records},
                                   {"rejected", s.rejected}, {"sha256", s.sha256}});
  }
  o["sources"] = std::move(sources);
  json::array targets;
  for (const auto& t : h.targets) {
    targets.push_back(json::object{{"id", t.id},
                                   {"source", t.source},
                                   {"calls", t.calls},
                                   {"by_hand", t.by_hand},
                                   {"forget", t.forget},
                                   {"counts", counts_json(t.counts)}});
  }
  o["targets"] = std::move(targets);
  json::array gates;
  for (const auto& g : h.gates) gates.push_back(json::object{{"gate", g.gate}, {"target", g.target}, {"message", g.message}});
  o["gates"] = std::move(gates);
  return json::serialize(o);
}

using json_fields::count;
using json_fields::integer;
using json_fields::member_array;
using json_fields::member_object;
using json_fields::text;

TargetCounts counts_from(const json::object& o) {
  TargetCounts c;
  c.created = count(o, "created");
  c.changed = count(o, "changed");
  c.unchanged = count(o, "unchanged");
  c.missing = count(o, "missing");
  c.frozen = count(o, "frozen");
  c.settled = count(o, "settled");
  c.invalid = count(o, "invalid");
  c.known = count(o, "known");
  return c;
}

PlanFileHeader header_from(const json::object& o) {
  PlanFileHeader h;
  h.version = static_cast<int>(integer(o, "version"));
  h.created_at = integer(o, "created_at");
  const json::object& config = member_object(o, "config");
  h.config_path = text(config, "path");
  h.config_sha256 = text(config, "sha256");
  const json::value* full = o.if_contains("full");
  h.full = full != nullptr && full->is_bool() && full->get_bool();
  for (const auto& t : member_array(o, "only")) {
    if (t.is_string()) h.only.emplace_back(t.get_string());
  }
  const json::object& snapshot = member_object(o, "snapshot");
  h.snapshot_path = text(snapshot, "path");
  h.snapshot_generation = integer(snapshot, "generation");
  if (const json::value* run = snapshot.if_contains("run"); run != nullptr && !run->is_null()) h.snapshot_run = integer(snapshot, "run");
  h.snapshot_sha256 = text(snapshot, "sha256");
  for (const auto& v : member_array(o, "sources")) {
    if (!v.is_object()) continue;
    const json::object& s = v.get_object();
    h.sources.push_back({text(s, "name"), text(s, "describe"), count(s, "records"), count(s, "rejected"), text(s, "sha256")});
  }
  for (const auto& v : member_array(o, "targets")) {
    if (!v.is_object()) continue;
    const json::object& t = v.get_object();
    h.targets.push_back({text(t, "id"), text(t, "source"), counts_from(member_object(t, "counts")), count(t, "calls"),
                         count(t, "by_hand"), count(t, "forget")});
  }
  for (const auto& v : member_array(o, "gates")) {
    if (!v.is_object()) continue;
    const json::object& g = v.get_object();
    h.gates.push_back({text(g, "gate"), text(g, "target"), text(g, "message")});
  }
  return h;
}

// Notes in all, as the header counts them.
std::uint64_t notes_of(const PlanFileHeader& h) {
  std::uint64_t n = 0;
  for (const auto& t : h.targets) n += t.by_hand + t.forget;
  return n;
}

// ---- a note

constexpr std::string_view kNotePrefix = "{\"note\":";

void append_note(std::string& line, const PlanNote& note) {
  line.clear();
  JsonWriter j(line);
  j.begin_object();
  j.key("note").string(note.kind == PlanNote::Kind::kForget ? "forget" : "by_hand");
  j.key("target").string(note.target);
  j.key("key").string(note.entry.key);
  if (note.kind == PlanNote::Kind::kByHand) {
    j.key("field").string(note.entry.what.field);
    j.key("rule").string(note.entry.what.rule);
    const Origin& o = note.entry.origin;
    if (!o.empty()) {
      j.key("origin").begin_object().key("input").string(o.input).key("line").integer(static_cast<std::int64_t>(o.line));
      j.key("unit").string(o.unit_name()).end_object();
    }
  }
  j.end_object();
  line += '\n';
}

// The note on `line`, or what is wrong with it.
std::expected<PlanNote, std::string> note_from(const std::string& line) {
  json::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return std::unexpected("not a JSON object");
  const json::object& o = v.get_object();
  PlanNote n;
  const std::string kind = text(o, "note");
  if (kind != "by_hand" && kind != "forget") return std::unexpected("a note is neither by_hand nor forget");
  n.kind = kind == "forget" ? PlanNote::Kind::kForget : PlanNote::Kind::kByHand;
  n.target = text(o, "target");
  n.entry.key = text(o, "key");
  if (n.target.empty() || n.entry.key.empty()) return std::unexpected("a note needs a target and a key");
  n.entry.what.field = text(o, "field");
  n.entry.what.rule = text(o, "rule");
  const json::object& origin = member_object(o, "origin");
  n.entry.origin.input = text(origin, "input");
  n.entry.origin.line = count(origin, "line");
  n.entry.origin.unit = text(origin, "unit") == "row" ? Origin::Unit::kRow : Origin::Unit::kLine;
  return n;
}

// ---- a call

// `path` as an apply finds it from any folder: a relative path is the planning process's.
std::string absolute_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal().string();
}

// A call's "kind" in the plan file.
std::string_view kind_name(Work::Action action) {
  switch (action) {
    case Work::Action::kFreeze:
      return "freeze";
    case Work::Action::kCreate:
      return "create";
    case Work::Action::kUpsert:
      break;
  }
  return "upsert";
}

void append_call(std::string& line, std::uint64_t n, std::string_view target, const Work& w) {
  line.clear();
  JsonWriter j(line);
  j.begin_object();
  j.key("n").integer(static_cast<std::int64_t>(n));
  j.key("target").string(target);
  j.key("key").string(w.desired.key);
  j.key("kind").string(kind_name(w.action));
  j.key("hash").string(fmt::format("{:016x}", w.desired.hash));
  if (!w.desired.attachment.empty()) j.key("attachment").string(absolute_path(w.desired.attachment));
  j.key("doc").raw(w.desired.body);
  j.key("last");
  if (w.last_applied) {
    j.raw(w.last_applied->body);
  } else {
    j.null();
  }
  if (w.holds) j.key("holds").raw(w.holds->body);
  if (w.origin.line != 0) j.key("line").integer(static_cast<std::int64_t>(w.origin.line));
  j.end_object();
  line += '\n';
}

std::optional<std::uint64_t> parse_hash(std::string_view hex) {
  if (hex.size() != 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : hex) {
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<std::uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<std::uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
  }
  return v;
}

// The call on `line`, or what is wrong with it.
std::expected<PlanCall, std::string> call_from(const std::string& line) {
  json::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return std::unexpected("not a JSON object");
  const json::object& o = v.get_object();
  PlanCall c;
  c.n = count(o, "n");
  c.target = text(o, "target");
  c.work.desired.key = text(o, "key");
  const std::string kind = text(o, "kind");
  if (kind != "upsert" && kind != "freeze" && kind != "create") {
    return std::unexpected("kind is none of upsert, freeze and create");
  }
  c.work.action = kind == "freeze" ? Work::Action::kFreeze : kind == "create" ? Work::Action::kCreate : Work::Action::kUpsert;
  if (c.target.empty() || c.work.desired.key.empty()) return std::unexpected("a call needs a target and a key");
  // A call's documents are kept byte for byte, as their hashes cover them.
  JsonMembers members;
  if (!split_members(line, members)) return std::unexpected("not a JSON object");
  const JsonMember* doc = members.find("doc");
  const JsonMember* last = members.find("last");
  if (doc == nullptr || last == nullptr) return std::unexpected("a call needs doc and last");
  c.work.desired.body.assign(doc->raw);
  c.work.desired.attachment = text(o, "attachment");
  c.work.origin.line = count(o, "line");
  c.work.desired.seal();
  const auto hash = parse_hash(text(o, "hash"));
  if (!hash || *hash != c.work.desired.hash) return std::unexpected("the document does not have the hash written beside it");
  if (last->raw != "null") {
    Document d{c.work.desired.key, std::string(last->raw)};
    d.seal();
    c.work.last_applied = std::move(d);
  }
  if (const JsonMember* holds = members.find("holds")) {
    Document d{c.work.desired.key, std::string(holds->raw)};
    d.seal();
    c.work.holds = std::move(d);
  }
  return c;
}

}  // namespace

Result<std::string> snapshot_digest(SnapshotStore* store, const std::vector<std::string>& targets) {
  Sha256 sha;
  if (store == nullptr) return sha.hex();
  std::string row;
  for (const auto& target : targets) {
    auto scanned = store->for_each_hash(target, [&](std::string_view key, std::uint64_t hash) {
      row.assign(target);
      row += '\t';
      row += key;
      row += fmt::format("\t{:016x}\n", hash);
      sha.update(row);
    });
    if (!scanned) return std::unexpected(scanned.error());
  }
  return sha.hex();
}

Result<PlanFileHeader> plan_file_header(Job& job, const PlanOptions& options, std::int64_t now) {
  PlanFileHeader h;
  h.created_at = now;
  h.config_path = std::filesystem::absolute(job.config.path).lexically_normal().string();
  auto config_sha = sha256_file(job.config.path);
  if (!config_sha) return std::unexpected(config_sha.error());
  h.config_sha256 = std::move(*config_sha);
  h.full = options.full;
  h.only = options.only;
  h.snapshot_path = std::filesystem::absolute(job.config.snapshot).lexically_normal().string();
  if (job.store) {
    auto g = job.store->generation();
    if (!g) return std::unexpected(g.error());
    h.snapshot_generation = g->generation;
    h.snapshot_run = g->run_id;
  }
  std::vector<std::string> ids;
  for (const auto& t : job.plan.targets) ids.push_back(t.id);
  auto digest = snapshot_digest(job.store.get(), ids);
  if (!digest) return std::unexpected(digest.error());
  h.snapshot_sha256 = std::move(*digest);
  for (const auto& s : job.plan.sources) {
    PlanFileSource f{s.name, s.describe, s.records, s.rejected.size(), ""};
    const auto it = job.config.sources.find(s.name);
    if (it != job.config.sources.end() && (it->second.kind == "csv" || it->second.kind == "sqlite")) {
      auto sha = sha256_file(it->second.path);
      if (!sha) return std::unexpected(sha.error());
      f.sha256 = std::move(*sha);
    }
    h.sources.push_back(std::move(f));
  }
  for (const auto& t : job.plan.targets) {
    h.targets.push_back({t.id, t.source, t.counts, t.calls(), t.by_hand.size(), t.forget_keys.size()});
  }
  h.gates = job.plan.gates;
  return h;
}

// ---- writer

PlanFileWriter::PlanFileWriter(PlanFileWriter&&) noexcept = default;
PlanFileWriter& PlanFileWriter::operator=(PlanFileWriter&&) noexcept = default;

PlanFileWriter::~PlanFileWriter() {
  if (done_ || partial_.empty()) return;
  out_.reset();
  std::remove(partial_.c_str());
}

Result<PlanFileWriter> PlanFileWriter::create(const std::string& path, const PlanFileHeader& header) {
  PlanFileWriter w;
  w.path_ = path;
  w.partial_ = path + ".partial";
  const mode_t old = ::umask(077);
  w.out_ = std::make_unique<std::ofstream>(w.partial_, std::ios::binary | std::ios::trunc);
  ::umask(old);
  if (!*w.out_) return fail(Error::Kind::kIo, w.partial_, fmt::format("cannot write: {}", std::strerror(errno)));
  ::chmod(w.partial_.c_str(), 0600);
  if (auto put = w.put(header_line(header) + "\n"); !put) return std::unexpected(put.error());
  return w;
}

Result<void> PlanFileWriter::put(const std::string& line) {
  sha_.update(line);
  out_->write(line.data(), static_cast<std::streamsize>(line.size()));
  if (!*out_) return fail(Error::Kind::kIo, partial_, fmt::format("cannot write: {}", std::strerror(errno)));
  return {};
}

Result<void> PlanFileWriter::add(const PlanNote& note) {
  append_note(line_, note);
  return put(line_);
}

Result<void> PlanFileWriter::add(std::string_view target, const Work& work) {
  append_call(line_, calls_, target, work);
  ++calls_;
  return put(line_);
}

Result<std::string> PlanFileWriter::finish() {
  const std::string checksum = sha_.hex();
  line_.clear();
  JsonWriter j(line_);
  j.begin_object().key("end").string(kMagic).key("calls").integer(static_cast<std::int64_t>(calls_));
  j.key("sha256").string(checksum).end_object();
  line_ += '\n';
  out_->write(line_.data(), static_cast<std::streamsize>(line_.size()));
  out_->flush();
  if (!*out_) return fail(Error::Kind::kIo, partial_, fmt::format("cannot write: {}", std::strerror(errno)));
  out_.reset();
  std::error_code ec;
  std::filesystem::rename(partial_, path_, ec);
  if (ec) return fail(Error::Kind::kIo, path_, fmt::format("cannot put the plan file in place: {}", ec.message()));
  done_ = true;
  return checksum;
}

Result<std::string> write_plan_file(const std::string& path, const PlanFileHeader& header, const Plan& plan) {
  auto writer = PlanFileWriter::create(path, header);
  if (!writer) return std::unexpected(writer.error());
  for (const auto& t : plan.targets) {
    for (const ByHand& b : t.by_hand) {
      if (auto added = writer->add(PlanNote{PlanNote::Kind::kByHand, t.id, b}); !added) return std::unexpected(added.error());
    }
  }
  for (const auto& t : plan.targets) {
    for (const std::string& key : t.forget_keys) {
      if (auto added = writer->add(PlanNote{PlanNote::Kind::kForget, t.id, ByHand{{}, key, {}}}); !added) {
        return std::unexpected(added.error());
      }
    }
  }
  for (const auto& t : plan.targets) {
    for (const Work& w : t.work) {
      if (auto added = writer->add(t.id, w); !added) return std::unexpected(added.error());
    }
    if (!t.stream) continue;
    Work w;
    while (t.stream->next(w)) {
      if (auto added = writer->add(t.id, w); !added) return std::unexpected(added.error());
    }
    if (!t.stream->status()) return std::unexpected(t.stream->status().error());
  }
  return writer->finish();
}

// ---- reader

PlanFileReader::PlanFileReader(PlanFileReader&&) noexcept = default;
PlanFileReader& PlanFileReader::operator=(PlanFileReader&&) noexcept = default;
PlanFileReader::~PlanFileReader() = default;

Result<PlanFileReader> PlanFileReader::open(const std::string& path) {
  PlanFileReader r;
  r.path_ = path;
  r.in_ = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*r.in_) return fail(Error::Kind::kIo, path, fmt::format("cannot read the plan file: {}", std::strerror(errno)));
  const auto not_a_plan = [&](std::string_view why) {
    return fail(Error::Kind::kInput, fmt::format("{}:1", path), fmt::format("not an hrsync plan file: {}", why));
  };
  if (!r.read_line()) return not_a_plan("it is empty");
  json::error_code ec;
  json::value v = json::parse(r.line_, ec);
  if (ec || !v.is_object()) return not_a_plan("its first line is not a JSON object");
  const json::object& o = v.get_object();
  if (text(o, "format") != kMagic) return not_a_plan("its first line has no \"format\": \"hrsync_plan\"");
  r.header_ = header_from(o);
  r.hash_line();
  if (r.header_.version != kPlanFileVersion) {
    return fail(Error::Kind::kInput, fmt::format("{}:1", path),
                fmt::format("plan file version {}, this hrsync reads version {}", r.header_.version, kPlanFileVersion));
  }
  return r;
}

bool PlanFileReader::read_line() {
  line_start_ = offset_;
  if (!std::getline(*in_, line_)) return false;
  ++line_no_;
  offset_ += line_.size() + 1;
  return true;
}

bool PlanFileReader::take_line() {
  if (held_) {
    held_ = false;
    return true;
  }
  return read_line();
}

bool PlanFileReader::cut_short() {
  line_no_ += 1;  // the line the trailer should be on
  return failed("the file ends without its trailer: it is cut short or was altered");
}

void PlanFileReader::hash_line() {
  if (!checking_) return;
  sha_.update(line_);
  sha_.update("\n");
}

bool PlanFileReader::failed(std::string message) {
  status_ = fail(Error::Kind::kInput, fmt::format("{}:{}", path_, line_no_), std::move(message));
  ended_ = true;
  return false;
}

bool PlanFileReader::at_trailer() {
  ended_ = true;
  json::error_code ec;
  json::value v = json::parse(line_, ec);
  if (ec || !v.is_object()) return failed("the trailer is not a JSON object: the file was altered");
  const json::object& o = v.get_object();
  if (count(o, "calls") != next_n_) {
    return failed(fmt::format("the trailer counts {} calls, the file holds {}: the file was altered", count(o, "calls"), next_n_));
  }
  if (checking_ && notes_ != notes_of(header_)) {
    return failed(fmt::format("the header counts {} notes, the file holds {}: the file was altered", notes_of(header_), notes_));
  }
  const std::string written = text(o, "sha256");
  if (checking_ && written != sha_.hex()) {
    return failed("the checksum in the trailer does not match the file's content: the file was altered");
  }
  if (in_->peek() != std::char_traits<char>::eof()) return failed("there is more after the trailer: the file was altered");
  checksum_ = written;
  return false;
}

bool PlanFileReader::take_note(PlanNote& out) {
  auto note = note_from(line_);
  if (!note) return failed(note.error() + ": the file was altered");
  hash_line();
  ++notes_;
  out = std::move(*note);
  return true;
}

bool PlanFileReader::next(PlanNote& out) {
  if (ended_ || in_calls_) return false;
  if (!take_line()) return cut_short();
  if (line_.starts_with("{\"end\":")) return at_trailer();
  if (!line_.starts_with(kNotePrefix)) {
    held_ = true;  // the first call
    return false;
  }
  return take_note(out);
}

bool PlanFileReader::next(PlanCall& out) {
  if (ended_) return false;
  PlanNote passed;
  while (next(passed)) {
    // the notes not read: checked and hashed, not kept
  }
  if (ended_) return false;
  if (!take_line()) return cut_short();
  if (line_.starts_with("{\"end\":")) return at_trailer();
  if (line_.starts_with(kNotePrefix)) return failed("a note among the calls: the file was altered");
  in_calls_ = true;
  auto call = call_from(line_);
  if (!call) return failed(call.error() + ": the file was altered");
  if (call->n != next_n_) return failed(fmt::format("call {} where call {} was due: the file was altered", call->n, next_n_));
  hash_line();
  ++next_n_;
  out = std::move(*call);
  return true;
}

Result<void> PlanFileReader::seek(std::uint64_t offset, std::uint64_t n) {
  in_->clear();
  in_->seekg(static_cast<std::streamoff>(offset));
  if (!*in_) return fail(Error::Kind::kIo, path_, fmt::format("cannot go to byte {} of the plan file", offset));
  offset_ = offset;
  next_n_ = n;
  line_no_ = 1 + notes_of(header_) + n;  // call n is on the line after that: the header, the notes, n calls
  checking_ = false;
  held_ = false;
  in_calls_ = true;
  ended_ = false;
  status_ = {};
  return {};
}

Result<std::string> claimed_checksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return fail(Error::Kind::kIo, path, fmt::format("cannot read the plan file: {}", std::strerror(errno)));
  const auto size = static_cast<std::uint64_t>(in.tellg());
  const std::uint64_t tail = std::min<std::uint64_t>(size, 4096);
  std::string bytes(tail, '\0');
  in.seekg(static_cast<std::streamoff>(size - tail));
  in.read(bytes.data(), static_cast<std::streamsize>(tail));
  while (!bytes.empty() && bytes.back() == '\n') bytes.pop_back();
  const auto nl = bytes.rfind('\n');
  const std::string last = nl == std::string::npos ? bytes : bytes.substr(nl + 1);
  json::error_code ec;
  json::value v = json::parse(last, ec);
  if (ec || !v.is_object() || text(v.get_object(), "end") != kMagic) {
    return fail(Error::Kind::kInput, path, "the file ends without its trailer: it is cut short or was altered");
  }
  return text(v.get_object(), "sha256");
}

Result<std::shared_ptr<PlanFileStream>> PlanFileStream::open(const std::string& path, std::string target,
                                                             std::uint64_t offset, std::uint64_t first,
                                                             std::shared_ptr<const std::vector<bool>> done) {
  auto reader = PlanFileReader::open(path);
  if (!reader) return std::unexpected(reader.error());
  if (auto at = reader->seek(offset, first); !at) return std::unexpected(at.error());
  return std::shared_ptr<PlanFileStream>(new PlanFileStream(std::move(*reader), std::move(target), std::move(done)));
}

bool PlanFileStream::next(Work& out) {
  while (!ended_) {
    if (!reader_.next(call_)) {
      ended_ = true;
      status_ = reader_.status();
      return false;
    }
    if (call_.target != target_) {
      ended_ = true;  // the next target's calls begin
      return false;
    }
    if (done_ && call_.n < done_->size() && (*done_)[call_.n]) continue;
    out = std::move(call_.work);
    return true;
  }
  return false;
}

}  // namespace hrsync
