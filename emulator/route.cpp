#include "emulator/route.h"

#include <iterator>
#include <optional>

namespace hrsync::emulator {
namespace {

constexpr std::string_view kNames[] = {
    "token", "contact_user", "contact_group", "attendance_face", "acs_card", "sophon_person", "bot_hook",
    "contact_user.read", "contact_user.create", "contact_group.read", "contact_group.create",
    "attendance_face.read", "attendance_face.upload", "acs_card.read", "sophon_person.read",
    "sophon_person.create", "unknown"};
static_assert(std::size(kNames) == static_cast<std::size_t>(Endpoint::kCount));

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
      continue;
    }
    int hi = c == '%' && i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
    int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
    if (lo < 0) {
      out.push_back(c);
      continue;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// The rest of `path` after `prefix` when it is one segment (no further '/'), else nullopt.
std::optional<std::string_view> segment_after(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  auto rest = path.substr(prefix.size());
  if (rest.find('/') != std::string_view::npos) return std::nullopt;
  return rest;
}

// The GET reads of one entity or of many.
Route read_route(std::string_view path) {
  if (path == "/open-apis/contact/v3/users/batch") return {Endpoint::kContactUserRead, {}, true};
  if (path == "/open-apis/acs/v1/users") return {Endpoint::kAcsRead, {}, true};
  if (path == "/SophonFogSys/api/users") return {Endpoint::kSophonRead, {}, true};
  if (path == "/open-apis/attendance/v1/user_settings/query") return {Endpoint::kAttendanceRead, {}, true};
  if (auto id = segment_after(path, "/open-apis/contact/v3/users/"); id && !id->empty()) {
    return {Endpoint::kContactUserRead, percent_decode(*id, false)};
  }
  if (auto id = segment_after(path, "/open-apis/contact/v3/group/"); id && !id->empty()) {
    return {Endpoint::kContactGroupRead, percent_decode(*id, false)};
  }
  if (auto id = segment_after(path, "/open-apis/acs/v1/users/"); id && !id->empty()) {
    return {Endpoint::kAcsRead, percent_decode(*id, false)};
  }
  return {};
}

// The POST creates (and the attendance query, which the Node SDK sends as a POST).
Route post_route(std::string_view path) {
  if (path == "/open-apis/contact/v3/users") return {Endpoint::kContactUserCreate, {}};
  if (path == "/open-apis/contact/v3/group") return {Endpoint::kContactGroupCreate, {}};
  if (path == "/open-apis/attendance/v1/user_settings/query") return {Endpoint::kAttendanceRead, {}, true};
  if (path == "/open-apis/attendance/v1/files/upload") return {Endpoint::kAttendanceUpload, {}};
  if (path == "/SophonFogSys/api/users") return {Endpoint::kSophonCreate, {}};
  return {};
}

}  // namespace

std::string_view endpoint_name(Endpoint e) { return kNames[static_cast<std::size_t>(e)]; }

Operation operation_of(Endpoint e) {
  switch (e) {
    case Endpoint::kContactUser:
    case Endpoint::kContactGroup:
    case Endpoint::kAttendanceFace:
    case Endpoint::kAcsCard:
    case Endpoint::kSophonPerson: return Operation::kUpdate;
    case Endpoint::kContactUserRead:
    case Endpoint::kContactGroupRead:
    case Endpoint::kAttendanceRead:
    case Endpoint::kAcsRead:
    case Endpoint::kSophonRead: return Operation::kRead;
    case Endpoint::kContactUserCreate:
    case Endpoint::kContactGroupCreate:
    case Endpoint::kAttendanceUpload:
    case Endpoint::kSophonCreate: return Operation::kCreate;
    default: return Operation::kOther;
  }
}

std::string_view operation_name(Operation op) {
  constexpr std::string_view kOps[] = {"update", "read", "create", "other"};
  return kOps[static_cast<std::size_t>(op)];
}

Endpoint platform_of(Endpoint e) {
  switch (e) {
    case Endpoint::kContactUserRead:
    case Endpoint::kContactUserCreate: return Endpoint::kContactUser;
    case Endpoint::kContactGroupRead:
    case Endpoint::kContactGroupCreate: return Endpoint::kContactGroup;
    case Endpoint::kAttendanceRead:
    case Endpoint::kAttendanceUpload: return Endpoint::kAttendanceFace;
    case Endpoint::kAcsRead: return Endpoint::kAcsCard;
    case Endpoint::kSophonRead:
    case Endpoint::kSophonCreate: return Endpoint::kSophonPerson;
    default: return e;
  }
}

Target parse_target(std::string_view target) {
  Target t;
  auto q = target.find('?');
  t.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return t;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (!pair.empty()) {
      t.query.emplace_back(percent_decode(pair.substr(0, eq), true),
                           eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true));
    }
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return t;
}

Route route(std::string_view method, std::string_view path) {
  if (method == "POST" && path == "/open-apis/auth/v3/tenant_access_token/internal") return {Endpoint::kToken, {}};
  if (method == "POST" && path == "/open-apis/attendance/v1/user_settings/modify") return {Endpoint::kAttendanceFace, {}};
  if (method == "PUT" && path == "/SophonFogSys/api/users") return {Endpoint::kSophonPerson, {}};
  if (method == "POST") {
    if (auto id = segment_after(path, "/open-apis/bot/v2/hook/")) return {Endpoint::kBotHook, percent_decode(*id, false)};
    if (Route r = post_route(path); r.endpoint != Endpoint::kUnknown) return r;
  }
  if (method == "GET") return read_route(path);
  if (method == "PUT" || method == "PATCH") {
    if (auto id = segment_after(path, "/open-apis/contact/v3/users/")) return {Endpoint::kContactUser, percent_decode(*id, false)};
  }
  if (method == "PATCH") {
    if (auto id = segment_after(path, "/open-apis/contact/v3/group/")) return {Endpoint::kContactGroup, percent_decode(*id, false)};
    if (auto id = segment_after(path, "/open-apis/acs/v1/users/")) return {Endpoint::kAcsCard, percent_decode(*id, false)};
  }
  return {};
}

}  // namespace hrsync::emulator
