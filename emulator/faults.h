// Faults and quotas for reliability tests, a layer in front of the
// handlers (doc/architecture.md §13): random 500/502/503, connection resets and slow
// replies drawn from a seeded generator, and per-shard token buckets for
// write/read bytes and requests that answer 403 ShardWriteQuotaExceed /
// ShardReadQuotaExceed. Set by flags and, at runtime, by the admin
// endpoint (JSON, same field names as below).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>

#include "core/base/status.h"

namespace slsflow::emulator {

struct FaultOptions {
  double p500 = 0;   // probability per request of 500 InternalServerError
  double p502 = 0;   // 502 (a proxy's bad gateway, plain body)
  double p503 = 0;   // 503 ServerBusy
  double reset = 0;  // handle the request, then reset the connection unanswered
  double slow = 0;   // delay the reply by slow_ms
  int64_t slow_ms = 2000;
  uint64_t seed = 1;
  // Per shard; 0 = unlimited.
  double write_mb_per_s = 0;
  double read_mb_per_s = 0;
  double write_req_per_s = 0;
  double read_req_per_s = 0;
};

enum class FaultKind { kNone, k500, k502, k503 };

struct FaultDraw {
  FaultKind error = FaultKind::kNone;
  bool reset = false;
  int64_t delay_ms = 0;
};

class Faults {
 public:
  explicit Faults(FaultOptions options) { Set(options); }

  FaultOptions options() const {
    std::lock_guard lock(mu_);
    return options_;
  }
  // Replaces the options; the generator restarts from the (new) seed so a
  // test that sets faults at runtime gets a reproducible sequence.
  void Set(const FaultOptions& options);
  bool active() const {
    std::lock_guard lock(mu_);
    return active_;
  }

  FaultDraw Draw();

  // Token buckets keyed by "project/logstore/shard". A request is refused
  // while its bucket is in debt; bytes are charged after the fact (a large
  // request may overdraw, and the next ones wait).
  Status AdmitWrite(const std::string& shard_key, int64_t now_us);
  void ChargeWrite(const std::string& shard_key, size_t bytes, int64_t now_us);
  Status AdmitRead(const std::string& shard_key, int64_t now_us);
  void ChargeRead(const std::string& shard_key, size_t bytes, int64_t now_us);

  // Admin JSON <-> options. FromJson applies only the fields present.
  static std::string ToJson(const FaultOptions& o);
  static Status FromJson(const std::string& text, FaultOptions* o);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t last_us = 0;
    bool init = false;
  };
  static void Refill(Bucket& b, double rate, int64_t now_us);
  Status Admit(std::map<std::string, Bucket>& req_buckets, std::map<std::string, Bucket>& byte_buckets,
               const std::string& key, double req_rate, double byte_rate, int64_t now_us, const char* code);

  mutable std::mutex mu_;
  FaultOptions options_;
  bool active_ = false;
  std::mt19937_64 rng_;
  std::map<std::string, Bucket> write_req_, write_bytes_, read_req_, read_bytes_;
};

}  // namespace slsflow::emulator
