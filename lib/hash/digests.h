// Two published hash functions that real balancers use to place hosts on a ring, so that a
// model can build the same ring they build (see lib/picker/ring_picker.cpp):
//   md5       RFC 1321; libketama hashes "<server>-<i>" with it (ketama_create_continuum).
//   xxhash64  XXH64 of the xxHash specification (doc/xxhash_spec.md in Cyan4973/xxHash),
//             seed 0 in Envoy's HashUtil::xxHash64, which RING_HASH uses for "<host>_<i>".
// Both are written from their specifications (no library dependency) and checked against
// the published test vectors (tests/unit/test_digests.cpp). Pure functions, no allocation;
// meant for ring building, not for the per-request path.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace archsim {

std::array<std::uint8_t, 16> md5(std::string_view data);
std::uint64_t xxhash64(std::string_view data, std::uint64_t seed = 0);

}  // namespace archsim
