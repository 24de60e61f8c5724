// HttpAnswer: a fuzz input read as an HTTP answer: a status line, header fields, a body.
//
// The answer judges take an HTTP status, the header fields and the body. Their fuzz inputs are
// text shaped like an answer on the wire, so that a seed is written by hand from an API document:
//
//   200 read u1 u2            <- status, then words the target reads (an operation, keys)
//   x-ogw-ratelimit-reset: 3  <- header fields, "name: value", up to an empty line
//
//   {"code":0,"msg":"ok"}     <- the body: every byte after the empty line
//
// Every byte sequence is read as some answer: a status that is not a number is 0, a field without
// a colon has an empty value, and a line break may be LF or CRLF.
//
// Thread-safety: a plain value type; its views point into the input, which must outlive it.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/http_headers.h"

namespace hrsync::fuzz {

struct HttpAnswer {
  int status = 0;
  std::vector<std::string_view> words;  // the status line's words after the status
  HttpHeaders headers;
  std::string_view body;
};

// The next line of `in` (without its LF or CRLF), taken off its front.
inline std::string_view take_line(std::string_view& in) {
  const std::size_t lf = in.find('\n');
  std::string_view line = in.substr(0, lf);
  in.remove_prefix(lf == std::string_view::npos ? in.size() : lf + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

inline std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

inline HttpAnswer read_answer(std::string_view in) {
  HttpAnswer a;
  std::string_view first = take_line(in);
  bool have_status = false;
  while (!first.empty()) {
    const std::size_t sp = first.find(' ');
    const std::string_view word = first.substr(0, sp);
    first.remove_prefix(sp == std::string_view::npos ? first.size() : sp + 1);
    if (word.empty()) continue;
    if (!have_status) {
      std::from_chars(word.data(), word.data() + word.size(), a.status);
      have_status = true;
    } else {
      a.words.push_back(word);
    }
  }
  while (!in.empty()) {
    const std::string_view line = take_line(in);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    a.headers.add(name, trim_spaces(value));
  }
  a.body = in;
  return a;
}

}  // namespace hrsync::fuzz
