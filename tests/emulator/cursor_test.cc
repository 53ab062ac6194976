#include "emulator/cursor.h"

#include <doctest/doctest.h>

namespace slsflow::emulator {

TEST_CASE("cursors are base64 of 1600000000000000000 + offset, as in the golden captures") {
  CHECK(EncodeCursor(0) == "MTYwMDAwMDAwMDAwMDAwMDAwMA==");
  CHECK(EncodeCursor(1) == "MTYwMDAwMDAwMDAwMDAwMDAwMQ==");
  CHECK(EncodeCursor(2) == "MTYwMDAwMDAwMDAwMDAwMDAwMg==");
  uint64_t off = 99;
  REQUIRE(DecodeCursor("MTYwMDAwMDAwMDAwMDAwMDAwMQ==", &off));
  CHECK(off == 1);
  REQUIRE(DecodeCursor(EncodeCursor(123456789), &off));
  CHECK(off == 123456789);
}

TEST_CASE("bad cursors are refused") {
  uint64_t off = 0;
  CHECK_FALSE(DecodeCursor("", &off));
  CHECK_FALSE(DecodeCursor("not base64!", &off));
  CHECK_FALSE(DecodeCursor("aGVsbG8=", &off));                              // "hello"
  CHECK_FALSE(DecodeCursor("MTQ0NzMyOTQwMTEwMjEzMDkwNA==", &off));          // below the base
  CHECK_FALSE(DecodeCursor("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ==", &off));  // overflows uint64
  CHECK_FALSE(DecodeCursor(std::string(100, 'A'), &off));
}

}  // namespace slsflow::emulator
