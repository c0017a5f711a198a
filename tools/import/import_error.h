// Bad input to `archsim import` (a manifest or a trace file): one line naming the file and
// the place, as a bad scenario's error does (scenario/errors.h). The CLI prints format() and exits 2.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace archsim::import {

class ImportError : public std::runtime_error {
 public:
  // `where`: a YAML path ("services.web.deploy.replicas") or a JSON pointer ("/data/0/spans/3");
  // line and column (1-based) when known, else 0.
  ImportError(std::string file, std::string where, std::string message, int line = 0, int column = 0)
      : std::runtime_error(std::move(message)), file_(std::move(file)), where_(std::move(where)), line_(line),
        column_(column) {}
  // "<file>:<line>:<column>: <where>: <message>" or "<file>: <where>: <message>", on one line
  // of at most kMaxLine characters, with what the input put in it made harmless (shown()).
  std::string format() const;
  static constexpr std::size_t kMaxLine = 1000;

 private:
  std::string file_, where_;
  int line_, column_;
};

// Text from the input as a message may show it: control characters (C0, DEL and C1: an ANSI
// escape would drive the terminal) and bytes that are not UTF-8 written as \xHH, a line
// break as \n; cut to `max` characters with how long it was ("abc... (5000 characters)").
std::string shown(std::string_view text, std::size_t max = 80);

// The offset of the first byte of `text` that is not well-formed UTF-8 (or is a NUL), or
// npos when it all is.
std::size_t bad_utf8(std::string_view text);

}  // namespace archsim::import
