#include "emulator/service.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <random>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "emulator/acs_api.h"
#include "emulator/attendance_api.h"
#include "emulator/bot_hook.h"
#include "emulator/contact_group_api.h"
#include "emulator/contact_user_api.h"
#include "emulator/form_data.h"
#include "emulator/json_fields.h"
#include "emulator/rate_limiter.h"
#include "emulator/request_stats.h"
#include "emulator/route.h"
#include "emulator/sophon_api.h"
#include "emulator/token_store.h"
#include "emulator/worker_queue.h"

namespace hrsync::emulator {
namespace json = boost::json;
namespace {

// The documented limits (docs/api/, docs/api-notes.md "Rate limits"); ACS and Sophon come from
// the options. Reads and creates have limits of their own ("limits apply per API"): the group
// get's and the settings query's are documented; the others are not, and take the update's
// tiers (unconfirmed: the conservative reading, emulator/README.md).
const std::vector<RateTier> kContactUserTiers = {{50, 1}, {1000, 60}};
const std::vector<RateTier> kDeptOrFrozenTiers = {{1, 1}};  // PATCH touching department_ids or is_frozen
const std::vector<RateTier> kContactGroupTiers = {{100, 60}};
const std::vector<RateTier> kGroupGetTiers = {{50, 1}, {1000, 60}};
const std::vector<RateTier> kAttendanceTiers = {{50, 1}};

// The answer to a request that fails the API's parameter checks before its own rules run
// (Content-Type, a body that is not a JSON object): each API's own "param error" code.
ApiResult param_error(Endpoint e, std::string field, std::string description) {
  switch (platform_of(e)) {
    case Endpoint::kContactUser: return api_error(400, 40001, "param error", std::move(field), std::move(description));
    case Endpoint::kContactGroup: return api_error(400, 40001, "parameter invalid", std::move(field), std::move(description));
    case Endpoint::kAttendanceFace: return api_error(400, 1220001, description, std::move(field), description);
    case Endpoint::kAcsCard: return api_error(400, 99992402, "field validation failed", std::move(field), std::move(description));
    default: return sophon_error(40000, fmt::format("{}: {}", field, description));
  }
}

// Each API's documented internal error: the contact group document lists 500/40003 "internal
// error" (the user document lists none; both are contact v3, so it is used for users too, and
// for ACS, whose document lists no internal error at all); attendance lists 500/1225000; the
// Sophon box answers 50072 SERVER_PROCESS_FAILED.
ApiResult internal_error(Endpoint e) {
  switch (platform_of(e)) {
    case Endpoint::kAttendanceFace: return api_error(500, 1225000, "internal server error");
    case Endpoint::kSophonPerson: return sophon_error(50072);
    default: return api_error(500, 40003, "internal error");
  }
}

bool is_json_content_type(std::string_view ct) {
  auto semi = ct.find(';');
  auto media = ct.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media.size() != 16) return false;
  return std::equal(media.begin(), media.end(), "application/json", [](char a, char b) {
    return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
  });
}

HttpReply plain(unsigned status, std::string body, std::string outcome) {
  HttpReply r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  r.outcome = std::move(outcome);
  return r;
}

HttpReply json_reply(unsigned status, const json::value& v) {
  HttpReply r;
  r.status = status;
  r.body = json::serialize(v);
  r.outcome = "0";
  return r;
}

// `o` with its members in key order, so states compare and read well.
json::object sorted(const json::object& o) {
  std::vector<const json::key_value_pair*> kv;
  for (const auto& e : o) kv.push_back(&e);
  std::sort(kv.begin(), kv.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
  json::object out;
  for (auto* e : kv) out[e->key()] = e->value();
  return out;
}

// A window length as JSON: an integer when it is whole (60, not 6E1).
json::value window_value(double seconds) {
  if (seconds == std::floor(seconds)) return static_cast<std::int64_t>(seconds);
  return seconds;
}

struct ParsedBody {
  json::object object;
  std::string error;  // "" when the body is a JSON object
};

// Parses `body` into `storage`. Request bodies live only while their request is handled, so the
// business endpoints parse into a per-request arena; whatever they keep is copied into the
// emulator's own storage by assignment (Boost.JSON assigns into the destination's storage).
ParsedBody parse_body(std::string_view body, const json::storage_ptr& storage = {}) {
  ParsedBody p{json::object(storage), {}};  // same storage as the parse, so the move below is one
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, storage);
  if (ec) {
    p.error = "the body is not valid JSON: " + ec.message();
  } else if (!v.is_object()) {
    p.error = "the body is not a JSON object";
  } else {
    p.object = std::move(v.get_object());
  }
  return p;
}

}  // namespace

struct Service::Impl {
  explicit Impl(EmulatorOptions o)
      : options(std::move(o)),
        clock(options.clock ? options.clock : std::make_shared<SteadyClock>()),
        tokens(options.token_lifetime_s, options.seed ^ 0x746f6b656e),
        faults(options.seed),
        users(ContactUserRules{options.certified_tenant, options.lark_tenant, options.department_user_limit}),
        attendance(options.issued_face_keys_only),
        sophon(SophonRules{options.max_photo_bytes, options.min_face_px, options.no_face_share}),
        bot(options.bot_hook_id, options.bot_secret),
        box(options.sophon_workers, options.sophon_service_ms / 1000),
        platform_rng(options.seed ^ 0x706c6174666f726d) {
    // The tenant's own tiers of a limit when it has them, else the documented (or configured) ones.
    auto tiers = [&](std::string_view name, const std::vector<RateTier>& documented) {
      std::vector<RateTier> out;
      if (!options.rate_limits) return out;
      auto own = options.tenant_rate.find(std::string(name));
      for (const auto& t : own == options.tenant_rate.end() ? documented : own->second) {
        out.push_back(scale_tier(t, options.rate_scale));
      }
      return out;
    };
    auto add = [&](Endpoint e, const std::vector<RateTier>& documented) {
      std::string name(endpoint_name(e));
      limit_of[static_cast<std::size_t>(e)] = limiter.add_limit(name, tiers(name, documented));
    };
    add(Endpoint::kContactUser, kContactUserTiers);
    limit_dept = limiter.add_limit("contact_user.dept_or_frozen", tiers("contact_user.dept_or_frozen", kDeptOrFrozenTiers));
    add(Endpoint::kContactGroup, kContactGroupTiers);
    add(Endpoint::kAttendanceFace, kAttendanceTiers);
    add(Endpoint::kAcsCard, options.acs_rate);
    add(Endpoint::kSophonPerson, options.sophon_rate);
    add(Endpoint::kContactUserRead, kContactUserTiers);
    add(Endpoint::kContactUserCreate, kContactUserTiers);
    add(Endpoint::kContactGroupRead, kGroupGetTiers);
    add(Endpoint::kContactGroupCreate, kContactGroupTiers);
    add(Endpoint::kAttendanceRead, kAttendanceTiers);
    add(Endpoint::kAttendanceUpload, kAttendanceTiers);
    add(Endpoint::kAcsRead, options.acs_rate);
    add(Endpoint::kSophonRead, options.sophon_rate);
    add(Endpoint::kSophonCreate, options.sophon_rate);
    fixture = std::move(options.fixture);
    options.fixture = {};
    load_entities();
    arm_faults();
  }

  void load(const Fixture& f) {
    fixture = f;
    load_entities();
  }

  void load_entities() {
    users.load(fixture);
    groups.load(fixture);
    attendance.load(fixture);
    acs.load(fixture);
    sophon.load(fixture);
  }

  void arm_faults() {
    faults.reset();
    for (const auto& r : options.faults) faults.add(r);
    faults.set_latency(options.latency_min_ms / 1000, options.latency_max_ms / 1000);
    faults.set_inbound(options.inbound_jitter_min_ms / 1000, options.inbound_jitter_max_ms / 1000);
    if (options.outage_for_s > 0) faults.set_outage(options.outage_at_s, options.outage_for_s);
  }

  HttpReply handle(const HttpRequestView& req, const Target& target);
  HttpReply dispatch(const HttpRequestView& req, const Target& target, const Route& r, double now);
  HttpReply token(const HttpRequestView& req, double now);
  HttpReply feishu(const HttpRequestView& req, const Target& target, const Route& r, double now);
  HttpReply sophon_call(const HttpRequestView& req, const Target& target, const Route& r, double now);
  std::optional<HttpReply> feishu_body(const HttpRequestView& req, const Route& r, ParsedBody& body);
  std::optional<HttpReply> feishu_auth(std::string_view authorization, double now);
  std::optional<HttpReply> throttle(Endpoint e, const json::object& body, std::string_view method, double now);
  std::optional<HttpReply> throttle_fault(Endpoint e, RateLimiter::LimitId id, double now);
  HttpReply throttled(Endpoint e, std::uint32_t limit, const std::string& reset, int status = 429);
  static std::string fault_reset(const FaultRule& rule);
  ApiResult call(Endpoint e, const HttpRequestView& req, const Target& target, const Route& r, const json::object& body);
  HttpReply feishu_envelope(ApiResult result);
  HttpReply sophon_envelope(ApiResult result);

  // The added latency of the platform `target` belongs to, in seconds.
  double platform_latency(const Target& target) {
    const bool box_path = target.path.starts_with("/SophonFogSys/");
    const double lo = (box_path ? options.sophon_latency_min_ms : options.feishu_latency_min_ms) / 1000;
    const double hi = (box_path ? options.sophon_latency_max_ms : options.feishu_latency_max_ms) / 1000;
    if (hi <= 0) return 0;
    if (hi <= lo) return lo;
    return std::uniform_real_distribution<double>(lo, hi)(platform_rng);
  }

  std::string next_log_id() { return fmt::format("emu{:017x}", ++log_counter); }

  EmulatorOptions options;
  std::shared_ptr<Clock> clock;
  TokenStore tokens;
  FaultPlan faults;
  RateLimiter limiter;
  std::array<RateLimiter::LimitId, static_cast<std::size_t>(Endpoint::kCount)> limit_of{};  // each API's own limit
  RateLimiter::LimitId limit_dept = 0;
  RequestStats stats;
  std::uint64_t outages = 0;
  std::uint64_t log_counter = 0;
  Fixture fixture;
  ContactUserApi users;
  ContactGroupApi groups;
  AttendanceApi attendance;
  AcsApi acs;
  SophonApi sophon;
  BotHook bot;
  WorkerQueue box;                 // the Sophon box's workers (none unless sophon_workers)
  std::mt19937_64 platform_rng;    // the per-platform latency's draws, apart from the faults'
};

HttpReply Service::Impl::handle(const HttpRequestView& req, const Target& target) {
  double now = clock->now();
  Route r = route(req.method, target.path);
  HttpReply reply = dispatch(req, target, r, now);
  if (reply.action == ReplyAction::kRespond) {
    reply.delay_s = faults.draw_latency() + platform_latency(target);
    // The box works on every request its gateway lets through (its refusals too), one worker each.
    if (target.path.starts_with("/SophonFogSys/") && reply.status != 429) reply.delay_s += box.admit(now);
  }
  // A throttle is 429, or 400 with 99991400 as older Feishu APIs answer (Sophon: 42900 on 429).
  stats.record(r.endpoint, reply.outcome, reply.status == 429 || reply.outcome == "99991400");
  return reply;
}

HttpReply Service::Impl::dispatch(const HttpRequestView& req, const Target& target, const Route& r, double now) {
  if (faults.in_outage(now)) {
    ++outages;
    HttpReply down = plain(503, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", "outage");
    down.content_type = "text/html";
    return down;
  }
  if (r.endpoint == Endpoint::kUnknown) {
    if (target.path.starts_with("/SophonFogSys/")) return sophon_envelope(sophon_error(40400));
    return plain(404, "404 page not found", "not_found");
  }
  auto name = endpoint_name(r.endpoint);
  if (faults.fires(FaultKind::kStall, name, now)) return HttpReply{.action = ReplyAction::kStall, .outcome = "stall"};
  if (faults.fires(FaultKind::kReset, name, now)) return HttpReply{.action = ReplyAction::kReset, .outcome = "reset"};
  if (r.endpoint == Endpoint::kToken) return token(req, now);
  if (r.endpoint == Endpoint::kBotHook) {
    BotReply b = bot.post(r.path_id, req.body, static_cast<std::int64_t>(std::time(nullptr)));
    HttpReply reply = json_reply(b.status, b.body);
    reply.outcome = fmt::format("{}", b.code);
    return reply;
  }
  HttpReply reply = platform_of(r.endpoint) == Endpoint::kSophonPerson ? sophon_call(req, target, r, now)
                                                                       : feishu(req, target, r, now);
  if (reply.action == ReplyAction::kRespond && faults.fires(FaultKind::kOversize, name, now)) {
    // Handled, then answered with more than a client takes: the JSON followed by 17 MiB of spaces.
    reply.body.append(std::size_t{17} << 20, ' ');
    reply.outcome = "oversize";
  }
  return reply;
}

HttpReply Service::Impl::token(const HttpRequestView& req, double now) {
  // The token endpoint's codes are not in the five documents; these follow Feishu's auth
  // document: 10003 "invalid param" for a missing or unknown app_id, 10014 "app secret invalid".
  // It is throttled only by a throttle fault that names it (@token), before it reads the request.
  if (faults.fires_named(FaultKind::kThrottle, endpoint_name(Endpoint::kToken), now)) {
    const FaultRule& rule = faults.last_hit();
    return throttled(Endpoint::kToken, 0, fault_reset(rule), rule.status);
  }
  auto refuse = [&](std::int64_t code, std::string msg) {
    return feishu_envelope(api_error(400, code, std::move(msg)));
  };
  if (!is_json_content_type(req.content_type)) return refuse(10003, "invalid param");
  ParsedBody body = parse_body(req.body);
  auto app_id = string_member(body.object, "app_id");
  auto secret = string_member(body.object, "app_secret");
  if (!body.error.empty() || !app_id || !secret || *app_id != options.app_id) return refuse(10003, "invalid param");
  if (*secret != options.app_secret) return refuse(10014, "app secret invalid");
  IssuedToken t = tokens.issue(clock->now());
  return json_reply(200, json::object{{"code", 0}, {"msg", "ok"}, {"tenant_access_token", t.token}, {"expire", t.expire_s}});
}

std::optional<HttpReply> Service::Impl::feishu_auth(std::string_view authorization, double now) {
  if (authorization.empty()) {
    return feishu_envelope(api_error(400, 99991661, "Missing access token for authorization. Please make a request with token attached."));
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer) || !authorization.substr(kBearer.size()).starts_with("t-")) {
    return feishu_envelope(api_error(400, 99991671, "Invalid access token format: expected \"Bearer t-...\"."));
  }
  if (!tokens.valid(authorization.substr(kBearer.size()), now)) {
    return feishu_envelope(api_error(400, 99991663, "Invalid access token for authorization. Please make a request with token attached."));
  }
  return std::nullopt;
}

// The 429 a throttled request gets: the platform's body and the gateway's headers (Sophon adds
// Retry-After); `limit` 0 leaves x-ogw-ratelimit-limit out. A Feishu throttle may be answered
// `status` 400 instead, as older APIs do (docs/api-notes.md, "Throttling"); Sophon's is 429.
HttpReply Service::Impl::throttled(Endpoint e, std::uint32_t limit, const std::string& reset, int status) {
  HttpReply r = platform_of(e) == Endpoint::kSophonPerson ? sophon_envelope(sophon_error(42900))
                                             : feishu_envelope(api_error(status, 99991400, "request trigger frequency limit"));
  if (limit > 0) r.headers.emplace_back("x-ogw-ratelimit-limit", fmt::format("{}", limit));
  r.headers.emplace_back("x-ogw-ratelimit-reset", reset);
  if (platform_of(e) == Endpoint::kSophonPerson) r.headers.emplace_back("Retry-After", reset);
  return r;
}

// The throttle fault: a 429 whatever the window holds, with the rule's reset header.
std::optional<HttpReply> Service::Impl::throttle_fault(Endpoint e, RateLimiter::LimitId id, double now) {
  if (!faults.fires(FaultKind::kThrottle, endpoint_name(e), now)) return std::nullopt;
  const FaultRule& rule = faults.last_hit();
  return throttled(e, limiter.first_limit(id), fault_reset(rule), rule.status);
}

// The x-ogw-ratelimit-reset a throttle fault's answer carries.
std::string Service::Impl::fault_reset(const FaultRule& rule) {
  double reset = rule.reset_s;
  if (rule.reset_unix) {
    reset = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
  return fmt::format("{:.0f}", std::floor(reset));
}

std::optional<HttpReply> Service::Impl::throttle(Endpoint e, const json::object& body, std::string_view method, double now) {
  const RateLimiter::LimitId own = limit_of[static_cast<std::size_t>(e)];
  if (auto forced = throttle_fault(e, own, now)) return forced;
  const bool lane = e == Endpoint::kContactUser && method == "PATCH" &&
                    (member(body, "department_ids") != nullptr || member(body, "is_frozen") != nullptr);
  Admission a = lane ? limiter.admit({own, limit_dept}, now) : limiter.admit({own}, now);
  if (a.admitted) return std::nullopt;
  return throttled(e, a.limit, fmt::format("{}", std::max<long>(1, static_cast<long>(std::ceil(a.reset_s)))));
}

// Reads the body of a Feishu request as its endpoint takes it: none for a GET, multipart for the
// file upload, a JSON object otherwise. Answers the refusal when the body is not what it must be;
// the rate limit counts first, as at the gateway.
std::optional<HttpReply> Service::Impl::feishu_body(const HttpRequestView& req, const Route& r, ParsedBody& body) {
  if (req.method == "GET" && req.body.empty()) return std::nullopt;
  if (r.endpoint == Endpoint::kAttendanceUpload) {
    if (!is_form_data(req.content_type)) return feishu_envelope(param_error(r.endpoint, "Content-Type", "must be multipart/form-data"));
    FormBody f = read_form_data(req.content_type, req.body);
    if (!f.error.empty()) return feishu_envelope(param_error(r.endpoint, "body", f.error));
    body.object = std::move(f.object);
    return std::nullopt;
  }
  if (!is_json_content_type(req.content_type)) {
    return feishu_envelope(param_error(r.endpoint, "Content-Type", "must be application/json; charset=utf-8"));
  }
  if (!body.error.empty()) return feishu_envelope(param_error(r.endpoint, "body", body.error));
  return std::nullopt;
}

HttpReply Service::Impl::feishu(const HttpRequestView& req, const Target& target, const Route& r, double now) {
  auto name = endpoint_name(r.endpoint);
  if (faults.fires(FaultKind::kRevoke, name, now) && req.authorization.starts_with("Bearer ")) {
    tokens.revoke(req.authorization.substr(7));
  }
  if (auto refused = feishu_auth(req.authorization, now)) return std::move(*refused);
  unsigned char arena_buffer[8192];
  json::monotonic_resource arena(arena_buffer, sizeof arena_buffer);
  const bool json_body = r.endpoint != Endpoint::kAttendanceUpload && !(req.method == "GET" && req.body.empty());
  ParsedBody body = json_body ? parse_body(req.body, &arena) : ParsedBody{json::object(&arena), {}};
  if (auto throttled = throttle(r.endpoint, body.object, req.method, now)) return std::move(*throttled);
  if (auto refused = feishu_body(req, r, body)) return std::move(*refused);
  if (faults.fires(FaultKind::kInternal, name, now)) return feishu_envelope(internal_error(r.endpoint));
  if (r.endpoint == Endpoint::kContactUser && faults.fires(FaultKind::kLock, name, now)) {
    return feishu_envelope(api_error(400, 44025, "update user lock error,wait some seconds and retry"));
  }
  return feishu_envelope(call(r.endpoint, req, target, r, body.object));
}

HttpReply Service::Impl::sophon_call(const HttpRequestView& req, const Target& target, const Route& r, double now) {
  if (!options.sophon_token.empty()) {
    std::string_view presented = req.authorization;
    if (presented.starts_with("Bearer ")) presented.remove_prefix(7);
    if (presented != options.sophon_token) return sophon_envelope(sophon_error(40100, "missing or wrong token"));
  }
  // The document accepts JSON or form-data; both become one JSON object for the rules. A query
  // (GET) carries no body.
  const bool read = r.endpoint == Endpoint::kSophonRead;
  const bool form = is_form_data(req.content_type);
  ParsedBody body;
  if (read) {
    body = ParsedBody{};
  } else if (form) {
    FormBody f = read_form_data(req.content_type, req.body);
    body = ParsedBody{std::move(f.object), std::move(f.error)};
  } else {
    body = parse_body(req.body);
  }
  if (auto throttled = throttle(r.endpoint, body.object, req.method, now)) return std::move(*throttled);
  if (!read && !form && !is_json_content_type(req.content_type)) {
    return sophon_envelope(sophon_error(40000, "the body must be JSON (application/json) or form-data (multipart/form-data)"));
  }
  if (!body.error.empty()) return sophon_envelope(sophon_error(40000, body.error));
  if (faults.fires(FaultKind::kInternal, endpoint_name(r.endpoint), now)) return sophon_envelope(internal_error(r.endpoint));
  return sophon_envelope(call(r.endpoint, req, target, r, body.object));
}

ApiResult Service::Impl::call(Endpoint e, const HttpRequestView& req, const Target& target, const Route& r,
                              const json::object& body) {
  ApiRequest api{req.method, r.path_id, target.query, body, r.collection};
  switch (e) {
    case Endpoint::kContactUser: return users.update(api);
    case Endpoint::kContactUserRead: return users.read(api);
    case Endpoint::kContactUserCreate: return users.create(api);
    case Endpoint::kContactGroup: return groups.update(api);
    case Endpoint::kContactGroupRead: return groups.read(api);
    case Endpoint::kContactGroupCreate: return groups.create(api);
    case Endpoint::kAttendanceFace: return attendance.modify(api);
    case Endpoint::kAttendanceRead: return attendance.query(api);
    case Endpoint::kAttendanceUpload: return attendance.upload(api);
    case Endpoint::kAcsCard: return acs.patch(api);
    case Endpoint::kAcsRead: return acs.read(api);
    case Endpoint::kSophonRead: return sophon.query(api);
    case Endpoint::kSophonCreate: return sophon.create(api);
    default: return sophon.update(api);
  }
}

HttpReply Service::Impl::feishu_envelope(ApiResult result) {
  HttpReply r;
  r.status = static_cast<unsigned>(result.http_status);
  r.outcome = fmt::format("{}", result.code);
  r.hold = std::move(result.hold);
  std::string log_id = next_log_id();
  r.headers.emplace_back("X-Tt-Logid", log_id);
  json::object body{{"code", result.code}, {"msg", result.msg}};
  if (result.code == 0) {
    body["data"] = std::move(result.data);
  } else {
    json::object error{{"log_id", log_id}};
    if (!result.violations.empty()) {
      json::array v;
      for (auto& fv : result.violations) {
        v.push_back(json::object{{"field", fv.field}, {"description", fv.description.empty() ? result.msg : fv.description}});
      }
      error["field_violations"] = std::move(v);
    }
    body["error"] = std::move(error);
  }
  r.body = json::serialize(body);
  return r;
}

HttpReply Service::Impl::sophon_envelope(ApiResult result) {
  HttpReply r;
  r.status = static_cast<unsigned>(result.http_status);
  r.outcome = fmt::format("{}", result.code);
  if (result.code == 0) {
    r.body = json::serialize(json::object{{"data", std::move(result.data)}});
    return r;
  }
  r.body = json::serialize(json::object{
      {"error", json::object{{"code", result.code}, {"message", result.msg}, {"status", sophon_status(result.code)}}}});
  return r;
}

Service::Service(EmulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))), inbound_on_(impl_->faults.has_inbound()) {}
Service::~Service() = default;

HttpReply Service::handle(const HttpRequestView& req) {
  Target target = parse_target(req.target);
  if (target.path.starts_with("/_emulator/")) return control(req, target);
  std::lock_guard lock(mu_);
  return impl_->handle(req, target);
}

HttpReply Service::control(const HttpRequestView& req, const Target& target) {
  const std::string& p = target.path;
  if (req.method == "GET" && p == "/_emulator/state") return HttpReply{.body = state_json(), .outcome = "0"};
  if (req.method == "GET" && p == "/_emulator/stats") return HttpReply{.body = stats_json(), .outcome = "0"};
  if (req.method == "GET" && p == "/_emulator/bot") return HttpReply{.body = bot_json(), .outcome = "0"};
  if (req.method == "POST" && p == "/_emulator/reset") {
    reset();
    return json_reply(200, json::object{{"ok", true}});
  }
  if (req.method == "POST" && p == "/_emulator/faults") return control_faults(req.body);
  if (req.method == "POST" && p == "/_emulator/edit") return control_edit(req.body);
  if ((req.method == "PUT" || req.method == "POST") && p == "/_emulator/fixture") {
    auto f = parse_fixture(req.body, "request body");
    if (!f) return json_reply(400, json::object{{"ok", false}, {"error", f.error().str()}});
    load_fixture(*f);
    return json_reply(200, json::object{{"ok", true}});
  }
  return plain(404, "404 page not found", "not_found");
}

// {"target": "contact_user", "key": "u1", "set": {"name": "X"}}: a console edit (Service::edit).
HttpReply Service::control_edit(std::string_view text) {
  ParsedBody body = parse_body(text);
  auto bad = [](std::string why) { return json_reply(400, json::object{{"ok", false}, {"error", std::move(why)}}); };
  if (!body.error.empty()) return bad(body.error);
  auto target = string_member(body.object, "target");
  auto key = string_member(body.object, "key");
  const json::value* set = member(body.object, "set");
  if (!target || !key || set == nullptr || !set->is_object()) return bad("give {\"target\", \"key\", \"set\": {...}}");
  std::string why = edit(*target, *key, set->get_object());
  if (!why.empty()) return bad(why);
  return json_reply(200, json::object{{"ok", true}});
}

std::string Service::edit(std::string_view target, std::string_view key, const json::object& set) {
  std::lock_guard lock(mu_);
  Impl& s = *impl_;
  if (target == "contact_user") return s.users.edit(key, set);
  if (target == "contact_group") return s.groups.edit(key, set);
  if (target == "attendance_face") return s.attendance.edit(key, set);
  if (target == "acs_card") return s.acs.edit(key, set);
  if (target == "sophon_person") return s.sophon.edit(key, set);
  return fmt::format("target \"{}\": one of contact_user, contact_group, attendance_face, acs_card, sophon_person", target);
}

HttpReply Service::control_faults(std::string_view text) {
  ParsedBody body = parse_body(text);
  auto bad = [](std::string why) { return json_reply(400, json::object{{"ok", false}, {"error", std::move(why)}}); };
  if (!body.error.empty()) return bad(body.error);
  const json::object& o = body.object;
  std::vector<FaultRule> rules;
  if (const auto* add = member(o, "add")) {
    if (!has_json_type(*add, JsonType::kStringArray)) return bad("add: must be an array of fault specs");
    for (const auto& spec : add->get_array()) {
      auto rule = parse_fault_rule(spec.get_string());
      if (!rule) return bad(rule.error().str());
      rules.push_back(*rule);
    }
  }
  auto range = [&](std::string_view key) -> const json::array* {
    const json::value* v = member(o, key);
    return v != nullptr && v->is_array() && v->get_array().size() == 2 && v->get_array()[0].is_number() &&
                   v->get_array()[1].is_number()
               ? &v->get_array()
               : nullptr;
  };
  const json::array* latency = range("latency_ms");
  const json::array* inbound = range("inbound_jitter_ms");
  if (member(o, "latency_ms") != nullptr && latency == nullptr) return bad("latency_ms: must be [min, max]");
  if (member(o, "inbound_jitter_ms") != nullptr && inbound == nullptr) return bad("inbound_jitter_ms: must be [min, max]");
  if (const auto* clear = member(o, "clear"); clear && clear->is_bool() && clear->get_bool()) clear_faults();
  for (const auto& r : rules) add_fault(r);
  if (latency) set_latency_ms(json::value_to<double>((*latency)[0]), json::value_to<double>((*latency)[1]));
  if (inbound) set_inbound_jitter_ms(json::value_to<double>((*inbound)[0]), json::value_to<double>((*inbound)[1]));
  if (const auto* outage = member(o, "outage_s"); outage && outage->is_number()) start_outage(json::value_to<double>(*outage));
  if (const auto* revoke = member(o, "revoke_tokens"); revoke && revoke->is_bool() && revoke->get_bool()) revoke_tokens();
  return json_reply(200, json::object{{"ok", true}});
}

HttpReply Service::too_large(std::string_view target) {
  std::lock_guard lock(mu_);
  Target t = parse_target(target);
  HttpReply r = t.path.starts_with("/SophonFogSys/")
                    ? impl_->sophon_envelope(sophon_error(41300, "the request body is too large"))
                    : plain(413, "413 Request Entity Too Large", "too_large");
  impl_->stats.record(route("PUT", t.path).endpoint, "too_large", false);
  return r;
}

std::string Service::state_json() const {
  std::lock_guard lock(mu_);
  json::object out{
      {"contact_user", sorted(impl_->users.state())},
      {"contact_group", sorted(impl_->groups.state())},
      {"attendance_face", sorted(impl_->attendance.state())},
      {"acs_card", sorted(impl_->acs.state())},
      {"sophon_person", sorted(impl_->sophon.state())},
  };
  return json::serialize(out);
}

std::string Service::bot_json() const {
  std::lock_guard lock(mu_);
  return json::serialize(impl_->bot.state());
}

std::string Service::stats_json() const {
  std::lock_guard lock(mu_);
  const Impl& s = *impl_;
  json::array limits;
  for (const auto& t : s.limiter.stats()) {
    limits.push_back(json::object{{"limit", t.limit_name}, {"tier", rate_tier_label(t.tier)}, {"allowed", t.tier.limit},
                                  {"window_s", window_value(t.tier.window_s)}, {"admitted", t.admitted}, {"throttled", t.throttled},
                                  {"max_in_window", t.max_in_window}});
  }
  json::object faults;
  for (std::size_t k = 0; k < static_cast<std::size_t>(FaultKind::kCount); ++k) {
    faults[fault_name(static_cast<FaultKind>(k))] = s.faults.hits(static_cast<FaultKind>(k));
  }
  faults["outage"] = s.outages;
  json::object entities{{"contact_user", s.users.size()}, {"contact_group", s.groups.size()},
                        {"attendance_face", s.attendance.size()}, {"acs_card", s.acs.size()},
                        {"sophon_person", s.sophon.size()}};
  json::object created{{"contact_user", s.users.created()}, {"attendance_face.upload", s.attendance.uploads()}};
  json::object out{{"requests", s.stats.requests()}, {"throttled", s.stats.throttled()},
                   {"operations", s.stats.by_operation()}, {"created", std::move(created)},
                   {"endpoints", s.stats.to_json()}, {"limits", std::move(limits)},
                   {"faults", std::move(faults)}, {"tokens_issued", s.tokens.issued()},
                   {"box", json::object{{"workers", s.box.workers()}, {"service_ms", s.box.service_s() * 1000},
                                        {"served", s.box.served()}, {"waited", s.box.waited()},
                                        {"max_wait_ms", s.box.max_wait_s() * 1000}}},
                   {"entities", std::move(entities)}};
  return json::serialize(out);
}

void Service::reset() {
  std::lock_guard lock(mu_);
  impl_->load_entities();
  impl_->limiter.reset();
  impl_->box.reset();
  impl_->stats.reset();
  impl_->bot.reset();
  impl_->outages = 0;
  impl_->arm_faults();
  inbound_on_.store(impl_->faults.has_inbound(), std::memory_order_relaxed);
}

void Service::load_fixture(const Fixture& fixture) {
  std::lock_guard lock(mu_);
  impl_->load(fixture);
}

void Service::add_fault(const FaultRule& rule) {
  std::lock_guard lock(mu_);
  impl_->faults.add(rule);
}

void Service::clear_faults() {
  std::lock_guard lock(mu_);
  impl_->faults.clear_rules();
  impl_->faults.set_outage(0, 0);
}

void Service::start_outage(double seconds) {
  std::lock_guard lock(mu_);
  impl_->faults.set_outage(impl_->clock->now(), seconds);
}

void Service::revoke_tokens() {
  std::lock_guard lock(mu_);
  impl_->tokens.revoke_all();
}

void Service::set_latency_ms(double min_ms, double max_ms) {
  std::lock_guard lock(mu_);
  impl_->faults.set_latency(min_ms / 1000, max_ms / 1000);
}

void Service::set_inbound_jitter_ms(double min_ms, double max_ms) {
  std::lock_guard lock(mu_);
  impl_->faults.set_inbound(min_ms / 1000, max_ms / 1000);
  inbound_on_.store(impl_->faults.has_inbound(), std::memory_order_relaxed);
}

double Service::inbound_delay_s(std::string_view target) {
  if (!inbound_on_.load(std::memory_order_relaxed) || target.starts_with("/_emulator/")) return 0;
  std::lock_guard lock(mu_);
  return impl_->faults.draw_inbound();
}

}  // namespace hrsync::emulator
