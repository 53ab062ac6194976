#include <doctest/doctest.h>

#include "core/produce/engine.h"

using namespace slsflow;

TEST_CASE("--on-invalid words, with the old 'skip' kept") {
  CHECK(*ParseOnInvalid("fail") == OnInvalid::kFail);
  CHECK(*ParseOnInvalid("skip-with-warning") == OnInvalid::kSkip);
  CHECK(*ParseOnInvalid("skip") == OnInvalid::kSkip);
  CHECK(*ParseOnInvalid("raw") == OnInvalid::kRaw);
  auto bad = ParseOnInvalid("ignore");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().ExitCode() == 2);
  CHECK(bad.status().message() == "--on-invalid must be fail, skip-with-warning or raw, not 'ignore'");
}

TEST_CASE("exit code: auth beats everything, then a fatal status, then undelivered data") {
  ProduceResult r;
  CHECK(r.ExitCode() == 0);
  r.unconfirmed = 1;
  CHECK(r.ExitCode() == 1);
  r.status = Status::Config("bad state");
  CHECK(r.ExitCode() == 3);
  r.status = Status::OK();
  r.auth_failed = true;
  CHECK(r.ExitCode() == 3);
}

TEST_CASE("the --stats line and the exit summary") {
  ProduceResult r;
  r.logs = 1000;
  r.delivered = 990;
  r.dead_lettered = 8;
  r.refused = 3;
  r.unconfirmed = 2;
  r.retries = 1;
  r.requests = 10;
  r.input_bytes = 2000000;
  r.raw_bytes = 3000000;
  r.wire_bytes = 500000;
  r.duration_us = 2000000;
  CHECK(FormatProduceStats(r) ==
        "logs 1000 (delivered 990, undelivered 10), input 2.0 MB, raw 3.0 MB, wire 0.5 MB, requests 10, "
        "retries 1, 2.00 s (1.0 MB/s, 500 logs/s)");
  CHECK(FormatProduceSummary(r) ==
        "delivered 990, retried 1 request, dead-lettered 8 (3 refused for breaking an SLS limit), unconfirmed 2");
  r.duration_us = 0;  // a run too short to time has no rate, not a division by zero
  CHECK(FormatProduceStats(r).find("0.00 s (0.0 MB/s, 0 logs/s)") != std::string::npos);
}
