#include "engine/run/tune.h"


#include <algorithm>
#include <cmath>
#include <memory>
#include <span>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include "engine/net/async_event.h"
#include "engine/run/concurrency_cap.h"

namespace hrsync {
namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The q-quantile (0..1) of `v`, nearest rank; 0 when empty.
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

RoundTrips round_trips_of(const std::vector<double>& times) {
  RoundTrips r;
  r.samples = static_cast<unsigned>(times.size());
  if (times.empty()) return r;
  r.p50_s = quantile(times, 0.5);
  r.p99_s = quantile(times, 0.99);
  r.first_extra_s = std::max(0.0, times.front() - r.p50_s);
  return r;
}

// The answer to one call: its verdict and when it came, or the transport's error.
struct Answer {
  Result<HttpResponse> response;
  double seconds = 0;
};

// One write of the probe as it went.
struct WriteCall {
  double sent = 0;  // seconds from the step's start
  double done = 0;
  Disposition disposition = Disposition::kPermanent;
  bool error = false;
  std::optional<std::uint32_t> announced;
};

class Tuner {
 public:
  Tuner(TuneSeams seams, TuneOptions options) : seams_(std::move(seams)), options_(options) {}

  net::awaitable<TuneReport> run(std::vector<TuneTarget> targets);

 private:
  net::awaitable<Answer> send(Platform platform, const Request& request);
  net::awaitable<void> measure_token(TuneReport& report);
  net::awaitable<void> measure_reads(const TuneTarget& t, TargetTuning& out);
  net::awaitable<std::vector<Document>> read_held(const TuneTarget& t, TargetTuning& out);
  net::awaitable<void> probe(const TuneTarget& t, const std::vector<Document>& held, unsigned budget, TargetTuning& out);
  net::awaitable<ProbeStep> step(const TuneTarget& t, const std::vector<Document>& held, std::size_t& next, double rate,
                                 unsigned calls, std::vector<WriteCall>& log);
  net::awaitable<void> write_one(const TuneTarget& t, const Document& doc, Clock::time_point start, WriteCall& call);
  void recommend(const TuneTarget& t, TargetTuning& out) const;

  // The pause between two reads of `read`: below its limit.
  Clock::duration read_spacing(const ReadOperation& read) const {
    double rate = per_second(read.default_rate());
    return rate > 0 ? seconds_to_duration(1.1 / rate) : Clock::duration{0};
  }

  TuneSeams seams_;
  TuneOptions options_;
  TuneReport report_;
};

net::awaitable<Answer> Tuner::send(Platform platform, const Request& request) {
  HttpRequest http{request.method, request.target, request.body()};
  const auto t0 = seams_.clock.now();
  // (A co_await inside a braced initializer is miscompiled by GCC 12: a plain statement each.)
  Result<HttpResponse> response = co_await seams_.transport.send(platform, http);
  const double took = seconds(seams_.clock.now() - t0);
  co_return Answer{std::move(response), took};
}

net::awaitable<void> Tuner::measure_token(TuneReport& report) {
  std::vector<double> times;
  for (unsigned i = 0; i < std::max(2u, options_.round_trips / 4); ++i) {
    auto t0 = seams_.clock.now();
    Result<void> r = co_await seams_.token_call();
    ++report.token_calls;
    if (!r) break;
    times.push_back(seconds(seams_.clock.now() - t0));
  }
  report.token = round_trips_of(times);
}

net::awaitable<void> Tuner::measure_reads(const TuneTarget& t, TargetTuning& out) {
  const ReadOperation* read = t.connector->read();
  if (read == nullptr || t.keys.empty()) {
    out.notes.push_back(read == nullptr ? "the connector has no read: no round trip measured" : "the source has no entity for it");
    co_return;
  }
  std::vector<double> times;
  for (unsigned i = 0; i < options_.round_trips; ++i) {
    auto next = seams_.clock.now() + read_spacing(*read);
    std::span<const std::string> key(&t.keys[i % t.keys.size()], 1);
    Result<Request> request = read->build_request(key);
    if (!request) {
      out.notes.push_back(request.error().str());
      break;
    }
    Answer a = co_await send(t.connector->platform(), *request);
    ++out.reads;
    if (!a.response) {
      out.notes.push_back(fmt::format("read: {}", a.response.error().str()));
      break;
    }
    Verdict v = read->classify(a.response->status, a.response->body, a.response->headers);
    if (v.disposition == Disposition::kSuccess) times.push_back(a.seconds);
    if (v.disposition != Disposition::kSuccess && v.disposition != Disposition::kRateLimited) {
      out.notes.push_back(fmt::format("read: {} {}", v.code, v.message));
      break;
    }
    co_await seams_.clock.sleep_until(next);
  }
  out.read_trips = round_trips_of(times);
}

// Reads up to held_documents of the target's entities: the documents the probe sends back.
net::awaitable<std::vector<Document>> Tuner::read_held(const TuneTarget& t, TargetTuning& out) {
  std::vector<Document> held;
  const ReadOperation* read = t.connector->read();
  if (read == nullptr) co_return held;
  const std::size_t wanted = std::min<std::size_t>(t.keys.size(), options_.held_documents);
  const std::size_t batch = std::max<std::size_t>(1, read->batch_size());
  for (std::size_t at = 0; at < wanted; at += batch) {
    auto next = seams_.clock.now() + read_spacing(*read);
    std::span<const std::string> keys(t.keys.data() + at, std::min(batch, wanted - at));
    Result<Request> request = read->build_request(keys);
    if (!request) co_return held;
    Answer a = co_await send(t.connector->platform(), *request);
    ++out.reads;
    if (!a.response) co_return held;
    Verdict v = read->classify(a.response->status, a.response->body, a.response->headers);
    if (v.disposition == Disposition::kSuccess) {
      Result<ReadPage> page = read->read_page(keys, a.response->body);
      if (page) {
        for (auto& d : page->found) held.push_back(std::move(d));
      }
    } else if (v.disposition != Disposition::kRateLimited) {
      out.notes.push_back(fmt::format("reading what it holds: {} {}", v.code, v.message));
      co_return held;
    }
    co_await seams_.clock.sleep_until(next);
  }
  co_return held;
}

net::awaitable<void> Tuner::write_one(const TuneTarget& t, const Document& doc, Clock::time_point start, WriteCall& call) {
  const UpdateOperation& update = t.connector->update();
  // The document the target holds, sent as it is: the request changes nothing.
  Result<Request> request = update.build_request(doc, nullptr);
  call.sent = seconds(seams_.clock.now() - start);
  if (!request) {
    call.error = true;
    call.done = call.sent;
    co_return;
  }
  Answer a = co_await send(t.connector->platform(), *request);
  call.done = seconds(seams_.clock.now() - start);
  if (!a.response) {
    call.error = true;
    co_return;
  }
  Verdict v = update.classify(a.response->status, a.response->body, a.response->headers);
  call.disposition = v.disposition;
  call.announced = v.announced_limit;
  if (v.disposition == Disposition::kRefreshToken) seams_.transport.token_rejected(t.connector->platform(), a.response->token_serial);
}

// Sends `calls` writes paced at `rate` a second (at most max_in_flight at once), waits for every
// answer and sums the step up.
net::awaitable<ProbeStep> Tuner::step(const TuneTarget& t, const std::vector<Document>& held, std::size_t& next, double rate,
                                      unsigned calls, std::vector<WriteCall>& log) {
  net::any_io_executor io = co_await net::this_coro::executor;
  log.assign(calls, WriteCall{});
  const Clock::time_point start = seams_.clock.now();
  unsigned in_flight = 0;
  bool sending = true;
  AsyncEvent all_done(io);
  std::shared_ptr<AsyncEvent> slot;
  for (unsigned i = 0; i < calls; ++i) {
    co_await seams_.clock.sleep_until(start + seconds_to_duration(i / rate));
    while (in_flight >= options_.max_in_flight) {
      slot = std::make_shared<AsyncEvent>(io);
      auto waiting = slot;
      co_await waiting->wait();
    }
    ++in_flight;
    const Document& doc = held[next++ % held.size()];
    net::co_spawn(io, write_one(t, doc, start, log[i]), [&](std::exception_ptr) {
      --in_flight;
      if (slot) slot->set();
      if (!sending && in_flight == 0) all_done.set();
    });
  }
  sending = false;
  if (in_flight == 0) all_done.set();
  co_await all_done.wait();

  ProbeStep s;
  s.offered = rate;
  s.sent = calls;
  std::vector<double> times;
  double first_done = 0, last_done = 0;
  for (const WriteCall& c : log) {
    if (c.error || (c.disposition != Disposition::kSuccess && c.disposition != Disposition::kRateLimited)) {
      ++s.failed;
      continue;
    }
    if (c.disposition == Disposition::kRateLimited) {
      ++s.throttled;
      continue;
    }
    times.push_back(c.done - c.sent);
    first_done = s.ok == 0 ? c.done : std::min(first_done, c.done);
    last_done = s.ok == 0 ? c.done : std::max(last_done, c.done);
    ++s.ok;
  }
  s.p50_s = quantile(times, 0.5);
  s.p99_s = quantile(times, 0.99);
  // Successes a second, from the spacing of their answers (the first answer opens the count).
  s.achieved = s.ok >= 2 && last_done > first_done ? (s.ok - 1) / (last_done - first_done) : (s.ok > 0 ? rate : 0);
  co_return s;
}

net::awaitable<void> Tuner::probe(const TuneTarget& t, const std::vector<Document>& held, unsigned budget, TargetTuning& out) {
  double rate = std::max(2.0, per_second(t.connector->update().default_rate()) / 2);
  std::size_t next = 0;
  std::vector<WriteCall> log;
  double best_clean = 0;  // the best rate achieved in a step with no throttle
  double best = 0;
  while (true) {
    const unsigned calls = std::min<unsigned>(budget, std::max<unsigned>(options_.min_step_calls, static_cast<unsigned>(std::lround(rate * options_.step_s))));
    if (calls < options_.min_step_calls) {
      out.found_by = best > 0 ? FoundBy::kBudget : FoundBy::kNone;
      out.found_rate = best;
      out.notes.push_back(fmt::format("the writes ran out before a limit showed: it is at least {:.1f}/s", best));
      co_return;
    }
    ProbeStep s = co_await step(t, held, next, rate, calls, log);
    budget -= calls;
    out.writes += calls;
    out.steps.push_back(s);
    best = std::max(best, s.achieved);
    if (s.failed > 0) {
      out.notes.push_back(fmt::format("{} of {} writes at {:.1f}/s failed: the probe stopped", s.failed, s.sent, s.offered));
      out.found_by = FoundBy::kNone;
      co_return;
    }
    if (s.throttled > 0) {
      for (const WriteCall& c : log) {
        if (c.announced) out.announced = std::min(out.announced.value_or(*c.announced), *c.announced);
      }
      out.found_by = out.announced ? FoundBy::kAnnounced : FoundBy::kThrottled;
      out.found_rate = out.announced ? static_cast<double>(*out.announced) : best_clean;
      co_return;
    }
    best_clean = std::max(best_clean, s.achieved);
    const ProbeStep& first = out.steps.front();
    if (out.steps.size() > 1 && s.achieved < options_.knee_share * s.offered && s.p50_s > options_.knee_latency * first.p50_s) {
      out.found_by = FoundBy::kKnee;
      out.found_rate = best;
      co_return;
    }
    rate *= options_.growth;
  }
}

void Tuner::recommend(const TuneTarget& t, TargetTuning& out) const {
  const double today = per_second(t.rate);
  double rate = today;
  if (!out.documented) {
    double margin = out.found_by == FoundBy::kAnnounced ? options_.announced_margin : options_.measured_margin;
    if (out.found_by != FoundBy::kNone && out.found_rate > 0) {
      out.recommended_rate = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::floor(out.found_rate * margin)));
      rate = *out.recommended_rate;
    } else {
      out.notes.push_back(options_.write_probe ? "its limit was not found: rate stays as configured"
                                               : "its limit is not documented and was not probed (--write-probe finds it)");
    }
  }
  // The round trip to size for: the reads', or the writes' below the limit when slower.
  double rtt = out.read_trips.p99_s;
  for (std::size_t i = 0; i < out.steps.size(); ++i) {
    const bool last = i + 1 == out.steps.size();
    if (!last || out.found_by == FoundBy::kBudget) rtt = std::max(rtt, out.steps[i].p99_s);
  }
  out.round_trip_s = rtt;
  out.recommended_concurrency = std::clamp<unsigned>(static_cast<unsigned>(std::ceil(rate * rtt * options_.concurrency_margin)), 2, 1024);
  // As the executor sizes "auto": from the fastest tier (a burst of 50/s within 1000/min).
  const double fastest = fastest_rate(t.rate);
  ConcurrencyCap cap = ConcurrencyCap::of(t.concurrency, fastest);
  if (rtt > 0) cap.observe(rtt, fastest);
  out.concurrency = cap.limit();
  out.concurrency_auto = cap.automatic();
  const double reach_today = rtt > 0 ? out.concurrency / rtt : today;
  out.bound = today > 0 && reach_today < today
                  ? fmt::format("the network: {} in flight / {:.0f} ms round trip = {:.1f}/s, under the limit", out.concurrency, rtt * 1000, reach_today)
                  : fmt::format("the limit: {:.1f}/s", today);
  for (const Lane& lane : t.connector->update().lanes()) {
    out.notes.push_back(fmt::format("lane {} ({}/s) bounds {}", lane.name, per_second({lane.tiers.begin(), lane.tiers.end()}), lane.carries));
  }
  auto least = [&](double r, unsigned c) {
    double pace = rtt > 0 ? std::min(r, c / rtt) : r;
    return pace > 0 ? static_cast<double>(out.entities) / pace : 0.0;
  };
  out.least_s_today = least(today, out.concurrency);
  out.least_s_recommended = least(rate, out.recommended_concurrency);
}

net::awaitable<TuneReport> Tuner::run(std::vector<TuneTarget> targets) {
  report_.write_probe = options_.write_probe;
  report_.max_writes = options_.max_writes;
  if (seams_.token_call) co_await measure_token(report_);
  std::size_t probes_left = 0;
  for (const auto& t : targets) probes_left += options_.write_probe && !t.connector->update().rate_documented() ? 1 : 0;
  unsigned writes_left = options_.max_writes;
  for (const auto& t : targets) {
    TargetTuning out;
    out.id = std::string(t.connector->id());
    out.documented = t.connector->update().rate_documented();
    out.rate = t.rate;
    out.entities = t.entities;
    co_await measure_reads(t, out);
    if (options_.write_probe && !out.documented) {
      std::vector<Document> held = co_await read_held(t, out);
      const auto share = static_cast<unsigned>(writes_left / std::max<std::size_t>(1, probes_left));
      --probes_left;
      if (held.empty()) {
        out.notes.push_back("it holds none of the source's entities to send back: no write probe");
      } else {
        co_await probe(t, held, share, out);
        writes_left -= static_cast<unsigned>(out.writes);
      }
    }
    recommend(t, out);
    report_.reads += out.reads;
    report_.writes += out.writes;
    report_.targets.push_back(std::move(out));
  }
  co_return std::move(report_);
}

}  // namespace

std::string_view found_by_name(FoundBy f) {
  switch (f) {
    case FoundBy::kAnnounced: return "announced";
    case FoundBy::kThrottled: return "throttled";
    case FoundBy::kKnee: return "knee";
    case FoundBy::kBudget: return "budget";
    default: return "none";
  }
}

double per_second(const std::vector<RateTier>& tiers) {
  double best = 0;
  for (const RateTier& t : tiers) {
    if (t.limit == 0 || t.window_seconds == 0) continue;
    double r = static_cast<double>(t.limit) / t.window_seconds;
    best = best == 0 ? r : std::min(best, r);
  }
  return best;
}

net::awaitable<TuneReport> run_tune(std::vector<TuneTarget> targets, TuneSeams seams, TuneOptions options) {
  Tuner tuner(std::move(seams), options);
  co_return co_await tuner.run(std::move(targets));
}

}  // namespace hrsync
