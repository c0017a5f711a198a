// Bad input to `archsim import` (a manifest or a trace file): one line naming the file and
// the place, as a bad scenario's error does (sim/errors.h). The CLI prints format() and exits 2.
#pragma once
#include <stdexcept>
#include <string>

namespace archsim::import {

class ImportError : public std::runtime_error {
 public:
  // `where`: a YAML path ("services.web.deploy.replicas") or a JSON pointer ("/data/0/spans/3");
  // line and column (1-based) when known, else 0.
  ImportError(std::string file, std::string where, std::string message, int line = 0, int column = 0)
      : std::runtime_error(std::move(message)), file_(std::move(file)), where_(std::move(where)), line_(line),
        column_(column) {}
  // "<file>:<line>:<column>: <where>: <message>" or "<file>: <where>: <message>", on one line.
  std::string format() const;

 private:
  std::string file_, where_;
  int line_, column_;
};

}  // namespace archsim::import
