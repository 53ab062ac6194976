#include "core/base/status.h"

#include <doctest/doctest.h>

#include <set>
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

namespace {

constexpr ErrorKind kEveryKind[] = {
    ErrorKind::kOk,          ErrorKind::kUsage,      ErrorKind::kAuth,  ErrorKind::kConfig,  ErrorKind::kNotFound,
    ErrorKind::kInvalid,     ErrorKind::kCorruption, ErrorKind::kIO,    ErrorKind::kNoSpace, ErrorKind::kNetwork,
    ErrorKind::kUnreachable, ErrorKind::kTimeout,    ErrorKind::kQuota, ErrorKind::kServer,  ErrorKind::kConflict,
    ErrorKind::kAborted,     ErrorKind::kInternal,
};

}  // namespace

TEST_CASE("every kind has its own readable name, used where no SLS code explains a failed batch") {
  // The produce sender reports ErrorKindName when a request failed before
  // any reply: two kinds with one name, or "unknown", would hide the cause.
  std::set<std::string> seen;
  for (ErrorKind kind : kEveryKind) {
    std::string name = ErrorKindName(kind);
    CAPTURE(name);
    CHECK_FALSE(name.empty());
    CHECK(name != "unknown");
    CHECK(seen.insert(name).second);
  }
  CHECK(std::string(ErrorKindName(ErrorKind::kOk)) == "ok");
  CHECK(std::string(ErrorKindName(ErrorKind::kNoSpace)) == "no space");
  CHECK(std::string(ErrorKindName(ErrorKind::kUnreachable)) == "unreachable");
  CHECK(std::string(ErrorKindName(ErrorKind::kNotFound)) == "not found");
  // A value from a newer peer or a corrupt cast still gets a name, not a crash.
  CHECK(std::string(ErrorKindName(static_cast<ErrorKind>(999))) == "unknown");
}

TEST_CASE("every runtime kind exits 1; only usage (2) and auth/config (3) differ") {
  for (ErrorKind kind : kEveryKind) {
    CAPTURE(ErrorKindName(kind));
    Status st = kind == ErrorKind::kOk ? Status::OK() : Status::Error(kind, "x");
    int want = 1;
    if (kind == ErrorKind::kOk) want = 0;
    if (kind == ErrorKind::kUsage) want = 2;
    if (kind == ErrorKind::kAuth || kind == ErrorKind::kConfig) want = 3;
    CHECK(st.ExitCode() == want);
    // Context never changes what the process exits with.
    if (!st.ok()) CHECK(st.WithContext("reading x").ExitCode() == want);
  }
}

TEST_CASE("ToString shows the request id or the HTTP status alone, and nothing empty") {
  CHECK(Status::Invalid("bad").ToString() == "bad");
  CHECK(Status::Invalid("bad").set_request_id("R1").ToString() == "bad (request R1)");
  CHECK(Status::Error(ErrorKind::kServer, "busy").set_http_status(503).ToString() == "busy (HTTP 503)");
  CHECK(Status::Error(ErrorKind::kServer, "busy").set_sls_code("ServerBusy").ToString() == "ServerBusy: busy");
}

TEST_CASE("context stacks outermost first and works on an error without a message") {
  Status bare = Status::Error(ErrorKind::kCorruption, "");
  Status c = bare.WithContext("decoding block 3").WithContext("reading state file s.json");
  CHECK(c.message() == "reading state file s.json: decoding block 3: ");
  CHECK(c.kind() == ErrorKind::kCorruption);
  // The SLS details survive, so a contextualised reply still names its request.
  Status sls = Status::Error(ErrorKind::kQuota, "slow down").set_sls_code("WriteQuotaExceed").set_request_id("R9");
  Status wrapped = sls.WithContext("PutLogs");
  CHECK(wrapped.sls_code() == "WriteQuotaExceed");
  CHECK(wrapped.ToString() == "WriteQuotaExceed: PutLogs: slow down (request R9)");
}

TEST_CASE("SLSFLOW_RETURN_IF_ERROR returns the first error and runs nothing after it") {
  int ran = 0;
  auto step = [&](Status st) {
    ++ran;
    return st;
  };
  auto pipeline = [&]() -> Status {
    SLSFLOW_RETURN_IF_ERROR(step(Status::OK()));
    SLSFLOW_RETURN_IF_ERROR(step(Status::NotFound("shard 3")));
    SLSFLOW_RETURN_IF_ERROR(step(Status::OK()));
    return Status::OK();
  };
  Status st = pipeline();
  CHECK(st.kind() == ErrorKind::kNotFound);
  CHECK(st.message() == "shard 3");
  CHECK(ran == 2);
}

TEST_CASE("Result: moving the value out, and a failed Result keeps every detail") {
  Result<std::string> good(std::string(1000, 'v'));
  std::string taken = std::move(good).value();
  CHECK(taken.size() == 1000);
  Result<int> bad(Status::Error(ErrorKind::kTimeout, "flush deadline").set_retry(RetryClass::kRetry));
  CHECK(bad.status().retry() == RetryClass::kRetry);
  CHECK(bad.status().ExitCode() == 1);
}
