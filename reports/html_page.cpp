#include "reports/html_page.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace archsim::reports::html {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string number(double v, int digits) {
  if (std::isnan(v)) return "–";
  if (std::isinf(v)) return v > 0 ? "∞" : "-∞";
  if (v == 0) return "0";
  char buf[64];
  const double mag = std::fabs(v);
  if (mag >= 1e15 || mag < 1e-4) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
  }
  if (mag >= std::pow(10.0, digits)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);  // whole counts are shown in full
    return buf;
  }
  // Fixed notation with just enough decimals for `digits` significant figures.
  const int int_digits = mag >= 1 ? static_cast<int>(std::floor(std::log10(mag))) + 1 : 0;
  int decimals = digits - int_digits;
  if (mag < 1) decimals = digits - 1 - static_cast<int>(std::floor(std::log10(mag)));
  if (decimals < 0) decimals = 0;
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

std::string percent(double fraction) {
  if (std::isnan(fraction)) return "–";
  const double pct = fraction * 100.0;
  // Show two significant digits of the unavailability: 99.9915% not 100%.
  int decimals = 1;
  const double missing = 100.0 - pct;
  if (missing > 0 && missing < 1) {
    decimals = static_cast<int>(std::ceil(-std::log10(missing))) + 1;
    if (decimals > 6) decimals = 6;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, pct);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s + "%";
}

std::string Table::render() const {
  std::string out = "<div class=\"table-wrap\"><table>";
  if (!caption.empty()) out += "<caption>" + caption + "</caption>";
  auto cls = [&](std::size_t col) {
    return col < numeric.size() && numeric[col] ? std::string(" class=\"num\"") : std::string();
  };
  out += "<thead><tr>";
  for (std::size_t c = 0; c < header.size(); ++c) out += "<th" + cls(c) + ">" + header[c] + "</th>";
  out += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    out += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) out += "<td" + cls(c) + ">" + row[c] + "</td>";
    out += "</tr>";
  }
  out += "</tbody></table></div>\n";
  return out;
}

std::string_view stylesheet() {
  return R"css(
:root { --ink:#1f2328; --muted:#59636e; --line:#d8dee4; --bg:#f6f8fa; --ok:#1a7f37; --bad:#cf222e; --accent:#0072B2; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
header.top { background:#24292f; color:#fff; padding: 22px 28px; }
header.top .inner { max-width:1120px; margin:0 auto; }
header.top h1 { margin:0 0 4px; font-size: 26px; font-weight:600; }
header.top p { margin: 2px 0; color:#d0d7de; }
header.top .meta { font-size: 13px; color:#afb8c1; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; margin: 18px 0; }
.card { background:#fff; border:1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { color:var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .sub { color:var(--muted); font-size: 12px; }
.verdict { border-radius: 8px; padding: 14px 18px; margin: 18px 0; border:1px solid; background:#fff; }
.verdict.ok { border-color: var(--ok); border-left: 8px solid var(--ok); }
.verdict.bad { border-color: var(--bad); border-left: 8px solid var(--bad); }
.verdict.none { border-color: var(--line); border-left: 8px solid var(--line); }
.verdict strong { font-size: 18px; }
.verdict.ok strong { color: var(--ok); } .verdict.bad strong { color: var(--bad); }
.verdict ul { margin: 6px 0 0; padding-left: 20px; }
.pass { color: var(--ok); font-weight:600; } .fail { color: var(--bad); font-weight:600; }
.table-wrap { overflow-x:auto; }
.split { display:grid; grid-template-columns: 1fr 1fr; gap: 24px; align-items: start; }
.split table { width: 100%; }
@media (max-width: 800px) { .split { grid-template-columns: 1fr; } }
table { border-collapse: collapse; font-size: 14px; background:#fff; border:1px solid var(--line); margin: 8px 0 16px; min-width: 50%; }
caption { text-align:left; color:var(--muted); font-size: 13px; padding: 0 0 4px; }
th, td { padding: 6px 9px; border-bottom: 1px solid var(--line); text-align:left; vertical-align: top; }
th { background:#f0f3f6; font-weight:600; font-size: 13px; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) td { background:#fafbfc; }
td .detail { color:var(--muted); font-size: 12px; }
.ci { color:var(--muted); font-size: 12px; }
td.num .ci { display:block; }
figure { background:#fff; border:1px solid var(--line); border-radius: 8px; margin: 16px 0; padding: 12px 12px 8px; }
figure svg.chart { display:block; width:100%; height:auto; }
figure.topology svg.chart { margin: 0 auto; max-height: 640px; }
figcaption { color:var(--muted); font-size: 13px; margin-top: 6px; }
figcaption code, p code { background:#eef1f4; padding: 1px 4px; border-radius: 4px; font-size: 12px; }
.notice { background:#fff8c5; border:1px solid #d4a72c; border-radius: 8px; padding: 12px 16px; margin: 16px 0; }
.notice code { background:#fff; }
footer { color:var(--muted); font-size: 12px; margin-top: 36px; }
)css";
}

std::optional<std::string> inline_svg(std::string_view svg_text, std::string_view id_prefix,
                                      std::string_view title) {
  const auto start = svg_text.find("<svg");
  const auto end = svg_text.rfind("</svg>");
  if (start == std::string_view::npos || end == std::string_view::npos || end < start) return std::nullopt;
  std::string body(svg_text.substr(start, end + 6 - start));

  const auto open_end = body.find('>');
  if (open_end == std::string::npos) return std::nullopt;
  std::string open = body.substr(0, open_end);
  std::string rest = body.substr(open_end + 1);
  static const std::regex drop_attr(R"re(\s(width|height|xmlns(:\w+)?)\s*=\s*("[^"]*"|'[^']*'))re");
  open = std::regex_replace(open, drop_attr, "");
  open += " class=\"chart\" role=\"img\" aria-label=\"" + escape(title) + "\">";

  // Scripts (gnuplot's "mouse" option) would run inside the page; they are cut out.
  for (auto pos = rest.find("<script"); pos != std::string::npos; pos = rest.find("<script", pos)) {
    const auto close = rest.find("</script>", pos);
    rest.erase(pos, close == std::string::npos ? std::string::npos : close + 9 - pos);
  }
  // gnuplot labels each plot group "gnuplot_plot_N"; as a tooltip that says nothing.
  static const std::regex plot_title(R"re(<title>gnuplot_plot_\d+</title>)re");
  rest = std::regex_replace(rest, plot_title, "");
  static const std::regex doc_title(R"re(<title>[^<]*</title>)re");
  rest = std::regex_replace(rest, doc_title, "<title>" + escape(title) + "</title>",
                            std::regex_constants::format_first_only);
  static const std::regex xlink(R"re(xlink:href=)re");
  rest = std::regex_replace(rest, xlink, "href=");
  const std::string p(id_prefix);
  static const std::regex ids(R"re(\bid=(["'])([^"']+)\1)re");
  rest = std::regex_replace(rest, ids, "id=$1" + p + "$2$1");
  static const std::regex hrefs(R"re(\bhref=(["'])#([^"']+)\1)re");
  rest = std::regex_replace(rest, hrefs, "href=$1#" + p + "$2$1");
  static const std::regex urls(R"re(url\(#([^)]+)\))re");
  rest = std::regex_replace(rest, urls, "url(#" + p + "$1)");
  return open + rest;
}

std::string page_start(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>" + escape(title) + "</title>\n<style>" + std::string(stylesheet()) +
         "</style>\n</head>\n<body>\n";
}

void write_page(const std::filesystem::path& dir, const std::string& page) {
  const std::filesystem::path tmp = dir / "report.html.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    out << page;
    if (!out) throw std::runtime_error((dir / "report.html").string() + ": cannot write");
  }
  std::filesystem::rename(tmp, dir / "report.html");
}

std::string card(const std::string& label, const std::string& value, const std::string& sub) {
  return "<div class=\"card\"><div class=\"label\">" + label + "</div><div class=\"value\">" + value +
         "</div>" + (sub.empty() ? "" : "<div class=\"sub\">" + sub + "</div>") + "</div>";
}

}  // namespace archsim::reports::html
