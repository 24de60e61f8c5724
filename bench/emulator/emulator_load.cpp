// bench_emulator_load: how many requests per second the emulator serves on loopback with
// keep-alive, so that it is never what limits a throughput measurement of the engine.
//
// It starts an emulator in-process (rate limits lifted, a fixture of generated users), opens N
// keep-alive connections and has each send realistic update requests back to back for a fixed
// time, counting answers with code 0. Each connection updates its own users, so no two updates
// of one user overlap (which the emulator would answer with 44025). Results: bench/README.md.
//
//   bench_emulator_load [--connections 8] [--seconds 10] [--server-threads 1] [--client-threads 1]
//                       [--endpoint contact_user|acs_card|attendance_face|mix] [--inbound-jitter-ms N]
#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "emulator/emulator.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;
namespace emu = hrsync::emulator;

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
constexpr int kUsersPerConnection = 64;

struct LoadOptions {
  unsigned connections = 8;      // keep-alive connections, each with one request in flight
  double seconds = 10;           // measured time (after one second of warm-up)
  unsigned server_threads = 1;   // emulator threads
  unsigned client_threads = 1;   // load generator threads
  std::string endpoint = "contact_user";  // contact_user | acs_card | attendance_face | mix
  double inbound_jitter_ms = 0;  // > 0: the emulator holds each request 0..this many ms before handling it
};

struct Counters {
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> failed{0};
};

std::string user_id(unsigned conn, int k) { return fmt::format("u{}_{}", conn, k); }
std::string employee_no(unsigned conn, int k) { return fmt::format("E{}_{}", conn, k); }
std::string mobile(unsigned conn, int k) { return fmt::format("13{:09d}", conn * kUsersPerConnection + static_cast<unsigned>(k)); }

emu::Fixture make_fixture(unsigned connections) {
  emu::Fixture f;
  for (unsigned c = 0; c < connections; ++c) {
    for (int k = 0; k < kUsersPerConnection; ++k) {
      f.users.push_back({.user_id = user_id(c, k), .employee_no = employee_no(c, k), .name = "N", .mobile = mobile(c, k),
                         .email = user_id(c, k) + "@example.com", .department_ids = {"od-1"}});
      f.attendance_users.push_back({employee_no(c, k), user_id(c, k)});
      f.acs_users.push_back(user_id(c, k));
    }
  }
  return f;
}

// One request, serialised once and sent many times.
struct Prepared {
  std::string method, target, body;
};

Prepared prepare(const std::string& endpoint, unsigned conn, int k) {
  if (endpoint == "acs_card") {
    return {"PATCH", "/open-apis/acs/v1/users/" + user_id(conn, k) + "?user_id_type=user_id",
            json::serialize(json::object{{"feature", json::object{{"card", 100000 + k}}}})};
  }
  if (endpoint == "attendance_face") {
    return {"POST", "/open-apis/attendance/v1/user_settings/modify?employee_type=employee_no",
            json::serialize(json::object{{"user_setting", json::object{{"user_id", employee_no(conn, k)}, {"face_key", "ab12cd34ef56ab12cd34ef56ab12cd34"},
                                                                       {"face_key_update_time", "1625681917"}}}})};
  }
  json::object body{{"name", "张三 San Zhang"}, {"en_name", "San Zhang"}, {"email", user_id(conn, k) + "@example.com"},
                    {"mobile", "+86" + mobile(conn, k)}, {"mobile_visible", true}, {"gender", 1},
                    {"department_ids", json::array{"od-1"}}, {"city", "杭州"}, {"country", "CN"},
                    {"work_station", "北楼-H34"}, {"join_time", 1625681917}, {"employee_no", employee_no(conn, k)},
                    {"employee_type", 1}, {"job_title", "Engineer"}, {"is_frozen", false}};
  return {"PUT", "/open-apis/contact/v3/users/" + user_id(conn, k) + "?user_id_type=user_id", json::serialize(body)};
}

std::vector<Prepared> requests_for(const std::string& endpoint, unsigned conn) {
  static const char* kMix[] = {"contact_user", "acs_card", "attendance_face"};
  std::vector<Prepared> out;
  for (int k = 0; k < kUsersPerConnection; ++k) out.push_back(prepare(endpoint == "mix" ? kMix[k % 3] : endpoint, conn, k));
  return out;
}

net::awaitable<void> connection(tcp::endpoint server, std::string token, std::vector<Prepared> requests, Counters& counters) {
  tcp::socket stream(co_await net::this_coro::executor);  // no timers: the lean path
  auto [ec] = co_await stream.async_connect(server, kNoThrow);
  if (ec) {
    ++counters.failed;
    co_return;
  }
  stream.set_option(tcp::no_delay(true));
  beast::flat_buffer buffer;
  std::vector<http::request<http::string_body>> prepared;
  for (const auto& p : requests) {
    http::request<http::string_body> req{http::string_to_verb(p.method), p.target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + token);
    req.set(http::field::content_type, "application/json; charset=utf-8");
    req.body() = p.body;
    req.prepare_payload();
    prepared.push_back(std::move(req));
  }
  for (std::size_t i = 0; !counters.stop.load(std::memory_order_relaxed); ++i) {
    auto& req = prepared[i % prepared.size()];
    auto [wec, wn] = co_await http::async_write(stream, req, kNoThrow);
    http::response<http::string_body> res;
    auto [rec, rn] = co_await http::async_read(stream, buffer, res, kNoThrow);
    if (wec || rec) {
      ++counters.failed;
      co_return;
    }
    bool ok = res.result_int() == 200 && (res.body().starts_with("{\"code\":0,") || res.body().starts_with("{\"data\""));
    if (counters.measuring.load(std::memory_order_relaxed)) (ok ? counters.ok : counters.failed).fetch_add(1, std::memory_order_relaxed);
  }
}

std::string fetch_token(net::io_context& ioc, const tcp::endpoint& server) {
  beast::tcp_stream stream(ioc);
  stream.connect(server);
  http::request<http::string_body> req{http::verb::post, "/open-apis/auth/v3/tenant_access_token/internal", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json; charset=utf-8");
  req.body() = R"({"app_id":"cli_demo","app_secret":"demo-secret"})";
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return std::string(json::parse(res.body()).at("tenant_access_token").as_string());
}

double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU time used so far by the load generator's threads.
double threads_cpu(std::vector<std::thread>& threads) {
  double total = 0;
  for (auto& t : threads) {
    clockid_t id;
    if (pthread_getcpuclockid(t.native_handle(), &id) == 0) total += cpu_seconds(id);
  }
  return total;
}

int run(const LoadOptions& o) {
  emu::EmulatorOptions eo;
  eo.rate_limits = false;
  eo.threads = o.server_threads;
  eo.department_user_limit = 0;
  eo.fixture = make_fixture(o.connections);
  eo.inbound_jitter_max_ms = o.inbound_jitter_ms;
  emu::Emulator emulator(std::move(eo));
  if (auto r = emulator.start(); !r) {
    fmt::print(stderr, "bench_emulator_load: {}\n", r.error().str());
    return 1;
  }
  tcp::endpoint server(net::ip::make_address("127.0.0.1"), emulator.port());
  net::io_context ioc;
  std::string token = fetch_token(ioc, server);
  Counters counters;
  for (unsigned c = 0; c < o.connections; ++c) {
    net::co_spawn(ioc, connection(server, token, requests_for(o.endpoint, c), counters), net::detached);
  }
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < o.client_threads; ++t) threads.emplace_back([&] { ioc.run(); });

  std::this_thread::sleep_for(std::chrono::seconds(1));  // warm-up: connections open, caches warm
  double process_cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID), client_cpu = threads_cpu(threads);
  counters.measuring = true;
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  counters.measuring = false;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  process_cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - process_cpu;
  client_cpu = threads_cpu(threads) - client_cpu;
  counters.stop = true;
  for (auto& t : threads) t.join();

  std::uint64_t ok = counters.ok.load(), failed = counters.failed.load();
  double server_cpu = process_cpu - client_cpu;  // the emulator's threads (the main thread sleeps)
  fmt::print("endpoint={} connections={} server_threads={} client_threads={} seconds={:.1f}\n", o.endpoint, o.connections,
             o.server_threads, o.client_threads, elapsed);
  fmt::print("answered {} requests with code 0, {} failed: {:.0f} requests/s\n", ok, failed, static_cast<double>(ok) / elapsed);
  if (ok > 0) {
    fmt::print("CPU (user + system): emulator {:.1f} us/request ({:.0f} requests per CPU-second), load generator {:.1f} us/request\n",
               server_cpu * 1e6 / static_cast<double>(ok), static_cast<double>(ok) / server_cpu, client_cpu * 1e6 / static_cast<double>(ok));
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_emulator_load: requests per second the emulator serves on loopback with keep-alive"};
  LoadOptions o;
  app.add_option("--connections", o.connections, "Keep-alive connections, one request in flight each")->capture_default_str();
  app.add_option("--seconds", o.seconds, "Measured seconds (after one second of warm-up)")->capture_default_str();
  app.add_option("--server-threads", o.server_threads, "Emulator threads")->capture_default_str();
  app.add_option("--client-threads", o.client_threads, "Load generator threads")->capture_default_str();
  app.add_option("--endpoint", o.endpoint, "contact_user, acs_card, attendance_face or mix")
      ->capture_default_str()
      ->check(CLI::IsMember({"contact_user", "acs_card", "attendance_face", "mix"}));
  app.add_option("--inbound-jitter-ms", o.inbound_jitter_ms, "Hold each request 0..N ms before the emulator handles it (a timer)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  return run(o);
}
