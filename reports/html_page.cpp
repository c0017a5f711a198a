#include "reports/html_page.h"

#include "reports/chart_scripts.h"
#include "reports/number_text.h"
#include "reports/write_file.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "reports/page_assets.h"

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
      case '\n':
      case '\t': out += c; break;
      default:
        // A control character (a NUL in a name of a summary.json edited by hand) is shown,
        // never written raw: NUL is not allowed in HTML and the others are invisible.
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          static const char* hex = "0123456789abcdef";
          out += "\\x";
          out += hex[static_cast<unsigned char>(c) >> 4];
          out += hex[c & 15];
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string number(double v, int digits) { return readable_number(v, digits); }

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

std::string stylesheet() { return page::asset("page.css"); }

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
  check_drawing();  // a page drawn after a stop is not written
  const std::filesystem::path tmp = dir / "report.html.tmp";
  try {
    write_file(tmp, page);
    rename_file(tmp, dir / "report.html");
  } catch (const WriteError&) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);  // never left behind half written
    throw;
  }
}

std::string card(const std::string& label, const std::string& value, const std::string& sub) {
  return "<div class=\"card\"><div class=\"label\">" + label + "</div><div class=\"value\">" + value +
         "</div>" + (sub.empty() ? "" : "<div class=\"sub\">" + sub + "</div>") + "</div>";
}

}  // namespace archsim::reports::html
