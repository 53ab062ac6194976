#include "emulator/faults.h"

#include <doctest/doctest.h>

namespace slsflow::emulator {

TEST_CASE("fault draws are reproducible from the seed and follow the probabilities") {
  FaultOptions o;
  o.p500 = 0.2;
  o.p503 = 0.1;
  o.reset = 0.05;
  o.seed = 42;
  Faults a(o), b(o);
  int errors = 0, resets = 0;
  for (int i = 0; i < 2000; ++i) {
    FaultDraw x = a.Draw(), y = b.Draw();
    CHECK(x.error == y.error);
    CHECK(x.reset == y.reset);
    errors += x.error != FaultKind::kNone;
    resets += x.reset;
  }
  CHECK(errors > 450);
  CHECK(errors < 750);
  CHECK(resets > 50);
  CHECK(resets < 160);
  FaultOptions slow;
  slow.slow = 1.0;
  slow.slow_ms = 250;
  CHECK(Faults(slow).Draw().delay_ms == 250);
  Faults quiet(FaultOptions{});
  CHECK_FALSE(quiet.active());
  CHECK(quiet.Draw().error == FaultKind::kNone);
}

TEST_CASE("quota buckets: burst of one second, then the configured rate") {
  FaultOptions o;
  o.write_req_per_s = 10;
  o.read_mb_per_s = 1;
  Faults f(o);
  int64_t t = 1000000000;
  for (int i = 0; i < 10; ++i) CHECK(f.AdmitWrite("p/l/0", t).ok());
  Status st = f.AdmitWrite("p/l/0", t);
  CHECK(st.http_status() == 403);
  CHECK(st.sls_code() == "ShardWriteQuotaExceed");
  CHECK(f.AdmitWrite("p/l/1", t).ok());           // per shard
  CHECK(f.AdmitWrite("p/l/0", t + 100000).ok());  // 0.1 s later: one token back

  CHECK(f.AdmitRead("p/l/0", t).ok());
  f.ChargeRead("p/l/0", 3000000, t);  // 3 MB against 1 MB/s: in debt for ~2 s
  CHECK(f.AdmitRead("p/l/0", t + 1000000).sls_code() == "ShardReadQuotaExceed");
  CHECK(f.AdmitRead("p/l/0", t + 2100000).ok());
}

TEST_CASE("admin JSON round-trips and validates") {
  FaultOptions o;
  REQUIRE(Faults::FromJson(R"({"p500":0.5,"slow":0.25,"slow_ms":10,"seed":7,"write_mb_per_s":5})", &o).ok());
  CHECK(o.p500 == 0.5);
  CHECK(o.slow_ms == 10);
  CHECK(o.seed == 7);
  FaultOptions back;
  REQUIRE(Faults::FromJson(Faults::ToJson(o), &back).ok());
  CHECK(back.write_mb_per_s == 5);
  CHECK_FALSE(Faults::FromJson(R"({"p500":2})", &o).ok());
  CHECK_FALSE(Faults::FromJson(R"({"p500":0.6,"p503":0.6})", &o).ok());
  CHECK_FALSE(Faults::FromJson("[]", &o).ok());
  CHECK_FALSE(Faults::FromJson(R"({"slow_ms":-1})", &o).ok());
}

}  // namespace slsflow::emulator
