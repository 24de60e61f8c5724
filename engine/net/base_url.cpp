#include "engine/net/base_url.h"

#include <charconv>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include "base/ascii_case.h"

namespace hrsync {
namespace {

Result<std::uint16_t> parse_port(std::string_view text, std::string_view url, std::string_view where) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return fail(Error::Kind::kConfig, std::string(where), fmt::format("bad port '{}' in URL '{}'", text, url));
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string BaseUrl::authority() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

std::string BaseUrl::host_header() const {
  bool default_port = port == (tls ? 443 : 80);
  if (default_port) return host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return authority();
}

std::string BaseUrl::str() const { return fmt::format("{}://{}{}", tls ? "https" : "http", authority(), prefix); }

bool BaseUrl::host_is_address() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

Result<BaseUrl> parse_base_url(std::string_view text, std::string_view where) {
  auto bad = [&](std::string_view what) {
    return fail(Error::Kind::kConfig, std::string(where), fmt::format("bad URL '{}': {}", text, what));
  };
  BaseUrl url;
  std::string_view rest;
  if (starts_with_ignoring_case(text, "https://")) {
    rest = text.substr(8);
  } else if (starts_with_ignoring_case(text, "http://")) {
    url.tls = false;
    url.port = 80;
    rest = text.substr(7);
  } else {
    return bad("expected https://host[:port] (or http:// for a plain-HTTP service)");
  }
  if (rest.find_first_of("?#@") != std::string_view::npos) return bad("user info, query and fragment are not allowed");
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  url.prefix = std::string(path);

  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with('[')) {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated '[' in the host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("expected ':' after ']'");
    if (!url.host_is_address()) return bad("the bracketed host is not an IPv6 address");
    has_port = !after.empty();
    if (has_port) port_text = after.substr(1);
  } else {
    std::size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    has_port = colon != std::string_view::npos;
    if (has_port) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return bad("no host");
  if (has_port) {
    auto port = parse_port(port_text, text, where);
    if (!port) return std::unexpected(port.error());
    url.port = *port;
  }
  return url;
}

}  // namespace hrsync
