// page_assets.h -- the files report.html is made of (reports/page/: the skeleton, the style
// sheet and the script's modules), embedded in the binary at build time
// (reports/page/embed.cmake), so that a page is written with nothing installed beside archsim.
//
// $ARCHSIM_PAGE_DIR, when set to a folder, is read instead of the embedded copies: edit a
// file of reports/page/ and `ARCHSIM_PAGE_DIR=reports/page archsim report DIR` shows the
// change without a rebuild.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace archsim::reports::page {

struct Asset {
  std::string_view name;  // file name in reports/page/ ("page.css")
  std::string_view text;
};

// Every file embedded by the build (generated: page_assets.cpp in the build folder).
std::span<const Asset> embedded();

// The text of one file: from $ARCHSIM_PAGE_DIR when set, else the embedded copy. Throws
// std::runtime_error naming the file when neither has it (a build that lost a file).
std::string asset(std::string_view name);

// The page script's modules in the order they run (each adds to one namespace that the
// next ones use; main.js, last, draws the page).
const std::vector<std::string_view>& script_modules();

}  // namespace archsim::reports::page
