// Lists in messages and labels ("a, b, c"): the separator between items, never before the
// first. One place for what was written out at each message, as
// `s += (s.empty() ? "" : ", ") + x`: that form builds a temporary string per item, and
// GCC 12's link-time optimiser misread it as a copy of up to 2^63 bytes and warned
// (-Wstringop-overflow). Appending in place says the same without the temporary.
// Not for hot paths: these build error messages, warnings and report text.
#pragma once
#include <string>
#include <string_view>

namespace archsim {

// Appends `item` to `list`, after `sep` unless `list` is still empty.
inline void append_item(std::string& list, std::string_view sep, std::string_view item) {
  if (!list.empty()) list += sep;
  list += item;
}

// The items (anything a std::string_view is made from) joined by `sep`, each appended by
// append_item; "" for none.
template <class Items>
std::string join_items(const Items& items, std::string_view sep) {
  std::string list;
  for (const auto& item : items) append_item(list, sep, item);
  return list;
}

}  // namespace archsim
