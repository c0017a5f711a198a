// Every value `archsim import` did not read from its inputs, said where it sits in the
// scenario (as the --set path that changes it) and why it is what it is. The list is printed,
// written beside the scenario (<name>.guesses.txt) and counted in the scenario's description.
#pragma once
#include <string>
#include <vector>

namespace archsim::import {

struct Guess {
  // placeholder: a value the inputs do not have (work per request with no trace, an arrival rate);
  // guess: inferred by a rule (who calls whom from depends_on, a family from an image name);
  // fitted: measured in the traces (with the fit's error);
  // approximate: translated from a manifest field archsim models differently;
  // skipped: something in the inputs that the scenario leaves out;
  // warning: what makes the scenario unlike the system unless someone acts (a component no
  // request reaches, a call only guessed): also printed on stderr.
  enum Kind { Placeholder, Inferred, Fitted, Approximate, Skipped, Warning };
  Kind kind;
  std::string path;  // "catalog.concurrency", "users.arrivals.rate", "" for the whole scenario
  std::string text;
};

class Guesses {
 public:
  void add(Guess::Kind kind, std::string path, std::string text) { list_.push_back({kind, std::move(path), std::move(text)}); }
  const std::vector<Guess>& list() const { return list_; }
  std::size_t count(Guess::Kind kind) const;
  // The report: a heading naming the scenario, then one line per entry, grouped by kind.
  std::string format(const std::string& scenario_file, const std::vector<std::string>& inputs) const;

 private:
  std::vector<Guess> list_;
};

const char* kind_name(Guess::Kind k);

}  // namespace archsim::import
