#include "core/base/ascii.h"

#include <doctest/doctest.h>

namespace slsflow {
namespace {

TEST_CASE("ASCII case folding touches A-Z only") {
  CHECK(AsciiLowered("Content-MD5 X-Log-APIVersion") == "content-md5 x-log-apiversion");
  CHECK(AsciiLowered("@[`{ 09 az") == "@[`{ 09 az");                // the neighbours of A-Z and a-z stay
  CHECK(AsciiLowered("\xc3\x89t\xc3\xa9") == "\xc3\x89t\xc3\xa9");  // bytes past ASCII stay
  CHECK(EqualsIgnoringAsciiCase("Authorization", "authorization"));
  CHECK(EqualsIgnoringAsciiCase("", ""));
  CHECK_FALSE(EqualsIgnoringAsciiCase("Date", "Dates"));
  CHECK_FALSE(EqualsIgnoringAsciiCase("x-log-a", "x_log_a"));
  CHECK_FALSE(EqualsIgnoringAsciiCase("@", "`"));  // 0x40 and 0x60 differ by the case bit but are not letters
}

}  // namespace
}  // namespace slsflow
