// MD5 against RFC 1321's test suite (appendix A.5) and XXH64 against the reference
// vectors of xxHash (seed 0), since the ring pickers' placement depends on both bit for bit.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "lib/hash/digests.h"

using namespace archsim;

namespace {
std::string hex(const std::array<std::uint8_t, 16>& d) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : d) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}
}  // namespace

TEST_CASE("md5 gives RFC 1321's test suite digests") {
  CHECK(hex(md5("")) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(hex(md5("a")) == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(hex(md5("abc")) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(hex(md5("message digest")) == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK(hex(md5("abcdefghijklmnopqrstuvwxyz")) == "c3fcd3d76192e4007dfb496cca67e13b");
  CHECK(hex(md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")) ==
        "d174ab98d277d9f5a5611c2c9f419d9f");
  CHECK(hex(md5("12345678901234567890123456789012345678901234567890123456789012345678901234567890")) ==
        "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("xxhash64 gives the reference vectors") {
  CHECK(xxhash64("") == 0xEF46DB3751D8E999ULL);
  CHECK(xxhash64("a") == 0xD24EC4F1A98C6E5BULL);
  CHECK(xxhash64("abc") == 0x44BC2CF5AD770999ULL);
  CHECK(xxhash64("asdf") == 0x415872F599CEA71EULL);              // the 4-byte tail
  CHECK(xxhash64("Call me Ishmael.") == 0x6D04390FC9D61A90ULL);  // two 8-byte words
  CHECK(xxhash64("Nobody inspects the spammish repetition") == 0xFBCEA83C8A378BF1ULL);  // 32-byte stripes
  CHECK(xxhash64("abc", 1) != xxhash64("abc", 0));
}
