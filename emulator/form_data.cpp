#include "emulator/form_data.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "base/base64.h"

namespace hrsync::emulator {
namespace json = boost::json;
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != lower(prefix[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of parameter `name` in a header value such as `form-data; name="x"; filename="y"`.
std::optional<std::string> parameter(std::string_view header, std::string_view name) {
  std::size_t at = 0;
  while ((at = header.find(';', at)) != std::string_view::npos) {
    std::string_view rest = trim(header.substr(at + 1));
    ++at;
    if (!starts_with_nocase(rest, name) || rest.substr(name.size()).find('=') != 0) continue;
    std::string_view value = trim(rest.substr(name.size() + 1));
    if (value.starts_with('"')) {
      auto close = value.find('"', 1);
      if (close == std::string_view::npos) return std::nullopt;
      return std::string(value.substr(1, close - 1));
    }
    return std::string(value.substr(0, value.find(';')));
  }
  return std::nullopt;
}

struct Part {
  std::string name;
  bool file = false;
  std::string_view content;
};

// Reads the headers of one part; false when it has no form-data name.
bool read_part(std::string_view raw, Part& part) {
  auto end = raw.find("\r\n\r\n");
  if (end == std::string_view::npos) return false;
  std::string_view headers = raw.substr(0, end);
  part.content = raw.substr(end + 4);
  while (!headers.empty()) {
    auto eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
    if (!starts_with_nocase(line, "content-disposition:")) continue;
    auto name = parameter(line, "name");
    if (!name) return false;
    part.name = *name;
    part.file = parameter(line, "filename").has_value();
  }
  return !part.name.empty();
}

// Puts one part into `out`; "" or what is wrong with it.
std::string take(const Part& part, json::object& out) {
  if (part.name == "info") {
    boost::system::error_code ec;
    json::value v = json::parse(part.content, ec);
    if (ec || !v.is_object()) return "info: the part is not the JSON text of a dict";
    out["info"] = std::move(v);
  } else if (part.name == "reg_photo" && part.file) {
    out["reg_photo"] = base64(part.content);
  } else {
    out[part.name] = part.content;
  }
  return {};
}

}  // namespace

bool is_form_data(std::string_view content_type) { return starts_with_nocase(trim(content_type), "multipart/form-data"); }

FormBody read_form_data(std::string_view content_type, std::string_view body) {
  FormBody out;
  auto boundary = parameter(content_type, "boundary");
  if (!boundary || boundary->empty()) {
    out.error = "multipart/form-data without a boundary";
    return out;
  }
  const std::string delimiter = "--" + *boundary;
  auto at = body.find(delimiter);
  if (at == std::string_view::npos) {
    out.error = "the body holds no part";
    return out;
  }
  body.remove_prefix(at + delimiter.size());
  while (!body.starts_with("--")) {
    if (!body.starts_with("\r\n")) {
      out.error = "a boundary line is not followed by CRLF";
      return out;
    }
    auto next = body.find("\r\n" + delimiter);
    if (next == std::string_view::npos) {
      out.error = "the last part is not closed by the boundary";
      return out;
    }
    Part part;
    if (!read_part(body.substr(2, next - 2), part)) {
      out.error = "a part has no Content-Disposition: form-data; name=...";
      return out;
    }
    if (std::string why = take(part, out.object); !why.empty()) {
      out.error = why;
      return out;
    }
    body.remove_prefix(next + 2 + delimiter.size());
  }
  return out;
}

}  // namespace hrsync::emulator
