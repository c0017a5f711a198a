// The e2e_tests binary: doctest's own main. Every test runs the archsim binary (see
// run_archsim.h); `e2e_tests -ltc` lists them, `-tc="M/M/1*"` runs one.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
