// What a resilience policy's Params::check() returns when a value is out of range: the
// field (a JSON-pointer path relative to the policy's object, e.g. "window/size", so the
// scenario loader can append it to the policy's location) and a one-line reason.
// Both point to string literals; nothing is owned.
#pragma once

namespace archsim::resilience {

struct ParamError {
  const char* field;
  const char* reason;
};

}  // namespace archsim::resilience
