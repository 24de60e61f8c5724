// Plan files: what is written is read back byte for byte, any change to the file is caught, and a
// plan of 200,000 calls is applied from the file with no more of it in memory than one line per
// reader and one call per request in flight.
#include "engine/plan/plan_file.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "engine/net/manual_clock.h"
#include "engine/run/executor.h"
#include "tests/engine/run/executor_fakes.h"

namespace hrsync {
namespace {

using namespace std::chrono_literals;
using namespace hrsync::testing;

class TempFile {
 public:
  TempFile() {
    static int n = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("hrsync-plan-file-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".plan"))
                .string();
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spill(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

Work work(std::string key, std::string body, std::optional<std::string> last = std::nullopt,
          Work::Action action = Work::Action::kUpsert) {
  Work w;
  w.action = action;
  w.desired.key = key;
  w.desired.body = std::move(body);
  w.desired.seal();
  if (last) {
    w.last_applied = Document{key, std::move(*last)};
    w.last_applied->seal();
  }
  return w;
}

PlanFileHeader header_of(std::vector<std::pair<std::string, std::uint64_t>> targets) {
  PlanFileHeader h;
  h.created_at = 1'796'000'000;
  h.config_path = "/etc/hrsync/job.toml";
  h.config_sha256 = std::string(64, 'a');
  h.snapshot_generation = 7;
  h.snapshot_run = 3;
  h.snapshot_sha256 = std::string(64, 'b');
  h.sources.push_back({"employees", "hr.csv", 10, 1, std::string(64, 'c')});
  for (auto& [id, calls] : targets) h.targets.push_back({id, "employees", TargetCounts{.created = calls}, calls});
  h.gates.push_back({"max_change_ratio", "contact_user", "contact_user: 4 of 10 would change"});
  return h;
}

std::vector<PlanCall> read_all(const std::string& path, Result<void>& status, std::string& checksum) {
  auto reader = PlanFileReader::open(path);
  EXPECT_TRUE(reader) << reader.error().str();
  std::vector<PlanCall> calls;
  PlanCall c;
  while (reader->next(c)) calls.push_back(c);
  status = reader->status();
  checksum = reader->checksum();
  return calls;
}

TEST(PlanFile, WhatIsWrittenIsReadBackByteForByte) {
  TempFile f;
  std::vector<Work> works = {
      work("u1", R"({"name":"张三","n":1.5e3,"s":"a\"b\\c\u0001"})"),
      work("u2", R"({"name":"B"})", R"({"name":"A"})"),
      work("u3", R"({"is_frozen":true})", R"({"is_frozen":false})", Work::Action::kFreeze),
      work("u4", R"({"name":"D"})", R"({"card":"12","name":"C"})"),
  };
  works[0].action = Work::Action::kCreate;  // an entity the target lacked (on_new = "create")
  works[3].holds = Document{"u4", R"({"card":"12","name":"D"})"};
  works[3].holds->seal();
  Work photo = work("E1", R"({"reg_photo":"sha:1"})");
  photo.desired.attachment = "/srv/photos/E1.jpg";
  auto writer = PlanFileWriter::create(f.path(), header_of({{"contact_user", 4}, {"sophon_person", 1}}));
  ASSERT_TRUE(writer) << writer.error().str();
  for (const Work& w : works) ASSERT_TRUE(writer->add("contact_user", w));
  ASSERT_TRUE(writer->add("sophon_person", photo));
  auto written = writer->finish();
  ASSERT_TRUE(written) << written.error().str();
  EXPECT_EQ(std::filesystem::status(f.path()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  Result<void> status;
  std::string checksum;
  const auto calls = read_all(f.path(), status, checksum);
  ASSERT_TRUE(status) << status.error().str();
  EXPECT_EQ(checksum, *written);
  ASSERT_EQ(calls.size(), 5u);
  for (std::size_t i = 0; i < works.size(); ++i) {
    EXPECT_EQ(calls[i].n, i);
    EXPECT_EQ(calls[i].target, "contact_user");
    EXPECT_EQ(calls[i].work.desired.key, works[i].desired.key);
    EXPECT_EQ(calls[i].work.desired.body, works[i].desired.body);
    EXPECT_EQ(calls[i].work.desired.hash, works[i].desired.hash);
    EXPECT_EQ(calls[i].work.action, works[i].action);
    EXPECT_EQ(calls[i].work.last_applied.has_value(), works[i].last_applied.has_value());
    if (works[i].last_applied) {
      EXPECT_EQ(calls[i].work.last_applied->body, works[i].last_applied->body);
    }
    EXPECT_EQ(calls[i].work.holds.has_value(), works[i].holds.has_value());
  }
  ASSERT_TRUE(calls[3].work.holds);
  EXPECT_EQ(calls[3].work.holds->body, works[3].holds->body);
  EXPECT_EQ(calls[3].work.holds->hash, works[3].holds->hash);
  EXPECT_EQ(calls[4].work.desired.attachment, "/srv/photos/E1.jpg");

  auto reader = PlanFileReader::open(f.path());
  ASSERT_TRUE(reader);
  const PlanFileHeader& h = reader->header();
  EXPECT_EQ(h.config_path, "/etc/hrsync/job.toml");
  EXPECT_EQ(h.snapshot_generation, 7);
  EXPECT_EQ(h.snapshot_run, 3);
  ASSERT_EQ(h.targets.size(), 2u);
  EXPECT_EQ(h.targets[0].calls, 4u);
  EXPECT_EQ(h.targets[0].counts.created, 4u);
  ASSERT_EQ(h.gates.size(), 1u);
  EXPECT_EQ(h.gates[0].gate, "max_change_ratio");
  auto claimed = claimed_checksum(f.path());
  ASSERT_TRUE(claimed);
  EXPECT_EQ(*claimed, *written);
}

TEST(PlanFile, APhotoGivenRelativeIsWrittenWithItsAbsolutePathSoAnyFolderCanApplyIt) {
  TempFile f;
  Work photo = work("E1", R"({"reg_photo":"sha:1"})");
  photo.desired.attachment = "samples/photos/E1.jpg";
  auto writer = PlanFileWriter::create(f.path(), header_of({{"sophon_person", 1}}));
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->add("sophon_person", photo));
  ASSERT_TRUE(writer->finish());
  Result<void> status;
  std::string checksum;
  const auto calls = read_all(f.path(), status, checksum);
  ASSERT_TRUE(status) << status.error().str();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].work.desired.attachment, (std::filesystem::current_path() / "samples/photos/E1.jpg").string());
  EXPECT_EQ(calls[0].work.desired.hash, photo.desired.hash) << "the document is the same";
}

TEST(PlanFile, AnyChangeToTheFileIsCaught) {
  TempFile f;
  auto writer = PlanFileWriter::create(f.path(), header_of({{"contact_user", 2}}));
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->add("contact_user", work("u1", R"({"name":"Anna"})")));
  ASSERT_TRUE(writer->add("contact_user", work("u2", R"({"name":"Bert"})")));
  ASSERT_TRUE(writer->finish());
  const std::string original = slurp(f.path());

  const auto refused = [&](std::string text, std::string_view why) {
    spill(f.path(), text);
    Result<void> status;
    std::string checksum;
    read_all(f.path(), status, checksum);
    ASSERT_FALSE(status) << why;
    EXPECT_EQ(status.error().kind, Error::Kind::kInput) << why;
    EXPECT_NE(status.error().message.find("altered"), std::string::npos) << why << ": " << status.error().message;
    EXPECT_TRUE(checksum.empty()) << why;
  };
  std::string s = original;
  s.replace(s.find("Anna"), 4, "Anne");
  refused(s, "a document edited");
  s = original;
  s.replace(s.find("\"generation\":7"), 14, "\"generation\":8");
  refused(s, "the header edited");
  s = original;
  const auto second = s.find('\n') + 1;
  refused(s.substr(0, second) + s.substr(s.find('\n', second) + 1), "a call taken out");
  refused(original.substr(0, original.rfind("{\"end\"")), "the trailer cut off");
  refused(original + original.substr(second, s.find('\n', second) + 1 - second), "a call after the trailer");
}

PlanNote note(PlanNote::Kind kind, std::string target, std::string key, Origin origin = {}, Invalid what = {}) {
  return PlanNote{kind, std::move(target), ByHand{std::move(origin), std::move(key), std::move(what)}};
}

TEST(PlanFile, NotesComeBeforeTheCallsAndAreCheckedWithThem) {
  TempFile f;
  PlanFileHeader h = header_of({{"acs_card", 2}});
  h.targets[0].by_hand = 1;
  h.targets[0].forget = 2;
  auto writer = PlanFileWriter::create(f.path(), h);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->add(note(PlanNote::Kind::kByHand, "acs_card", "E5", Origin{"hr/employees.csv", 7, Origin::Unit::kLine},
                               Invalid{"feature.card", "emptied in HR"})));
  ASSERT_TRUE(writer->add(note(PlanNote::Kind::kForget, "acs_card", "E7")));
  ASSERT_TRUE(writer->add(note(PlanNote::Kind::kForget, "acs_card", "E9")));
  ASSERT_TRUE(writer->add("acs_card", work("E1", R"({"card":1})")));
  ASSERT_TRUE(writer->add("acs_card", work("E2", R"({"card":2})")));
  auto written = writer->finish();
  ASSERT_TRUE(written);
  const std::string original = slurp(f.path());

  // The notes, then the calls, from where the notes end.
  auto reader = PlanFileReader::open(f.path());
  ASSERT_TRUE(reader);
  std::vector<PlanNote> notes;
  for (PlanNote n; reader->next(n);) notes.push_back(n);
  ASSERT_TRUE(reader->status()) << reader->status().error().str();
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[0].kind, PlanNote::Kind::kByHand);
  EXPECT_EQ(notes[0].target, "acs_card");
  EXPECT_EQ(notes[0].entry.key, "E5");
  EXPECT_EQ(notes[0].entry.origin.str(), "hr/employees.csv:7");
  EXPECT_EQ(notes[0].entry.what.field, "feature.card");
  EXPECT_EQ(notes[0].entry.what.rule, "emptied in HR");
  EXPECT_EQ(notes[1].kind, PlanNote::Kind::kForget);
  EXPECT_EQ(notes[1].entry.key, "E7");
  EXPECT_TRUE(notes[1].entry.origin.empty());
  EXPECT_EQ(notes[2].entry.key, "E9");
  const std::uint64_t first_call = reader->offset();
  EXPECT_EQ(original.substr(first_call, 6), "{\"n\":0") << "offset() is the first call's, not past it";
  PlanCall c;
  ASSERT_TRUE(reader->next(c));
  EXPECT_EQ(c.work.desired.key, "E1");
  ASSERT_TRUE(reader->next(c));
  EXPECT_FALSE(reader->next(c));
  ASSERT_TRUE(reader->status()) << reader->status().error().str();
  EXPECT_EQ(reader->checksum(), *written);

  // A reader of the calls alone passes over the notes, and checks them all the same.
  Result<void> status;
  std::string checksum;
  EXPECT_EQ(read_all(f.path(), status, checksum).size(), 2u);
  ASSERT_TRUE(status) << status.error().str();
  EXPECT_EQ(checksum, *written);

  // A stream of the target's calls starts where the notes end.
  auto stream = PlanFileStream::open(f.path(), "acs_card", first_call, 0, nullptr);
  ASSERT_TRUE(stream) << stream.error().str();
  Work w;
  ASSERT_TRUE((*stream)->next(w));
  EXPECT_EQ(w.desired.key, "E1");

  const auto refused = [&](const std::string& text, std::string_view why) {
    spill(f.path(), text);
    Result<void> read;
    std::string sum;
    read_all(f.path(), read, sum);
    ASSERT_FALSE(read) << why;
    EXPECT_NE(read.error().message.find("altered"), std::string::npos) << why << ": " << read.error().message;
    EXPECT_TRUE(sum.empty()) << why;
  };
  const auto line = [&](std::size_t i) {  // the i-th line, from 0, with its newline
    std::size_t at = 0;
    for (std::size_t k = 0; k < i; ++k) at = original.find('\n', at) + 1;
    return std::pair{at, original.find('\n', at) + 1 - at};
  };
  const auto [forget_at, forget_size] = line(2);
  std::string s = original;
  s.erase(forget_at, forget_size);
  refused(s, "a key to forget taken out");
  const auto [call_at, call_size] = line(4);
  s = original;
  s.insert(call_at + call_size, original.substr(forget_at, forget_size));
  s.erase(forget_at, forget_size);
  refused(s, "a note moved among the calls");
  s = original;
  s.replace(s.find("emptied in HR"), 13, "nothing to do");
  refused(s, "a note edited");
}

// Calls read from the streams of every target, and the most read before their outcome came.
struct ReadAhead {
  std::size_t read = 0;
  std::size_t max_ahead = 0;
};

// A stream that counts how far the executor has read ahead of the outcomes it reported.
class CountingStream final : public WorkStream {
 public:
  CountingStream(std::shared_ptr<WorkStream> inner, ReadAhead& all, const std::size_t& finished)
      : inner_(std::move(inner)), all_(all), finished_(finished) {}
  bool next(Work& out) override {
    if (!inner_->next(out)) return false;
    ++read;
    ++all_.read;
    all_.max_ahead = std::max(all_.max_ahead, all_.read - finished_);
    return true;
  }
  const Result<void>& status() const override { return inner_->status(); }

  std::size_t read = 0;

 private:
  std::shared_ptr<WorkStream> inner_;
  ReadAhead& all_;
  const std::size_t& finished_;
};

class CountingSink final : public OutcomeSink {
 public:
  Result<void> record(const Outcome& o) override {
    ++finished;
    applied += o.status == OutcomeStatus::kApplied ? 1 : 0;
    return {};
  }
  std::size_t finished = 0;
  std::size_t applied = 0;

};

TEST(PlanFile, TwoHundredThousandCallsAreAppliedFromTheFileAFewAtATime) {
  constexpr std::size_t kPerTarget = 100'000;
  TempFile f;
  auto writer = PlanFileWriter::create(f.path(), header_of({{"a", kPerTarget}, {"b", kPerTarget}}));
  ASSERT_TRUE(writer);
  for (const char* target : {"a", "b"}) {
    for (std::size_t i = 0; i < kPerTarget; ++i) {
      const std::string key = "k" + std::to_string(i);
      ASSERT_TRUE(writer->add(target, work(key, R"({"key":")" + key + R"(","name":"Employee )" + key + R"("})")));
    }
  }
  ASSERT_TRUE(writer->finish());

  // Where each target's calls begin, from one reading of the file (as `apply` does).
  auto reader = PlanFileReader::open(f.path());
  ASSERT_TRUE(reader);
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> starts;  // target -> offset, first call
  PlanCall call;
  for (std::uint64_t at = reader->offset(); reader->next(call); at = reader->offset()) starts.try_emplace(call.target, at, call.n);
  ASSERT_TRUE(reader->status()) << reader->status().error().str();

  JobConfig config;
  std::vector<std::unique_ptr<FakeConnector>> connectors;
  CountingSink sink;
  ReadAhead ahead;
  std::vector<std::shared_ptr<CountingStream>> streams;
  Plan plan;
  for (const char* id : {"a", "b"}) {
    connectors.push_back(std::make_unique<FakeConnector>(id, Platform::kFeishu, std::vector<RateTier>{}));
    auto stream = PlanFileStream::open(f.path(), id, starts[id].first, starts[id].second, nullptr);
    ASSERT_TRUE(stream) << stream.error().str();
    streams.push_back(std::make_shared<CountingStream>(*stream, ahead, sink.finished));
    TargetPlan tp;
    tp.id = id;
    tp.connector = connectors.back().get();
    tp.stream = streams.back();
    tp.streamed = kPerTarget;
    plan.targets.push_back(std::move(tp));
    TargetConfig tc;
    tc.id = id;
    tc.concurrency = 8;
    tc.failure_window = 0;
    config.targets.push_back(tc);
  }
  net::io_context io;
  ManualClock clock;
  FakeTransport transport(clock, 5ms);
  Executor executor(config, transport, clock, sink);
  std::optional<RunSummary> summary;
  net::co_spawn(io, executor.run(plan), [&](std::exception_ptr e, RunSummary s) {
    if (e) std::rethrow_exception(e);
    summary = std::move(s);
  });
  ASSERT_TRUE(clock.run(io));
  ASSERT_TRUE(summary);

  EXPECT_EQ(sink.applied, 2 * kPerTarget);
  EXPECT_EQ(transport.started, 2 * kPerTarget);
  EXPECT_EQ(summary->targets[0].counts.planned, kPerTarget);
  EXPECT_EQ(streams[0]->read, kPerTarget);
  EXPECT_EQ(streams[1]->read, kPerTarget);
  // Never more calls read from the file than requests in flight: 8 per target, 16 in all.
  EXPECT_LE(ahead.max_ahead, 16u);
  EXPECT_GE(ahead.max_ahead, 2u);  // both targets had calls in flight together
}

}  // namespace
}  // namespace hrsync
