// Numbers as people read them, shared by the terminal table, the SLO's sentences and the
// page (html::number): at most `digits` significant digits in fixed notation, a whole number
// too large for them shown in full, digits grouped by thousands from 10,000 up ("23,018",
// "1,250,000"; "4096" stays as it is), and an exponent only outside 1e-4 to 1e15. NaN is "–".
#pragma once
#include <string>

namespace archsim {

std::string readable_number(double v, int digits = 4);

// Groups the integer digits of a plain decimal number ("-23018.5" -> "-23,018.5") when it has
// five or more; any other text is returned as it is.
std::string group_thousands(std::string text);

}  // namespace archsim
