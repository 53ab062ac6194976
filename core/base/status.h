// Errors are values across layers (leveldb style). A Status carries what a
// person needs to act: a kind (which maps to the exit code), the SLS error
// code and request id when the server sent them, and a message that says
// what to do.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace slsflow {

enum class ErrorKind {
  kOk = 0,
  kUsage,        // bad flags or arguments                     -> exit 2
  kAuth,         // wrong key, signature, expired token         -> exit 3
  kConfig,       // bad/missing config, corrupt or foreign state -> exit 3
  kNotFound,     // project/logstore/shard/group missing        -> exit 1
  kInvalid,      // the server or a file rejected our input     -> exit 1
  kCorruption,   // bytes we read make no sense                 -> exit 1
  kIO,           // local file system                           -> exit 1
  kNoSpace,      // ENOSPC                                      -> exit 1
  kNetwork,      // reset/TLS, or a failure after connecting    -> exit 1
  kUnreachable,  // could not connect at all: refused, DNS      -> exit 1
  kTimeout,      // request or flush deadline                   -> exit 1
  kQuota,        // 403 quota, throttling                       -> exit 1
  kServer,       // 5xx                                         -> exit 1
  kConflict,     // already exists / locked / not owner         -> exit 1
  kAborted,      // interrupted by a signal                     -> exit 1
  kInternal,     // a bug of ours                               -> exit 1
};

// How a caller should treat a failed request.
enum class RetryClass {
  kNever,    // a 4xx that will fail the same way again
  kRetry,    // transient: 5xx, reset, timeout
  kBackoff,  // throttled: retry, but slow down (403 quota)
};

// An OK Status is one enum and a null pointer, so the hot paths that return
// one per log (parsers, batchers) pay nothing for the error details they
// never carry; as in leveldb, the details live behind the pointer.
class Status {
 public:
  Status() = default;
  Status(const Status& other) : kind_(other.kind_), detail_(CopyDetail(other)) {}
  Status& operator=(const Status& other) {
    if (this != &other) {
      kind_ = other.kind_;
      detail_ = CopyDetail(other);
    }
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  static Status Error(ErrorKind kind, std::string message) {
    Status s;
    s.kind_ = kind;
    s.MutableDetail().message = std::move(message);
    return s;
  }
  static Status Usage(std::string m) { return Error(ErrorKind::kUsage, std::move(m)); }
  static Status Auth(std::string m) { return Error(ErrorKind::kAuth, std::move(m)); }
  static Status Config(std::string m) { return Error(ErrorKind::kConfig, std::move(m)); }
  static Status NotFound(std::string m) { return Error(ErrorKind::kNotFound, std::move(m)); }
  static Status Invalid(std::string m) { return Error(ErrorKind::kInvalid, std::move(m)); }
  static Status Corruption(std::string m) { return Error(ErrorKind::kCorruption, std::move(m)); }
  static Status IO(std::string m) { return Error(ErrorKind::kIO, std::move(m)); }
  static Status Internal(std::string m) { return Error(ErrorKind::kInternal, std::move(m)); }

  bool ok() const { return kind_ == ErrorKind::kOk; }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return detail_ ? detail_->message : Empty(); }

  // Filled in for errors that came from an SLS reply.
  int http_status() const { return detail_ ? detail_->http_status : 0; }
  const std::string& sls_code() const { return detail_ ? detail_->sls_code : Empty(); }
  const std::string& request_id() const { return detail_ ? detail_->request_id : Empty(); }
  RetryClass retry() const { return detail_ ? detail_->retry : RetryClass::kNever; }

  Status& set_http_status(int s) {
    MutableDetail().http_status = s;
    return *this;
  }
  Status& set_sls_code(std::string c) {
    MutableDetail().sls_code = std::move(c);
    return *this;
  }
  Status& set_request_id(std::string r) {
    MutableDetail().request_id = std::move(r);
    return *this;
  }
  Status& set_retry(RetryClass r) {
    MutableDetail().retry = r;
    return *this;
  }

  // Prefixes context: "reading state file x: <message>".
  Status WithContext(const std::string& context) const {
    Status s = *this;
    s.MutableDetail().message = context + ": " + message();
    return s;
  }

  // "LogStoreNotExist: logstore app does not exist (request 5AEE..., HTTP 404)"
  std::string ToString() const;

  // 0 ok, 1 runtime, 2 usage, 3 auth/config.
  int ExitCode() const;

 private:
  struct Detail {
    std::string message;
    int http_status = 0;
    std::string sls_code;
    std::string request_id;
    RetryClass retry = RetryClass::kNever;
  };
  static const std::string& Empty() {
    static const std::string empty;
    return empty;
  }
  static std::unique_ptr<Detail> CopyDetail(const Status& s) {
    return s.detail_ ? std::make_unique<Detail>(*s.detail_) : nullptr;
  }
  Detail& MutableDetail() {
    if (!detail_) detail_ = std::make_unique<Detail>();
    return *detail_;
  }

  ErrorKind kind_ = ErrorKind::kOk;
  std::unique_ptr<Detail> detail_;
};

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

const char* ErrorKindName(ErrorKind kind);

}  // namespace slsflow

#define SLSFLOW_RETURN_IF_ERROR(expr) \
  do {                                \
    ::slsflow::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)
