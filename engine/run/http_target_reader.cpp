#include "engine/run/http_target_reader.h"

#include <exception>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "engine/net/clock.h"
#include "engine/run/target_reader.h"

namespace hrsync {
namespace {

// Why the platform of `connector` cannot be read without trying, or nullopt.
std::optional<std::string> cannot_read(const JobConfig& config, const TargetConnector& connector) {
  if (connector.platform() != Platform::kFeishu) return std::nullopt;
  if (auto ok = require_secret(config.feishu.app_secret); !ok) return ok.error().str();
  return std::nullopt;
}

// "contact_user: read 20,000 keys in 400 calls (8.1 s): 19,800 found, 200 absent".
void tell(const TargetRead& r, const ReadAsk& ask, const std::string& who, std::ostream& err) {
  if (r.not_read) {
    err << who << ": " << r.target << ": not read (" << *r.not_read << "); the plan diffs against the snapshot\n";
    return;
  }
  if (r.failed) {
    err << who << ": " << r.target << ": the read failed, so this target is not synced on this run: " << *r.failed
        << "\n";
    return;
  }
  err << fmt::format("{}: {}: read {} key(s) in {} call(s) ({:.1f} s): {} found, {} absent{}\n", who, r.target,
                     ask.keys.size(), r.calls, r.seconds, r.found.size(), r.absent.size(),
                     r.throttled > 0 ? fmt::format(", {} throttled", r.throttled) : "");
}

// Every `every` until `done`: one line on `err` with each read's batches done of planned.
void tell_progress(boost::asio::steady_timer& timer, std::chrono::seconds every, const ProgressBoard& board,
                   const bool& done, const std::string& who, std::ostream& err) {
  timer.expires_after(every);
  timer.async_wait([&timer, every, &board, &done, &who, &err](const boost::system::error_code& ec) {
    if (ec || done) return;
    std::string line;
    for (const TargetProgress& p : board.snapshot()) {
      line += fmt::format("{}{} {}/{} calls{}", line.empty() ? "" : ", ", p.target, p.done, p.planned,
                          p.throttled > 0 ? fmt::format(" ({} throttled)", p.throttled) : "");
    }
    if (!line.empty()) err << who << ": reading: " << line << "\n";
    tell_progress(timer, every, board, done, who, err);
  });
}

}  // namespace

TargetReader http_target_reader(JobConfig config, HttpTransportOptions transport, Redactor& redactor,
                                std::string who, std::ostream& err) {
  return [config = std::move(config), transport = std::move(transport), &redactor, who = std::move(who),
          &err](const std::vector<ReadAsk>& asks) {
    std::vector<TargetRead> out(asks.size());
    std::vector<ReadAsk> tried;
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < asks.size(); ++i) {
      out[i].target = std::string(asks[i].connector->id());
      out[i].not_read = cannot_read(config, *asks[i].connector);
      if (out[i].not_read) continue;
      tried.push_back(asks[i]);
      at.push_back(i);
    }
    if (!tried.empty()) {
      boost::asio::io_context io;
      SteadyClock clock;
      HttpTransportOptions options = transport;
      options.token.on_token = [&redactor, told = transport.token.on_token](const std::string& token) {
        redactor.add(token);
        if (told) told(token);
      };
      auto made = HttpTransport::create(io.get_executor(), config.feishu, config.sophon, config.http, clock, options);
      std::vector<TargetRead> read;
      std::exception_ptr failure;
      if (made) {
        ProgressBoard board;
        bool done = false;
        boost::asio::steady_timer timer(io);
        boost::asio::co_spawn(io, read_targets(config, **made, clock, tried, {}, &board),
                              [&](std::exception_ptr e, std::vector<TargetRead> r) {
                                failure = e;
                                read = std::move(r);
                                done = true;
                                timer.cancel();
                              });
        // A long read (one entity a call, thousands of them) says how far it has got.
        tell_progress(timer, std::chrono::seconds(10), board, done, who, err);
        io.run();
      }
      for (std::size_t j = 0; j < tried.size(); ++j) {
        TargetRead& r = out[at[j]];
        if (!made) {
          r.failed = made.error().str();
        } else if (failure || j >= read.size()) {
          r.failed = "the read stopped on an internal error";
        } else {
          r = std::move(read[j]);
        }
        if (r.failed) r.failed = redactor.clean(*r.failed);
      }
    }
    for (std::size_t i = 0; i < asks.size(); ++i) tell(out[i], asks[i], who, err);
    return out;
  };
}

}  // namespace hrsync
