// JSON pointers (RFC 6901) as the scenario loader and the parameter readers write them in
// error messages: one place that escapes a member name into a reference token.
#pragma once
#include <string>
#include <string_view>

namespace archsim {

// One reference token: "~" becomes "~0" and "/" becomes "~1"; anything else is kept.
std::string pointer_token(std::string_view key);

}  // namespace archsim
