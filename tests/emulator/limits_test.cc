// The JSON body guard: size and nesting, counted without parsing.
#include "emulator/limits.h"

#include <doctest/doctest.h>

namespace slsflow::emulator {

TEST_CASE("CheckJsonBody refuses bodies over the size bound with 413 PostBodyTooLarge") {
  EmulatorLimits l;
  l.max_json_body_bytes = 10;
  CHECK(CheckJsonBody("[1,2,3,4]", l).ok());
  Status st = CheckJsonBody("[1,2,3,4,5]", l);
  CHECK(st.http_status() == 413);
  CHECK(st.sls_code() == "PostBodyTooLarge");
}

TEST_CASE("CheckJsonBody refuses nesting past the depth bound with 400 PostBodyInvalid") {
  EmulatorLimits l;
  l.max_json_depth = 3;
  CHECK(CheckJsonBody(R"({"a":{"b":[1]}})", l).ok());
  Status st = CheckJsonBody(R"({"a":{"b":[[1]]}})", l);
  CHECK(st.http_status() == 400);
  CHECK(st.sls_code() == "PostBodyInvalid");
  CHECK(st.message().find("deeper than 3") != std::string::npos);
  // Siblings do not add up: depth is how far in, not how many.
  CHECK(CheckJsonBody(R"([[1],[2],[3],{"a":[4]}])", l).ok());
  // Brackets inside strings, escaped quotes included, are text.
  CHECK(CheckJsonBody(R"({"a":"[[[[{{{{","b":"\"[[[[","c":"\\"})", l).ok());
  CHECK_FALSE(CheckJsonBody(R"({"a":"\\",  "b":[[[[1]]]]})", l).ok());
}

TEST_CASE("a 3 MB {\"a\":{\"a\":... body is refused at the default bounds before any parser sees it") {
  std::string nested;
  while (nested.size() < 3000000) nested += "{\"a\":";
  EmulatorLimits l;
  CHECK(CheckJsonBody(nested, l).http_status() == 413);
  l.max_json_body_bytes = 4u << 20;
  CHECK(CheckJsonBody(nested, l).http_status() == 400);
}

}  // namespace slsflow::emulator
