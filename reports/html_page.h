// html_page.h -- small pieces the report pages are built from: escaping, number
// formatting, tables, and turning a gnuplot SVG file into an element that can sit
// inline in an HTML page. No model knowledge, no JSON.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace archsim::reports::html {

// Escapes & < > " ' so that any text is safe in element content and in attribute values,
// and shows control characters (but line breaks and tabs) as \xHH.
std::string escape(std::string_view text);

// Formats a figure for people (reports/number_text.h readable_number): at most `digits`
// significant digits, no exponent for ordinary magnitudes, thousands grouped from 10,000 up
// ("171,000", "4096", "0.0125", "48.2").
std::string number(double v, int digits = 4);
// 0.99 -> "99%", 0.99915 -> "99.915%": enough decimals to tell the nines apart.
std::string percent(double fraction);

// An HTML table. Cells are already escaped HTML; `numeric` columns are right-aligned.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric;  // per column; missing entries mean text
  std::string caption;
  std::string render() const;
};

// The page's style sheet (reports/page/page.css, inline in <style>: no external font or file).
std::string stylesheet();

// The start of a page, up to and including <body>: title and the inline style sheet.
std::string page_start(const std::string& title);
// Writes `page` as DIR/report.html, whole (a temporary file renamed into place); throws
// std::runtime_error naming the file when it cannot be written.
void write_page(const std::filesystem::path& dir, const std::string& page);
// A figure card: label, value and an optional line under it (all already HTML).
std::string card(const std::string& label, const std::string& value, const std::string& sub = "");

// Turns the text of an SVG file written by gnuplot into an inline <svg> element:
// drops the XML declaration and DOCTYPE, the xmlns attributes (implied inside HTML) and
// the fixed width/height (the viewBox keeps the aspect), rewrites xlink:href to href,
// removes <script> elements, prefixes every id and its references with `id_prefix`
// (several charts on one page define the same gnuplot ids), and labels it `title`.
// Returns nothing when the text holds no <svg> element.
std::optional<std::string> inline_svg(std::string_view svg_text, std::string_view id_prefix,
                                      std::string_view title);

}  // namespace archsim::reports::html
