#include "emulator/loggroup_check.h"

#include <doctest/doctest.h>

#include <random>

#include "sls.pb.h"
#include "tests/emulator/emu_test_util.h"

namespace slsflow::emulator {
namespace {

// protobuf's own decision, the reference.
bool Oracle(const std::string& raw, uint32_t* logs) {
  sls::LogGroup g;
  if (!g.ParsePartialFromString(raw) || !g.IsInitialized()) return false;
  *logs = static_cast<uint32_t>(g.logs_size());
  return true;
}

}  // namespace

TEST_CASE("CheckLogGroup accepts valid groups and counts their logs") {
  uint32_t n = 0;
  REQUIRE(CheckLogGroup(test::MakeLogGroup(7), &n));
  CHECK(n == 7);
  REQUIRE(CheckLogGroup("", &n));  // an empty group parses
  CHECK(n == 0);
  // Unknown fields of every wire type, and a group, are skipped.
  std::string g = test::MakeLogGroup(1);
  g += std::string("\x48\x05", 2);                    // field 9 varint
  g += std::string("\x51", 1) + std::string(8, 'x');  // field 10 fixed64
  g += std::string("\x5d", 1) + std::string(4, 'y');  // field 11 fixed32
  g += std::string("\x63\x08\x01\x64", 4);            // field 12 group { 1: 1 }
  REQUIRE(CheckLogGroup(g, &n));
  CHECK(n == 1);
}

TEST_CASE("CheckLogGroup rejects what protobuf rejects") {
  uint32_t n = 0;
  sls::LogGroup missing_time;
  auto* c = missing_time.add_logs()->add_contents();
  c->set_key("k");
  c->set_value("v");
  CHECK_FALSE(CheckLogGroup(missing_time.SerializePartialAsString(), &n));
  sls::LogGroup missing_value;
  auto* log = missing_value.add_logs();
  log->set_time(1);
  log->add_contents()->set_key("k");
  CHECK_FALSE(CheckLogGroup(missing_value.SerializePartialAsString(), &n));
  sls::LogGroup bad_tag;
  bad_tag.add_logtags()->set_key("k");
  CHECK_FALSE(CheckLogGroup(bad_tag.SerializePartialAsString(), &n));
  CHECK_FALSE(CheckLogGroup(std::string("\x0a\x05\x08", 3), &n));  // truncated
  CHECK_FALSE(CheckLogGroup(std::string("\x0c", 1), &n));          // stray end group
  CHECK_FALSE(CheckLogGroup(std::string("\x00\x01", 2), &n));      // field 0
  CHECK_FALSE(CheckLogGroup(std::string(11, '\xff'), &n));         // endless varint
}

TEST_CASE("CheckLogGroup agrees with protobuf on mutated inputs") {
  std::mt19937 rng(12345);
  std::string base = test::MakeLogGroup(5, "topic", 9);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % s.size();
      switch (rng() % 4) {
        case 0:
          s[pos] = static_cast<char>(rng());
          break;
        case 1:
          s.erase(pos, 1 + rng() % 8);
          break;
        case 2:
          s.insert(pos, 1, static_cast<char>(rng()));
          break;
        case 3:
          s.resize(pos);
          break;
      }
      if (s.empty()) s = "\x0a";
    }
    uint32_t a = 0, b = 0;
    bool mine = CheckLogGroup(s, &a);
    bool theirs = Oracle(s, &b);
    REQUIRE_MESSAGE(mine == theirs, "mutation " << i);
    if (mine) {
      CHECK(a == b);
      ++accepted;
    }
  }
  CHECK(accepted > 100);  // the mutations exercise both outcomes
}

}  // namespace slsflow::emulator
