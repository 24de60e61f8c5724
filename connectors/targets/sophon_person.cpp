#include "connectors/targets/sophon_person.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <exception>

#include "connectors/targets/base64.h"
#include "connectors/targets/code_table.h"
#include "connectors/targets/document_builder.h"
#include "connectors/targets/json_members.h"
#include "connectors/targets/option_check.h"
#include "connectors/targets/photo_file.h"
#include "connectors/targets/unreadable_response.h"

namespace hrsync {
namespace {

namespace od = simdjson::ondemand;

constexpr Disposition P = Disposition::kPermanent;

// The status codes of FEISHU-NOTES.md (the API document lists none; it gives no HTTP statuses).
// Only 50072 (the server failed to process) is transient.
constexpr std::array<CodeRule, 9> kCodes = {{
    {40003, 0, P, "IMAGE_ERROR"},
    {40004, 0, P, "NO_FACE"},
    {40006, 0, P, "LOW_QUALITY_ERROR"},
    {40007, 0, P, "IMAGE_SIZE_TOO_LARGE_ERROR"},
    {40011, 0, P, "IDENTITY_EXSIT_ERROR (identity already exists)"},
    {40400, 0, P, "NOT_FOUND"},
    {40401, 0, P, "ID_NOT_FOUND"},
    {41300, 0, P, "PAYLOAD_TOO_LARGE"},
    {50072, 0, Disposition::kRetry, "SERVER_PROCESS_FAILED"},
}};

constexpr std::array<Field, 1> kRequired = {Field::kEmployeeNo};

constexpr std::string_view kPhotoMember = "reg_photo";

// What a Sophon body says.
struct SophonReply {
  bool has_data = false;
  bool has_error = false;
  bool has_code = false;
  std::int64_t code = 0;
  std::string message;  // "STATUS: message"
};

// Reads {"code","message","status"} of an error object.
std::string read_error(od::value value, SophonReply& out) {
  od::object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return "member \"error\" is not an object";
  std::string_view text;
  std::string status;
  std::string message;
  for (auto item : obj) {
    od::field field;
    std::string_view key;
    if (auto err = std::move(item).get(field)) return fmt::format("body is not valid JSON ({})", simdjson::error_message(err));
    if (auto err = field.unescaped_key().get(key)) return fmt::format("body is not valid JSON ({})", simdjson::error_message(err));
    if (key == "code") {
      if (field.value().get_int64().get(out.code) != simdjson::SUCCESS) return "error.code is not an integer";
      out.has_code = true;
    } else if (key == "message") {
      if (field.value().get_string().get(text) == simdjson::SUCCESS) message.assign(text);
    } else if (key == "status") {
      if (field.value().get_string().get(text) == simdjson::SUCCESS) status.assign(text);
    }
  }
  if (!out.has_code) return "member \"error\" has no integer \"code\"";
  out.message = status.empty() ? std::move(message) : fmt::format("{}: {}", status, message);
  return {};
}

// Reads `body` into `out`; returns "" or what was wrong with it.
std::string read_reply(std::string_view body, SophonReply& out) {
  thread_local od::parser parser;
  simdjson::padded_string padded(body);
  od::document doc;
  if (auto err = parser.iterate(padded).get(doc)) return fmt::format("body is not JSON ({})", simdjson::error_message(err));
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return "body is not a JSON object";
  for (auto item : obj) {
    od::field field;
    std::string_view key;
    if (auto err = std::move(item).get(field)) return fmt::format("body is not valid JSON ({})", simdjson::error_message(err));
    if (auto err = field.unescaped_key().get(key)) return fmt::format("body is not valid JSON ({})", simdjson::error_message(err));
    if (key == "data") {
      out.has_data = true;
    } else if (key == "error") {
      out.has_error = true;
      if (std::string what = read_error(field.value(), out); !what.empty()) return what;
    }
  }
  if (!out.has_data && !out.has_error) return "body is neither {\"data\":...} nor {\"error\":...}";
  return {};
}

Verdict classify_reply(int http_status, std::string_view body) {
  SophonReply reply;
  if (std::string what = read_reply(body, reply); !what.empty()) return unreadable_response(http_status, what, body);
  if (!reply.has_error) {
    if (http_status == 429) return unreadable_response(http_status, "throttled", body);
    if (is_http_success(http_status)) return Verdict{Disposition::kSuccess, 0, "", "", true};
    return unreadable_response(http_status, "\"data\" with a failure status", body);
  }
  Verdict v;
  v.code = reply.code;
  v.message = std::move(reply.message);
  const CodeRule* rule = find_code(kCodes, reply.code);
  v.documented = rule != nullptr;
  if (http_status == 429) {
    v.disposition = Disposition::kRateLimited;
  } else {
    v.disposition = rule != nullptr ? rule->disposition : Disposition::kPermanent;
  }
  return v;
}

class SophonPerson final : public TargetConnector {
 public:
  explicit SophonPerson(const TargetOptions& o) : photo_dir_(o.photo_dir) {}

  std::string_view id() const override { return "sophon_person"; }
  Platform platform() const override { return Platform::kSophon; }
  Entity entity() const override { return Entity::kEmployees; }
  std::span<const Field> required_columns() const override { return kRequired; }

  std::expected<Document, Invalid> project(const Record& r) const override {
    Document d;
    d.key.assign(r.get(Field::kEmployeeNo));
    d.body.reserve(128 + r.get(Field::kName).size() + r.get(Field::kPermissionIds).size());
    DocumentBuilder b(r, d.body);
    const bool ok = b.begin_object() &&
                    b.text(Field::kEmployeeNo, "identity_id", Need::kRequired) &&
                    b.begin_object("info") &&
                    b.text(Field::kName, "name") &&
                    b.list(Field::kPermissionIds, "permission_ids") &&
                    b.integer(Field::kPersonType, "type", 1, 5) &&
                    b.end_object() &&
                    photo(r, b, d) &&
                    b.end_object();
    if (!ok) return std::unexpected(b.take_invalid());
    d.seal();
    return d;
  }

  std::optional<Document> on_missing(const Document&) const override { return std::nullopt; }

  Result<Request> build_request(const Document& desired, const Document*) const override;

  Verdict classify(int http_status, std::string_view body) const override {
    try {
      return classify_reply(http_status, body);
    } catch (const std::exception& e) {
      return unreadable_response(http_status, fmt::format("could not read the body ({})", e.what()), {});
    }
  }
  std::span<const CodeRule> codes() const override { return kCodes; }

  // Not documented: a conservative default; [targets.sophon_person] rate in the job config overrides it.
  std::vector<RateTier> default_rate(std::string_view lane) const override {
    if (lane.empty()) return {{10, 1}};
    return {};
  }

 private:
  // Checks the photo cell and writes the photo's content hash; the path goes to d.attachment.
  bool photo(const Record& r, DocumentBuilder& b, Document& d) const {
    const std::string_view cell = r.get(Field::kPhoto);
    if (cell.empty()) return true;
    std::string path = resolve_photo_path(cell, photo_dir_);
    const Result<std::uint64_t> hash = hash_file(path);
    if (!hash) return b.fail(Field::kPhoto, kPhotoMember, hash.error().str());
    b.writer().key(kPhotoMember).string(hash_text(*hash).view());
    d.attachment = std::move(path);
    return true;
  }

  std::string photo_dir_;  // base folder of relative photo paths
};

Result<Request> SophonPerson::build_request(const Document& desired, const Document*) const {
  Request req{"PUT", "/SophonFogSys/api/users", "", ""};
  JsonMembers members;
  if (!split_members(desired.body, members)) {
    return fail(Error::Kind::kInternal, fmt::format("sophon_person {}", desired.key), "the document is not a JSON object");
  }
  JsonMember* photo = members.find(kPhotoMember);
  if (photo == nullptr) {
    req.body = desired.body;
    return req;
  }
  if (desired.attachment.empty()) {
    return fail(Error::Kind::kInternal, fmt::format("sophon_person {}", desired.key),
                "the document names a photo but carries no photo path (Document::attachment)");
  }
  Result<std::string> bytes = read_whole_file(desired.attachment);
  if (!bytes) return std::unexpected(std::move(bytes.error()));
  std::string inline_photo;
  inline_photo.reserve(bytes->size() / 3 * 4 + 8);
  inline_photo.push_back('"');
  append_base64(inline_photo, *bytes);
  inline_photo.push_back('"');
  photo->raw = inline_photo;
  req.body.reserve(desired.body.size() + inline_photo.size());
  write_members(req.body, members);
  return req;
}

}  // namespace

Result<std::unique_ptr<TargetConnector>> make_sophon_person(const TargetOptions& options) {
  OptionUse use;
  use.photo_dir = true;
  if (auto ok = check_options("sophon_person", options, use); !ok) return std::unexpected(std::move(ok.error()));
  return std::make_unique<SophonPerson>(options);
}

}  // namespace hrsync
