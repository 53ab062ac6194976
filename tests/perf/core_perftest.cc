// Micro-benchmarks of the core hot paths: LogGroup encode/decode, lz4,
// zstd and deflate, and request signing. Prints MB/s and µs per call.
//   core_perftest [seconds_per_case]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "core/sls/auth.h"
#include "core/sls/codec.h"
#include "core/sls/loggroup_view.h"
#include "sls.pb.h"

using namespace slsflow;
using Clock = std::chrono::steady_clock;

namespace {

// Runs fn until `seconds` pass; returns calls per second.
double Measure(double seconds, const std::function<void()>& fn) {
  auto start = Clock::now();
  long calls = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 16; ++i) fn();
    calls += 16;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return calls / elapsed;
}

sls::LogGroup MakeGroup(int logs) {
  sls::LogGroup g;
  for (int i = 0; i < logs; ++i) {
    auto* log = g.add_logs();
    log->set_time(1700000000 + i);
    log->set_timens(123456789);
    const char* keys[] = {"host", "method", "path", "status", "bytes", "referer", "agent", "latency"};
    for (int k = 0; k < 8; ++k) {
      auto* c = log->add_contents();
      c->set_key(keys[k]);
      c->set_value(std::string(55 + (i + k) % 20, static_cast<char>('a' + (i + k) % 26)) + std::to_string(i * k));
    }
  }
  g.set_topic("bench");
  g.set_source("10.0.0.1");
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  double secs = argc > 1 ? std::atof(argv[1]) : 1.0;
  sls::LogGroup group = MakeGroup(1000);
  std::string raw = group.SerializeAsString();
  double mb = raw.size() / 1e6;
  std::printf("LogGroup: 1000 logs, %zu bytes raw\n", raw.size());

  std::string out;
  double r = Measure(secs, [&] { group.SerializeToString(&out); });
  std::printf("%-28s %9.1f MB/s\n", "protobuf encode", r * mb);
  r = Measure(secs, [&] {
    sls::LogGroup g;
    g.ParseFromString(raw);
  });
  std::printf("%-28s %9.1f MB/s\n", "protobuf decode", r * mb);
  sls::LogGroup reused;
  r = Measure(secs, [&] { reused.ParseFromString(raw); });
  std::printf("%-28s %9.1f MB/s\n", "protobuf decode, reused msg", r * mb);
  LogGroupListView view;  // what consume uses: values stay in the buffer
  r = Measure(secs, [&] {
    if (!view.ParseGroup(raw).ok()) std::abort();
  });
  std::printf("%-28s %9.1f MB/s\n", "in-place view decode", r * mb);

  for (auto type : {CompressType::kLz4, CompressType::kZstd, CompressType::kDeflate}) {
    std::string packed, unpacked;
    Compress(type, raw, &packed);
    r = Measure(secs, [&] { Compress(type, raw, &packed); });
    std::printf("%-28s %9.1f MB/s (ratio %.2f)\n", (std::string(CompressTypeToken(type)) + " compress").c_str(), r * mb,
                static_cast<double>(raw.size()) / packed.size());
    r = Measure(secs, [&] { Decompress(type, packed, raw.size(), &unpacked); });
    std::printf("%-28s %9.1f MB/s\n", (std::string(CompressTypeToken(type)) + " decompress").c_str(), r * mb);
  }

  Credentials creds{"testid", "testsecret", ""};
  for (auto version : {SignatureVersion::kV1, SignatureVersion::kV4}) {
    r = Measure(secs, [&] {
      SignableRequest req{"POST",
                          "/logstores/app/shards/lb",
                          {},
                          {{"Host", "demo.cn-hangzhou.log.aliyuncs.com"},
                           {"Content-Type", "application/x-protobuf"},
                           {"x-log-bodyrawsize", "171"},
                           {"x-log-compresstype", "lz4"},
                           {"x-log-apiversion", "0.6.0"},
                           {"Content-MD5", "52CB1DDA32C6C442DC21D7F30AB39F76"}}};
      SignRequest(&req, "", creds, SignOptions{version, HmacMethod::kSha1, "cn-hangzhou"}, 1800000000);
    });
    std::printf("%-28s %9.2f us/signature\n", version == SignatureVersion::kV1 ? "sign v1 (hmac-sha1)" : "sign v4",
                1e6 / r);
  }
  return 0;
}
