// How the emulator reads a request target: the query decoded as SLS
// decodes it (doc/protocol.md §3.3).
#include "emulator/request.h"

#include <doctest/doctest.h>

namespace slsflow::emulator {

TEST_CASE("ParseQuery reads '+' as a space and %2B as a plus, in keys and values") {
  QueryList q = ParseQuery("consumer=worker+1&query=*+%7C+where+a+%3D+%27x%2By%27&cursor=MTYw%3D%3D&flag&k%2Bk=v");
  REQUIRE(q.size() == 5);
  CHECK(q[0] == std::pair<std::string, std::string>{"consumer", "worker 1"});
  CHECK(q[1] == std::pair<std::string, std::string>{"query", "* | where a = 'x+y'"});
  CHECK(q[2] == std::pair<std::string, std::string>{"cursor", "MTYw=="});
  CHECK(q[3] == std::pair<std::string, std::string>{"flag", ""});
  CHECK(q[4] == std::pair<std::string, std::string>{"k+k", "v"});
  // %20 and '+' mean the same; a malformed escape stays as it is.
  CHECK(ParseQuery("a=x%20y")[0].second == "x y");
  CHECK(ParseQuery("a=100%")[0].second == "100%");
  CHECK(ParseQuery("").empty());
  CHECK(ParseQuery("&&").empty());
}

TEST_CASE("SetTarget decodes the path without turning '+' into a space") {
  EmuRequest r;
  SetTarget("/logstores/a+b%2Fc?type=log&consumer=c+1", &r);
  CHECK(r.raw_path == "/logstores/a+b%2Fc");
  CHECK(r.path == "/logstores/a+b/c");
  REQUIRE(r.query.size() == 2);
  CHECK(r.query[1].second == "c 1");
}

}  // namespace slsflow::emulator
