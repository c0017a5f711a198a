// Small text helpers the importer's readers and writers share (names compared without case,
// figures written short). Each was written out in several files before; one definition keeps
// them alike, and lets the files be compiled together (a unity build) without clashing.
#pragma once
#include <cctype>
#include <cstdio>
#include <string>

namespace archsim::import {

// `s` in ASCII lower case (names, images, tags and span statuses are ASCII where compared).
inline std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// `v` with `digits` significant digits, as the scenario's JSON numbers are written ("%g").
inline std::string number(double v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

}  // namespace archsim::import
