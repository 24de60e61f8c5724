#include "engine/cli/tune_chart.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace hrsync {
namespace {

// Checks that `svg` is one well-formed element tree rooted at <svg>: every tag closed in order,
// attributes quoted, no stray '<' or '&'. Returns "" or what is wrong.
std::string well_formed(const std::string& svg) {
  std::vector<std::string> open;
  std::size_t i = 0;
  bool root_seen = false;
  while (i < svg.size()) {
    if (svg[i] == '&') {
      const std::size_t end = svg.find(';', i);
      const std::string entity = svg.substr(i, end == std::string::npos ? 0 : end - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;") return "bad entity at " + std::to_string(i);
      i = end + 1;
      continue;
    }
    if (svg[i] != '<') {
      if (svg[i] == '>') return "stray '>' at " + std::to_string(i);
      ++i;
      continue;
    }
    const std::size_t end = svg.find('>', i);
    if (end == std::string::npos) return "unclosed tag at " + std::to_string(i);
    std::string tag = svg.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.starts_with("?xml")) continue;
    if (tag.find('<') != std::string::npos) return "'<' inside a tag: " + tag;
    std::size_t quotes = 0;
    for (char c : tag) quotes += c == '"' ? 1 : 0;
    if (quotes % 2 != 0) return "unbalanced quotes: " + tag;
    if (tag.starts_with("/")) {
      if (open.empty() || open.back() != tag.substr(1)) return "</" + tag.substr(1) + "> closes nothing open";
      open.pop_back();
      continue;
    }
    const bool self_closing = tag.ends_with("/");
    const std::string name = tag.substr(0, tag.find_first_of(" /"));
    if (open.empty() && root_seen) return "a second root element: " + name;
    if (open.empty()) {
      if (name != "svg") return "the root is <" + name + ">, not <svg>";
      root_seen = true;
    }
    if (!self_closing) open.push_back(name);
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return root_seen ? "" : "no <svg> element";
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TargetTuning probed(std::string id) {
  TargetTuning t;
  t.id = std::move(id);
  t.documented = false;
  t.steps = {ProbeStep{.offered = 10, .achieved = 9.8, .p50_s = 0.1, .p99_s = 0.11, .sent = 5, .ok = 5},
             ProbeStep{.offered = 15, .achieved = 15.1, .p50_s = 0.1, .p99_s = 0.12, .sent = 8, .ok = 8},
             ProbeStep{.offered = 57, .achieved = 40.9, .p50_s = 0.19, .p99_s = 0.3, .sent = 28, .ok = 20, .throttled = 8}};
  t.found_by = FoundBy::kKnee;
  t.found_rate = 40.9;
  t.recommended_rate = 36;
  return t;
}

TEST(TuneChartTest, OnePanelPerTargetInAWellFormedDocument) {
  TuneReport report;
  report.targets = {probed("acs_card"), probed("sophon_person")};
  TargetTuning documented;
  documented.id = "contact_user";
  report.targets.push_back(documented);

  const std::string svg = render_tune_svg(report);
  EXPECT_EQ(well_formed(svg), "") << svg;
  EXPECT_EQ(count(svg, "<g class=\"panel\""), 3u);
  EXPECT_EQ(count(svg, "id=\"panel-acs_card\""), 1u);
  EXPECT_EQ(count(svg, "id=\"panel-sophon_person\""), 1u);
  EXPECT_EQ(count(svg, "id=\"panel-contact_user\""), 1u);
  EXPECT_NE(svg.find("not probed: its limit is documented"), std::string::npos);
  // Each probed panel has a point per step for the achieved rate, one for the latency.
  EXPECT_EQ(count(svg, "<circle"), 2u * 3u * 2u);
  EXPECT_NE(svg.find("offered 57.0/s, achieved 40.9/s, p99 300 ms, 8 throttled"), std::string::npos);
}

TEST(TuneChartTest, TextIsEscaped) {
  TuneReport report;
  report.targets = {probed("a<b&c")};
  const std::string svg = render_tune_svg(report);
  EXPECT_EQ(well_formed(svg), "") << svg;
  EXPECT_NE(svg.find("a&lt;b&amp;c"), std::string::npos);
}

TEST(TuneChartTest, AReportWithoutTargetsIsStillADocument) {
  EXPECT_EQ(well_formed(render_tune_svg(TuneReport{})), "");
}

}  // namespace
}  // namespace hrsync
