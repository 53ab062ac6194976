#include "core/base/status.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>

using namespace slsflow;

TEST_CASE("an OK status carries nothing and says OK") {
  Status ok;
  CHECK(ok.ok());
  CHECK(ok.kind() == ErrorKind::kOk);
  CHECK(ok.message().empty());
  CHECK(ok.sls_code().empty());
  CHECK(ok.request_id().empty());
  CHECK(ok.http_status() == 0);
  CHECK(ok.retry() == RetryClass::kNever);
  CHECK(ok.ToString() == "OK");
  CHECK(ok.ExitCode() == 0);
  // Small: what a per-log hot path returns.
  CHECK(sizeof(Status) <= 2 * sizeof(void*));
}

TEST_CASE("an error keeps every detail through copies, and copies are independent") {
  Status e = Status::Error(ErrorKind::kNotFound, "logstore app does not exist")
                 .set_sls_code("LogStoreNotExist")
                 .set_request_id("5AEE")
                 .set_http_status(404)
                 .set_retry(RetryClass::kNever);
  CHECK(e.ToString() == "LogStoreNotExist: logstore app does not exist (request 5AEE, HTTP 404)");
  CHECK(e.ExitCode() == 1);

  Status copy = e;
  CHECK(copy.ToString() == e.ToString());
  copy.set_sls_code("Other");
  CHECK(e.sls_code() == "LogStoreNotExist");  // the original is untouched

  Status assigned;
  assigned = e;
  CHECK(assigned.kind() == ErrorKind::kNotFound);
  CHECK(assigned.request_id() == "5AEE");
  assigned = Status::OK();
  CHECK(assigned.ok());
  CHECK(assigned.message().empty());

  Status moved = std::move(copy);
  CHECK(moved.sls_code() == "Other");
  CHECK(moved.http_status() == 404);
}

TEST_CASE("context prefixes the message and keeps the kind and details") {
  Status e = Status::IO("No space left on device").set_retry(RetryClass::kRetry);
  Status c = e.WithContext("writing out/app-0.jsonl");
  CHECK(c.message() == "writing out/app-0.jsonl: No space left on device");
  CHECK(c.kind() == ErrorKind::kIO);
  CHECK(c.retry() == RetryClass::kRetry);
  CHECK(e.message() == "No space left on device");
}

TEST_CASE("exit codes: usage 2, auth and config 3, everything else 1") {
  CHECK(Status::Usage("x").ExitCode() == 2);
  CHECK(Status::Auth("x").ExitCode() == 3);
  CHECK(Status::Config("x").ExitCode() == 3);
  CHECK(Status::Corruption("x").ExitCode() == 1);
  CHECK(Status::Error(ErrorKind::kQuota, "x").ExitCode() == 1);
}

TEST_CASE("Result holds a value or the status") {
  Result<std::string> good(std::string("v"));
  REQUIRE(good.ok());
  CHECK(*good == "v");
  Result<std::string> bad(Status::Invalid("nope"));
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().message() == "nope");
}
