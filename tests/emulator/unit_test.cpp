// The emulator's pure parts: CSV reading, fixtures, contact rules, sliding windows and the rate
// limiter, fault plans, tokens, image probing and routing — all with injected time and seeds.
#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/utf8.h"
#include "emulator/contact_rules.h"
#include "emulator/csv_table.h"
#include "emulator/fault_plan.h"
#include "emulator/fixture.h"
#include "emulator/form_data.h"
#include "emulator/image_probe.h"
#include "emulator/rate_limiter.h"
#include "emulator/route.h"
#include "emulator/service.h"
#include "emulator/token_store.h"
#include "emulator/worker_queue.h"

namespace hrsync::emulator {
namespace {

TEST(WorkerQueue, RequestsBeyondTheWorkersWaitInLineAndTheRateStaysTheWorkers) {
  WorkerQueue box(4, 0.1);
  // 4 at once start at once; the next 4 wait one service time.
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(box.admit(10.0), 0.1, 1e-9);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(box.admit(10.0), 0.2, 1e-9);
  EXPECT_EQ(box.waited(), 4u);
  EXPECT_NEAR(box.max_wait_s(), 0.1, 1e-9);
  // Offered 80/s for a second: 40 finish per second, the last ones after a growing wait.
  WorkerQueue busy(4, 0.1);
  double last_done = 0;
  for (int i = 0; i < 80; ++i) last_done = i / 80.0 + busy.admit(i / 80.0);
  EXPECT_NEAR(80 / last_done, 40, 1.0);
  // None: no wait, no work.
  WorkerQueue none(0, 0.1);
  EXPECT_EQ(none.admit(1.0), 0.0);
  busy.reset();
  EXPECT_NEAR(busy.admit(100.0), 0.1, 1e-9);
}

TEST(CsvTable, QuotesCommasNewlinesAndBadRows) {
  auto rows = parse_csv("\xEF\xBB\xBF" "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n1,2\nbad\"quote,2,3\n\"closed\"junk,2,3\n4,5,6");
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"}));
  EXPECT_TRUE(rows[1].ok);
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_EQ(rows[2].fields.size(), 2u);
  EXPECT_FALSE(rows[3].ok);
  EXPECT_FALSE(rows[4].ok);
  EXPECT_TRUE(rows[5].ok);
  EXPECT_EQ(rows[5].fields, (std::vector<std::string>{"4", "5", "6"}));
  auto open = parse_csv("a\n\"never closed\n");
  ASSERT_EQ(open.size(), 2u);
  EXPECT_FALSE(open[1].ok);
}

TEST(Fixture, JsonRoundTripAndStrictKeys) {
  Fixture f;
  f.users = {{.user_id = "u1", .name = "N", .mobile = "13011111111", .department_ids = {"od-1"}, .status = "resigned"}};
  f.groups = {{"g1", "G", "d"}};
  f.attendance_users = {{"E1", "u1"}};
  f.acs_users = {"u1"};
  f.sophon_persons = {{"E1", "N", 2, {"1"}}};
  auto back = parse_fixture(fixture_to_json(f), "t");
  ASSERT_TRUE(back) << back.error().str();
  EXPECT_EQ(back->users.at(0).status, "resigned");
  EXPECT_EQ(back->users.at(0).department_ids, f.users[0].department_ids);
  EXPECT_EQ(back->sophon_persons.at(0).type, 2);
  EXPECT_EQ(back->acs_users, f.acs_users);
  f.employee_types = {1, 6};
  auto typed = parse_fixture(fixture_to_json(f), "t");
  ASSERT_TRUE(typed) << typed.error().str();
  EXPECT_EQ(typed->employee_types, f.employee_types);
  EXPECT_FALSE(parse_fixture(R"({"employee_types":["1"]})", "f.json"));

  auto unknown = parse_fixture(R"({"groups":[{"group_id":"g","colour":1}]})", "f.json");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().where, "f.json.groups[0].colour");
  auto wrong = parse_fixture(R"({"acs_users":[1]})", "f.json");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().where, "f.json.acs_users");
  EXPECT_FALSE(parse_fixture(R"({"contact_users":[{"name":"no id"}]})", "f.json"));

  // A user's other documented members, typed as the document says.
  auto fields = parse_fixture(R"({"contact_users":[{"user_id":"u","fields":{"avatar_key":"k","orders":[{"user_order":1}]}}]})", "f.json");
  ASSERT_TRUE(fields) << fields.error().str();
  EXPECT_EQ(fields->users.at(0).fields.at("avatar_key").as_string(), "k");
  auto again = parse_fixture(fixture_to_json(*fields), "t");
  ASSERT_TRUE(again) << again.error().str();
  EXPECT_EQ(again->users.at(0).fields, fields->users.at(0).fields);
  auto untyped = parse_fixture(R"({"contact_users":[{"user_id":"u","fields":{"avatar_key":5}}]})", "f.json");
  ASSERT_FALSE(untyped);
  EXPECT_EQ(untyped.error().where, "f.json.contact_users[0].fields.avatar_key");
  auto undocumented = parse_fixture(R"({"contact_users":[{"user_id":"u","fields":{"colour":"red"}}]})", "f.json");
  ASSERT_FALSE(undocumented);
  EXPECT_EQ(undocumented.error().where, "f.json.contact_users[0].fields.colour");
  EXPECT_FALSE(parse_fixture(R"({"contact_users":[{"user_id":"u","fields":{"name":"twice"}}]})", "f.json"));
  EXPECT_FALSE(parse_fixture("not json", "f.json"));
}

TEST(Fixture, FromHrCsvSkipsMalformedRowsAndDuplicates) {
  std::string path = ::testing::TempDir() + "/emulator_fixture_employees.csv";
  {
    std::ofstream out(path);
    out << "employee_no,user_id,name,mobile,email,department_ids,person_type\n"
           "E1,u1,A,13011111111,a@example.com,od-1;od-2,2\n"
           "E2,u2,B,13011111111,bad-email,od-1,\n"   // mobile taken by E1: left out
           "E3,u3,C\n"                               // wrong field count
           "E1,u9,Dup,13099999999,d@example.com,od-3,\n"  // duplicate employee_no
           ",u8,NoKey,13088888888,,od-1,\n"          // no key
           "E4,,NoUser,13066666666,,od-1,\n";        // exists on attendance and Sophon only
  }
  auto f = fixture_from_hr_csv(path);
  ASSERT_TRUE(f) << f.error().str();
  ASSERT_EQ(f->users.size(), 2u);
  EXPECT_EQ(f->users[0].mobile, "13011111111");
  EXPECT_EQ(f->users[1].mobile, "");
  EXPECT_EQ(f->users[1].email, "");
  EXPECT_EQ(f->departments, (std::vector<std::string>{"od-1", "od-2"}));
  EXPECT_EQ(f->attendance_users.size(), 3u);
  EXPECT_EQ(f->sophon_persons.size(), 3u);
  EXPECT_EQ(f->sophon_persons[0].type, 2);
  EXPECT_EQ(f->acs_users, (std::vector<std::string>{"u1", "u2"}));
  auto missing = fixture_from_hr_csv(path + ".none");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, Error::Kind::kIo);
}

TEST(ContactRules, MobilesEmailsAndLengths) {
  EXPECT_TRUE(valid_mobile("13011111111"));
  EXPECT_TRUE(valid_mobile("+8613011111111"));
  EXPECT_TRUE(valid_mobile("+41446681800"));
  EXPECT_FALSE(valid_mobile("41446681800"));
  EXPECT_FALSE(valid_mobile("12011111111"));
  EXPECT_FALSE(valid_mobile("+86130111111112"));
  EXPECT_FALSE(valid_mobile("+1234"));
  EXPECT_EQ(mobile_key("13011111111"), mobile_key("+8613011111111"));
  EXPECT_TRUE(is_mainland_mobile("+8613011111111"));
  EXPECT_FALSE(is_mainland_mobile("+41446681800"));
  EXPECT_TRUE(valid_email("zhang.san+x@mail.example.com"));
  EXPECT_FALSE(valid_email("zhang..san@example.com"));
  EXPECT_FALSE(valid_email("zhang@localhost"));
  EXPECT_FALSE(valid_email("@example.com"));
  EXPECT_EQ(email_key("A@Example.COM"), "a@example.com");
  EXPECT_EQ(utf8_length("张三ab"), 4u);
  EXPECT_TRUE(blank_text(""));
  EXPECT_TRUE(blank_text(" \t\r\n"));
  EXPECT_TRUE(blank_text("\u3000\u00a0\u200b\ufeff"));
  EXPECT_FALSE(blank_text("\u3000张\u3000"));
  EXPECT_FALSE(blank_text("_"));
  EXPECT_EQ(contact_user_field_type("avatar_key"), JsonType::kString);
  EXPECT_EQ(contact_user_field_type("orders"), JsonType::kObjectArray);
  EXPECT_FALSE(contact_user_field_type("colour"));
}

TEST(RateTier, ParsesLabelsAndScales) {
  EXPECT_EQ(parse_rate_tier("50/s").value(), (RateTier{50, 1}));
  EXPECT_EQ(parse_rate_tier("1000/min").value(), (RateTier{1000, 60}));
  EXPECT_EQ(parse_rate_tier("5/10s").value(), (RateTier{5, 10}));
  EXPECT_FALSE(parse_rate_tier("0/s"));
  EXPECT_FALSE(parse_rate_tier("5/fortnight"));
  EXPECT_EQ(rate_tier_label({100, 60}), "100/min");
  EXPECT_EQ(scale_tier({50, 1}, 0.1).limit, 5u);
  EXPECT_EQ(scale_tier({1, 1}, 0.1).limit, 1u);
}

TEST(SlidingWindow, CountsArrivalsInTheHalfOpenWindow) {
  SlidingWindow w(1.0);
  w.add(10.0);
  w.add(10.5);
  EXPECT_EQ(w.count(10.99), 2u);
  EXPECT_EQ(w.count(11.0), 1u);  // 10.0 leaves exactly one window later
  EXPECT_NEAR(w.until_oldest_leaves(11.2), 0.3, 1e-9);
  EXPECT_EQ(w.count(11.5), 0u);
  EXPECT_EQ(w.until_oldest_leaves(11.5), 0.0);
}

TEST(RateLimiter, EveryTierMustHaveRoomAndThrottledRequestsConsumeNothing) {
  RateLimiter limiter;
  auto user = limiter.add_limit("user", {{2, 1}, {3, 60}});
  auto lane = limiter.add_limit("lane", {{1, 1}});
  EXPECT_TRUE(limiter.admit({user, lane}, 0).admitted);
  Admission a = limiter.admit({user, lane}, 0.1);
  EXPECT_FALSE(a.admitted);
  EXPECT_EQ(a.limit, 1u);
  EXPECT_DOUBLE_EQ(a.reset_s, 0.9);
  EXPECT_TRUE(limiter.admit({user}, 0.2).admitted);  // the lane refusal consumed nothing of "user"
  a = limiter.admit({user}, 0.3);
  EXPECT_FALSE(a.admitted);
  EXPECT_EQ(a.limit, 2u);
  EXPECT_TRUE(limiter.admit({user}, 1.0).admitted);   // the per-second tier slid
  a = limiter.admit({user}, 1.5);
  EXPECT_FALSE(a.admitted);                            // the per-minute tier is full: 3 in 60 s
  EXPECT_EQ(a.limit, 3u);
  EXPECT_DOUBLE_EQ(a.reset_s, 58.5);
  auto stats = limiter.stats();
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(stats[0].max_in_window, 4u);  // arrivals 0, 0.1, 0.2, 0.3 in one second, throttled ones included
  EXPECT_EQ(stats[1].max_in_window, 6u);
  EXPECT_EQ(stats[1].admitted, 3u);
  EXPECT_EQ(stats[2].throttled, 1u);
  limiter.reset();
  EXPECT_EQ(limiter.stats()[1].admitted, 0u);
  EXPECT_TRUE(limiter.admit({user, lane}, 1.6).admitted);
}

TEST(FaultPlan, ParsesSpecs) {
  auto r = parse_fault_rule("internal=0.25,next:3,from:5,for:10@attendance_face");
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(r->kind, FaultKind::kInternal);
  EXPECT_DOUBLE_EQ(r->probability, 0.25);
  EXPECT_EQ(r->count, 3u);
  EXPECT_DOUBLE_EQ(r->from_s, 5);
  EXPECT_DOUBLE_EQ(r->for_s, 10);
  EXPECT_EQ(r->endpoint, "attendance_face");
  EXPECT_FALSE(parse_fault_rule("lock"));
  EXPECT_FALSE(parse_fault_rule("lock=1.5"));
  EXPECT_FALSE(parse_fault_rule("fire=0.1"));
  EXPECT_FALSE(parse_fault_rule("lock=every:0"));
}

TEST(FaultPlan, ThrottleTakesAStatusAndReachesTheTokenEndpointOnlyByName) {
  auto old_api = parse_fault_rule("throttle=next:2,reset:3,status:400@token");
  ASSERT_TRUE(old_api) << old_api.error().str();
  EXPECT_EQ(old_api->status, 400);
  EXPECT_EQ(parse_fault_rule("throttle=1")->status, 429);
  EXPECT_FALSE(parse_fault_rule("throttle=1,status:500"));
  EXPECT_FALSE(parse_fault_rule("lock=1,status:400"));  // only throttle has a status
  FaultPlan plan(1);
  plan.add(*parse_fault_rule("throttle=1"));
  EXPECT_FALSE(plan.fires_named(FaultKind::kThrottle, "token", 0)) << "a rule for every endpoint spares the token";
  EXPECT_TRUE(plan.fires(FaultKind::kThrottle, "contact_user", 0));
  plan.add(*old_api);
  EXPECT_TRUE(plan.fires_named(FaultKind::kThrottle, "token", 0));
  EXPECT_EQ(plan.last_hit().status, 400);
  EXPECT_TRUE(plan.fires_named(FaultKind::kThrottle, "token", 0));
  EXPECT_FALSE(plan.fires_named(FaultKind::kThrottle, "token", 0));  // next:2
}

TEST(FaultPlan, ThrottleTakesAResetHeaderValue) {
  auto billion = parse_fault_rule("throttle=next:1,reset:1e9@attendance_face");
  ASSERT_TRUE(billion) << billion.error().str();
  EXPECT_EQ(billion->kind, FaultKind::kThrottle);
  EXPECT_DOUBLE_EQ(billion->reset_s, 1e9);
  EXPECT_FALSE(billion->reset_unix);
  auto unix_time = parse_fault_rule("throttle=0.5,reset:unix");
  ASSERT_TRUE(unix_time) << unix_time.error().str();
  EXPECT_TRUE(unix_time->reset_unix);
  EXPECT_DOUBLE_EQ(parse_fault_rule("throttle=1")->reset_s, 1);  // an honest reset by default
  EXPECT_FALSE(parse_fault_rule("lock=1,reset:5"));                // only throttle has a reset
  EXPECT_FALSE(parse_fault_rule("throttle=1,reset:-3"));
  EXPECT_FALSE(parse_fault_rule("throttle=1,reset:soon"));
  FaultPlan plan(1);
  plan.add(*billion);
  plan.add(*parse_fault_rule("throttle=next:1,reset:7"));
  EXPECT_TRUE(plan.fires(FaultKind::kThrottle, "contact_user", 0));
  EXPECT_DOUBLE_EQ(plan.last_hit().reset_s, 7);  // the rule that hit gives the header
  EXPECT_TRUE(plan.fires(FaultKind::kThrottle, "attendance_face", 0));
  EXPECT_DOUBLE_EQ(plan.last_hit().reset_s, 1e9);
}

TEST(FaultPlan, CountsEveryAndWindows) {
  FaultPlan plan(1);
  plan.add(*parse_fault_rule("reset=next:2@token"));
  plan.add(*parse_fault_rule("stall=every:2,from:10,for:5"));
  EXPECT_FALSE(plan.fires(FaultKind::kReset, "contact_user", 0));
  EXPECT_TRUE(plan.fires(FaultKind::kReset, "token", 0));
  EXPECT_TRUE(plan.fires(FaultKind::kReset, "token", 0));
  EXPECT_FALSE(plan.fires(FaultKind::kReset, "token", 0));
  EXPECT_FALSE(plan.fires(FaultKind::kStall, "x", 9));   // before the window: not even counted
  EXPECT_FALSE(plan.fires(FaultKind::kStall, "x", 10));
  EXPECT_TRUE(plan.fires(FaultKind::kStall, "x", 11));
  EXPECT_FALSE(plan.fires(FaultKind::kStall, "x", 15));  // the window has closed
  EXPECT_EQ(plan.hits(FaultKind::kReset), 2u);
  plan.set_outage(20, 5);
  EXPECT_FALSE(plan.in_outage(19.9));
  EXPECT_TRUE(plan.in_outage(20));
  EXPECT_FALSE(plan.in_outage(25));
}

TEST(FaultPlan, LatencyIsJitteredInsideItsBounds) {
  FaultPlan plan(3);
  EXPECT_EQ(plan.draw_latency(), 0.0);
  plan.set_latency(0.010, 0.020);
  double lo = 1, hi = 0;
  for (int i = 0; i < 200; ++i) {
    double d = plan.draw_latency();
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_GE(lo, 0.010);
  EXPECT_LE(hi, 0.020);
  EXPECT_GT(hi - lo, 0.005);
}

TEST(FaultPlan, InboundDelayIsSeededInsideItsBoundsAndLeavesTheFaultsAlone) {
  auto draws = [](std::uint64_t seed, bool inbound) {
    FaultPlan plan(seed);
    plan.add(*parse_fault_rule("lock=0.5"));
    if (inbound) plan.set_inbound(0.005, 0.030);
    std::string faults;
    std::vector<double> delays;
    for (int i = 0; i < 100; ++i) {
      delays.push_back(plan.draw_inbound());
      faults += plan.fires(FaultKind::kLock, "contact_user", 0) ? 'L' : '.';
    }
    return std::pair{faults, delays};
  };
  auto [faults, delays] = draws(5, true);
  EXPECT_EQ(faults, draws(5, false).first) << "the same faults with and without an inbound delay";
  EXPECT_EQ(delays, draws(5, true).second) << "the same seed, the same delays";
  EXPECT_NE(delays, draws(6, true).second);
  EXPECT_GE(*std::min_element(delays.begin(), delays.end()), 0.005);
  EXPECT_LE(*std::max_element(delays.begin(), delays.end()), 0.030);
  EXPECT_EQ(draws(5, false).second, std::vector<double>(100, 0.0));
}

TEST(FormData, PartsBecomeTheJsonObjectOfAJsonBody) {
  EXPECT_TRUE(is_form_data("Multipart/Form-Data; boundary=b"));
  EXPECT_FALSE(is_form_data("application/json"));
  const std::string body =
      "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"identity_id\"\r\n\r\nE1\r\n"
      "--b\r\ncontent-disposition: form-data; name=info\r\nContent-Type: application/json\r\n\r\n{\"type\":3}\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"reg_photo\"; filename=\"f.jpg\"\r\n\r\nabcd\r\n--b--\r\n";
  FormBody f = read_form_data("multipart/form-data; boundary=\"b\"", body);
  ASSERT_EQ(f.error, "");
  EXPECT_EQ(f.object.at("identity_id").as_string(), "E1");
  EXPECT_EQ(f.object.at("info").at("type").as_int64(), 3);
  EXPECT_EQ(f.object.at("reg_photo").as_string(), "YWJjZA==");  // the file's bytes, base64
  EXPECT_NE(read_form_data("multipart/form-data", body).error, "");                 // no boundary
  EXPECT_NE(read_form_data("multipart/form-data; boundary=zz", body).error, "");     // no part
  EXPECT_NE(read_form_data("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--").error, "");
  EXPECT_EQ(decode_base64(hrsync::base64("\xff\x00\x10hello")), std::optional<std::string>("\xff\x00\x10hello"));
}

TEST(TokenStore, IssuesReusesExpiresAndRevokes) {
  TokenStore store(100, 9);
  auto a = store.issue(0);
  EXPECT_TRUE(a.token.starts_with("t-"));
  EXPECT_EQ(a.expire_s, 100);
  EXPECT_EQ(store.issue(70).token, a.token);  // 30 s left > 25
  auto b = store.issue(76);                   // 24 s left
  EXPECT_NE(b.token, a.token);
  EXPECT_TRUE(store.valid(a.token, 99.9));
  EXPECT_FALSE(store.valid(a.token, 100));
  store.revoke(b.token);
  EXPECT_FALSE(store.valid(b.token, 77));
  EXPECT_EQ(store.issued(), 2u);
}

TEST(TokenStore, NeverHandsOutATokenWithLessThanASecondLeft) {
  // A lifetime of 2 s: at 1.3 s, 0.7 s is left, over a quarter of it but under a whole second,
  // which `expire` would give as 0: a new token instead.
  TokenStore store(2, 9);
  const auto a = store.issue(0);
  EXPECT_EQ(a.expire_s, 2);
  const auto same = store.issue(0.4);
  EXPECT_EQ(same.token, a.token);
  EXPECT_EQ(same.expire_s, 1);
  const auto b = store.issue(1.3);
  EXPECT_NE(b.token, a.token);
  EXPECT_EQ(b.expire_s, 2);
  EXPECT_TRUE(store.valid(a.token, 1.9)) << "the old token lives on until it expires";
}

TEST(ImageProbe, Base64AndImageSizes) {
  EXPECT_EQ(decode_base64("aGVsbG8=").value(), "hello");
  EXPECT_EQ(decode_base64("aGVsbG8").value(), "hello");
  EXPECT_EQ(decode_base64("aGVs\r\nbG8=").value(), "hello");
  EXPECT_FALSE(decode_base64("aGV*bG8="));
  EXPECT_FALSE(decode_base64("a"));
  EXPECT_FALSE(decode_base64("aG=Vs"));
  std::string png = std::string("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR", 16) + std::string("\0\0\x01\x00\0\0\x00\xC8", 8);
  auto size = probe_image(png);
  ASSERT_TRUE(size);
  EXPECT_EQ(size->width, 256u);
  EXPECT_EQ(size->height, 200u);
  EXPECT_FALSE(probe_image("GIF89a...................."));
  EXPECT_FALSE(probe_image(std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10)));  // cut before the frame header
}

TEST(Route, PathsMethodsAndQueries) {
  EXPECT_EQ(route("PUT", "/open-apis/contact/v3/users/u%2F1").path_id, "u/1");
  EXPECT_EQ(route("PATCH", "/open-apis/contact/v3/users/u1").endpoint, Endpoint::kContactUser);
  EXPECT_EQ(route("GET", "/open-apis/contact/v3/users/u1").endpoint, Endpoint::kContactUserRead);
  EXPECT_EQ(route("DELETE", "/open-apis/contact/v3/users/u1").endpoint, Endpoint::kUnknown);
  EXPECT_TRUE(route("GET", "/open-apis/contact/v3/users/batch").collection);
  EXPECT_EQ(route("POST", "/open-apis/contact/v3/users").endpoint, Endpoint::kContactUserCreate);
  EXPECT_EQ(route("GET", "/SophonFogSys/api/users").endpoint, Endpoint::kSophonRead);
  EXPECT_EQ(route("POST", "/SophonFogSys/api/users").endpoint, Endpoint::kSophonCreate);
  EXPECT_EQ(route("GET", "/open-apis/acs/v1/users").endpoint, Endpoint::kAcsRead);
  EXPECT_EQ(route("PATCH", "/open-apis/contact/v3/group/g1").endpoint, Endpoint::kContactGroup);
  EXPECT_EQ(route("PATCH", "/open-apis/acs/v1/users/u1/x").endpoint, Endpoint::kUnknown);
  EXPECT_EQ(route("PUT", "/SophonFogSys/api/users").endpoint, Endpoint::kSophonPerson);
  auto t = parse_target("/p?a=1&b=x%20y+z&c&=v");
  EXPECT_EQ(t.path, "/p");
  EXPECT_EQ(query_value(t.query, "b"), "x y z");
  EXPECT_EQ(query_value(t.query, "c", "none"), "");
  EXPECT_EQ(query_value(t.query, "d", "none"), "none");
}

TEST(Service, LatencyIsDrawnPerAnsweredRequest) {
  EmulatorOptions o;
  o.latency_min_ms = 10;
  o.latency_max_ms = 30;
  auto clock = std::make_shared<ManualClock>();
  o.clock = clock;
  Service service(o);
  HttpRequestView req{"POST", "/open-apis/auth/v3/tenant_access_token/internal", "", "application/json",
                      R"({"app_id":"cli_demo","app_secret":"demo-secret"})"};
  double first = service.handle(req).delay_s;
  double second = service.handle(req).delay_s;
  EXPECT_GE(first, 0.010);
  EXPECT_LE(first, 0.030);
  EXPECT_NE(first, second);
  service.set_latency_ms(0, 0);
  EXPECT_EQ(service.handle(req).delay_s, 0.0);
}

TEST(Service, InboundDelayIsDrawnForBusinessRequestsOnly) {
  EmulatorOptions o;
  o.clock = std::make_shared<ManualClock>();
  Service service(o);
  EXPECT_EQ(service.inbound_delay_s("/open-apis/attendance/v1/user_settings/modify"), 0.0);  // none set
  service.set_inbound_jitter_ms(5, 30);
  double d = service.inbound_delay_s("/open-apis/attendance/v1/user_settings/modify");
  EXPECT_GE(d, 0.005);
  EXPECT_LE(d, 0.030);
  EXPECT_EQ(service.inbound_delay_s("/_emulator/stats"), 0.0);
  service.set_inbound_jitter_ms(0, 0);
  EXPECT_EQ(service.inbound_delay_s("/SophonFogSys/api/users"), 0.0);
}

}  // namespace
}  // namespace hrsync::emulator
