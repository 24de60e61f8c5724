#include "engine/cli/tune_chart.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

namespace hrsync {
namespace {

constexpr double kPanelWidth = 640;
constexpr double kPanelHeight = 280;
constexpr double kLeft = 60;    // room for the rate axis
constexpr double kRight = 70;   // room for the latency axis
constexpr double kTop = 40;     // room for the title
constexpr double kBottom = 45;  // room for the offered-rate axis

std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A round number at or above `v` (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6 or 8 times a power of ten: each
// a quarter of which is round too), for an axis's top.
double nice_top(double v) {
  if (!(v > 0)) return 1;
  const double step = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 1.2, 1.6, 2.0, 2.4, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0}) {
    if (m * step >= v) return m * step;
  }
  return 10 * step;
}

// Maps a panel's values onto its plot area.
struct Axes {
  double x0, y0, width, height;  // the plot area, y0 its top
  double rate_top, latency_top;  // the values at the right edge / top
  double x(double rate) const { return x0 + width * rate / rate_top; }
  double y_rate(double rate) const { return y0 + height - height * rate / rate_top; }
  double y_latency(double ms) const { return y0 + height - height * ms / latency_top; }
};

std::string polyline(const std::vector<std::pair<double, double>>& points, std::string_view colour, bool dashed) {
  std::string d;
  for (const auto& [x, y] : points) d += fmt::format("{}{:.1f},{:.1f}", d.empty() ? "" : " ", x, y);
  return fmt::format("    <polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", d, colour,
                     dashed ? " stroke-dasharray=\"6 4\"" : "");
}

std::string axes_text(const Axes& a) {
  std::string out = fmt::format(
      "    <rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#888\"/>\n", a.x0, a.y0,
      a.width, a.height);
  for (int i = 0; i <= 4; ++i) {
    const double f = i / 4.0;
    const double y = a.y0 + a.height - a.height * f;
    out += fmt::format("    <text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:g}</text>\n", a.x0 - 6, y + 4, a.rate_top * f);
    out += fmt::format("    <text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#c0392b\">{:g}</text>\n", a.x0 + a.width + 6, y + 4,
                       a.latency_top * f);
    out += fmt::format("    <text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:g}</text>\n", a.x0 + a.width * f,
                       a.y0 + a.height + 16, a.rate_top * f);
  }
  out += fmt::format("    <text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">offered rate (requests/s)</text>\n",
                     a.x0 + a.width / 2, a.y0 + a.height + 34);
  out += fmt::format("    <text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#2471a3\">achieved (requests/s)</text>\n", a.x0, a.y0 - 6);
  out += fmt::format("    <text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#c0392b\">p99 round trip (ms)</text>\n",
                     a.x0 + a.width + kRight - 4, a.y0 - 6);
  return out;
}

std::string title_of(const TargetTuning& t) {
  std::string title = t.id;
  if (t.recommended_rate) title += fmt::format(": recommended {}/s", *t.recommended_rate);
  switch (t.found_by) {
    case FoundBy::kAnnounced: title += fmt::format(" (limit {} announced)", t.announced.value_or(0)); break;
    case FoundBy::kThrottled: title += " (throttled)"; break;
    case FoundBy::kKnee: title += " (the knee)"; break;
    case FoundBy::kBudget: title += " (the writes ran out)"; break;
    default: break;
  }
  return title;
}

std::string panel(const TargetTuning& t, double top) {
  std::string out = fmt::format("  <g class=\"panel\" id=\"panel-{}\" transform=\"translate(0,{:.0f})\">\n", escaped(t.id), top);
  out += fmt::format("    <text x=\"{:.1f}\" y=\"20\" font-weight=\"bold\">{}</text>\n", kLeft, escaped(title_of(t)));
  if (t.steps.empty()) {
    out += fmt::format("    <text x=\"{:.1f}\" y=\"{:.1f}\">not probed: {}</text>\n", kLeft, kPanelHeight / 2,
                       t.documented ? "its limit is documented" : "no --write-probe, or nothing to send back");
    return out + "  </g>\n";
  }
  double rate_max = 0, latency_max = 0;
  for (const ProbeStep& s : t.steps) {
    rate_max = std::max({rate_max, s.offered, s.achieved});
    latency_max = std::max(latency_max, s.p99_s * 1000);
  }
  const Axes a{kLeft, kTop, kPanelWidth - kLeft - kRight, kPanelHeight - kTop - kBottom, nice_top(rate_max * 1.05),
               nice_top(latency_max * 1.05)};
  out += axes_text(a);
  out += polyline({{a.x(0), a.y_rate(0)}, {a.x(a.rate_top), a.y_rate(a.rate_top)}}, "#bbb", true);  // achieved = offered
  if (t.recommended_rate) {
    const double y = a.y_rate(*t.recommended_rate);
    out += polyline({{a.x0, y}, {a.x0 + a.width, y}}, "#27ae60", true);
  }
  std::vector<std::pair<double, double>> achieved, latency;
  for (const ProbeStep& s : t.steps) {
    achieved.emplace_back(a.x(s.offered), a.y_rate(s.achieved));
    latency.emplace_back(a.x(s.offered), a.y_latency(s.p99_s * 1000));
  }
  out += polyline(achieved, "#2471a3", false);
  out += polyline(latency, "#c0392b", false);
  for (std::size_t i = 0; i < t.steps.size(); ++i) {
    const ProbeStep& s = t.steps[i];
    out += fmt::format("    <circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>offered {:.1f}/s, achieved {:.1f}/s, "
                       "p99 {:.0f} ms, {} throttled</title></circle>\n",
                       achieved[i].first, achieved[i].second, s.throttled > 0 ? "#e67e22" : "#2471a3", s.offered, s.achieved,
                       s.p99_s * 1000, s.throttled);
    out += fmt::format("    <circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"#c0392b\"/>\n", latency[i].first, latency[i].second);
  }
  return out + "  </g>\n";
}

}  // namespace

std::string render_tune_svg(const TuneReport& report) {
  const double height = std::max<double>(1, static_cast<double>(report.targets.size())) * kPanelHeight;
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "  <title>hrsync tune: offered against achieved rate, and p99 round trip, per probe step</title>\n"
      "  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      kPanelWidth, height);
  for (std::size_t i = 0; i < report.targets.size(); ++i) out += panel(report.targets[i], static_cast<double>(i) * kPanelHeight);
  return out + "</svg>\n";
}

}  // namespace hrsync
