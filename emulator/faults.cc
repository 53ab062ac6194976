#include "emulator/faults.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace slsflow::emulator {
namespace {

bool Active(const FaultOptions& o) {
  return o.p500 > 0 || o.p502 > 0 || o.p503 > 0 || o.reset > 0 || o.slow > 0 || o.write_mb_per_s > 0 ||
         o.read_mb_per_s > 0 || o.write_req_per_s > 0 || o.read_req_per_s > 0;
}

}  // namespace

void Faults::Set(const FaultOptions& options) {
  std::lock_guard lock(mu_);
  options_ = options;
  active_ = Active(options);
  rng_.seed(options.seed);
  write_req_.clear();
  write_bytes_.clear();
  read_req_.clear();
  read_bytes_.clear();
}

FaultDraw Faults::Draw() {
  std::lock_guard lock(mu_);
  FaultDraw d;
  if (!active_) return d;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double x = u(rng_);
  if (x < options_.p500) {
    d.error = FaultKind::k500;
  } else if (x < options_.p500 + options_.p502) {
    d.error = FaultKind::k502;
  } else if (x < options_.p500 + options_.p502 + options_.p503) {
    d.error = FaultKind::k503;
  }
  d.reset = u(rng_) < options_.reset;
  if (u(rng_) < options_.slow) d.delay_ms = options_.slow_ms;
  return d;
}

void Faults::Refill(Bucket& b, double rate, int64_t now_us) {
  if (!b.init) {
    b.init = true;
    b.tokens = rate;  // one second of burst
    b.last_us = now_us;
    return;
  }
  if (now_us > b.last_us) {
    b.tokens = std::min(rate, b.tokens + rate * static_cast<double>(now_us - b.last_us) / 1e6);
    b.last_us = now_us;
  }
}

Status Faults::Admit(std::map<std::string, Bucket>& req_buckets, std::map<std::string, Bucket>& byte_buckets,
                     const std::string& key, double req_rate, double byte_rate, int64_t now_us, const char* code) {
  if (byte_rate > 0) {
    Bucket& b = byte_buckets[key];
    Refill(b, byte_rate, now_us);
    if (b.tokens < 0) {
      return Status::Error(ErrorKind::kQuota, std::string("shard ") + key + " exceeded its byte quota; slow down")
          .set_http_status(403)
          .set_sls_code(code);
    }
  }
  if (req_rate > 0) {
    Bucket& b = req_buckets[key];
    Refill(b, req_rate, now_us);
    if (b.tokens < 1) {
      return Status::Error(ErrorKind::kQuota, std::string("shard ") + key + " exceeded its request quota; slow down")
          .set_http_status(403)
          .set_sls_code(code);
    }
    b.tokens -= 1;
  }
  return Status::OK();
}

Status Faults::AdmitWrite(const std::string& key, int64_t now_us) {
  std::lock_guard lock(mu_);
  if (!active_) return Status::OK();
  return Admit(write_req_, write_bytes_, key, options_.write_req_per_s, options_.write_mb_per_s * 1e6, now_us,
               "ShardWriteQuotaExceed");
}

Status Faults::AdmitRead(const std::string& key, int64_t now_us) {
  std::lock_guard lock(mu_);
  if (!active_) return Status::OK();
  return Admit(read_req_, read_bytes_, key, options_.read_req_per_s, options_.read_mb_per_s * 1e6, now_us,
               "ShardReadQuotaExceed");
}

void Faults::ChargeWrite(const std::string& key, size_t bytes, int64_t now_us) {
  std::lock_guard lock(mu_);
  if (!active_ || options_.write_mb_per_s <= 0) return;
  Bucket& b = write_bytes_[key];
  Refill(b, options_.write_mb_per_s * 1e6, now_us);
  b.tokens -= static_cast<double>(bytes);
}

void Faults::ChargeRead(const std::string& key, size_t bytes, int64_t now_us) {
  std::lock_guard lock(mu_);
  if (!active_ || options_.read_mb_per_s <= 0) return;
  Bucket& b = read_bytes_[key];
  Refill(b, options_.read_mb_per_s * 1e6, now_us);
  b.tokens -= static_cast<double>(bytes);
}

std::string Faults::ToJson(const FaultOptions& o) {
  nlohmann::json j = {{"p500", o.p500},
                      {"p502", o.p502},
                      {"p503", o.p503},
                      {"reset", o.reset},
                      {"slow", o.slow},
                      {"slow_ms", o.slow_ms},
                      {"seed", o.seed},
                      {"write_mb_per_s", o.write_mb_per_s},
                      {"read_mb_per_s", o.read_mb_per_s},
                      {"write_req_per_s", o.write_req_per_s},
                      {"read_req_per_s", o.read_req_per_s}};
  return j.dump();
}

Status Faults::FromJson(const std::string& text, FaultOptions* o) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Invalid("fault settings must be a JSON object");
  auto prob = [&](const char* key, double* out) -> Status {
    auto it = j.find(key);
    if (it == j.end()) return Status::OK();
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 1) {
      return Status::Invalid(std::string(key) + " must be a probability between 0 and 1");
    }
    *out = it->get<double>();
    return Status::OK();
  };
  auto rate = [&](const char* key, double* out) -> Status {
    auto it = j.find(key);
    if (it == j.end()) return Status::OK();
    if (!it->is_number() || it->get<double>() < 0) return Status::Invalid(std::string(key) + " must be >= 0");
    *out = it->get<double>();
    return Status::OK();
  };
  SLSFLOW_RETURN_IF_ERROR(prob("p500", &o->p500));
  SLSFLOW_RETURN_IF_ERROR(prob("p502", &o->p502));
  SLSFLOW_RETURN_IF_ERROR(prob("p503", &o->p503));
  SLSFLOW_RETURN_IF_ERROR(prob("reset", &o->reset));
  SLSFLOW_RETURN_IF_ERROR(prob("slow", &o->slow));
  SLSFLOW_RETURN_IF_ERROR(rate("write_mb_per_s", &o->write_mb_per_s));
  SLSFLOW_RETURN_IF_ERROR(rate("read_mb_per_s", &o->read_mb_per_s));
  SLSFLOW_RETURN_IF_ERROR(rate("write_req_per_s", &o->write_req_per_s));
  SLSFLOW_RETURN_IF_ERROR(rate("read_req_per_s", &o->read_req_per_s));
  if (auto it = j.find("slow_ms"); it != j.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 600000) {
      return Status::Invalid("slow_ms must be 0..600000");
    }
    o->slow_ms = it->get<int64_t>();
  }
  if (auto it = j.find("seed"); it != j.end()) {
    if (!it->is_number_unsigned()) return Status::Invalid("seed must be a non-negative integer");
    o->seed = it->get<uint64_t>();
  }
  if (o->p500 + o->p502 + o->p503 > 1) return Status::Invalid("p500 + p502 + p503 must be at most 1");
  return Status::OK();
}

}  // namespace slsflow::emulator
