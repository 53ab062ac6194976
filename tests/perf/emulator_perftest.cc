// Load generator for scripts/bench_emulator.sh: how many MB/s of PutLogs
// and PullLogs a running `slsflow emulator` sustains on loopback.
//   emulator_perftest PORT SECONDS THREADS SHARDS
// Writes lz4 LogGroups of ~512 KiB raw (like a producer batch) to
// /shards/lb of logstore "bench", then pulls every shard from the start
// with lz4 twice (cold: compressed on demand; warm: from the reply cache).
// Prints one line per phase with raw MB/s (uncompressed LogGroup bytes).
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "core/sls/auth.h"
#include "core/sls/codec.h"
#include "core/sls/crypto.h"
#include "emulator/cursor.h"
#include "sls.pb.h"

using namespace slsflow;
using Clock = std::chrono::steady_clock;

namespace {

std::string MakeGroup(int seed) {
  // Log times the emulator accepts: SLS's write window is [now - 168 h, now + 15 min].
  const auto now = static_cast<uint32_t>(std::time(nullptr));
  sls::LogGroup g;
  for (int i = 0; i < 4096; ++i) {
    auto* log = g.add_logs();
    log->set_time(now - 3600 + static_cast<uint32_t>(i % 60));
    auto* c = log->add_contents();
    c->set_key("msg");
    c->set_value("GET /api/v1/items/" + std::to_string(seed * 100000 + i) + " 200 " + std::to_string(i % 977) +
                 "ms user=" + std::to_string(i * 7919 % 100003) + " agent=Mozilla/5.0 (X11; Linux x86_64)");
    auto* l = log->add_contents();
    l->set_key("level");
    l->set_value(i % 10 == 0 ? "warn" : "info");
  }
  g.set_topic("bench");
  g.set_source("10.0.0.1");
  return g.SerializeAsString();
}

httplib::Headers BaseHeaders() {
  return {{"Host", "demo.127.0.0.1"}, {"Date", HttpDate(std::time(nullptr))}, {"x-log-apiversion", "0.6.0"}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s PORT SECONDS THREADS SHARDS\n", argv[0]);
    return 2;
  }
  int port = std::atoi(argv[1]);
  double seconds = std::atof(argv[2]);
  int threads = std::atoi(argv[3]);
  int shards = std::atoi(argv[4]);

  std::string raw = MakeGroup(1);
  std::string body;
  if (!Compress(CompressType::kLz4, raw, &body).ok()) return 1;
  std::string md5 = HexUpper(Md5(body));

  std::atomic<uint64_t> put_ok{0}, put_fail{0};
  auto t0 = Clock::now();
  auto deadline = t0 + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_keep_alive(true);
      while (Clock::now() < deadline) {
        auto h = BaseHeaders();
        h.emplace("x-log-bodyrawsize", std::to_string(raw.size()));
        h.emplace("x-log-compresstype", "lz4");
        h.emplace("Content-MD5", md5);
        auto res = cli.Post("/logstores/bench/shards/lb", h, body, "application/x-protobuf");
        (res && res->status == 200 ? put_ok : put_fail)++;
      }
    });
  }
  for (auto& th : pool) th.join();
  double put_s = std::chrono::duration<double>(Clock::now() - t0).count();
  double put_mb = static_cast<double>(put_ok) * static_cast<double>(raw.size()) / 1e6;
  std::printf(
      "PutLogs:  %8.1f MB/s raw (%6.1f MB/s lz4 on the wire), %llu requests of %zu KiB raw, %llu failed, %d threads\n",
      put_mb / put_s, put_mb / put_s * static_cast<double>(body.size()) / static_cast<double>(raw.size()),
      static_cast<unsigned long long>(put_ok.load()), raw.size() / 1024,
      static_cast<unsigned long long>(put_fail.load()), threads);

  for (const char* phase : {"cold", "warm"}) {
    std::atomic<uint64_t> raw_bytes{0}, groups{0}, failed{0};
    auto p0 = Clock::now();
    pool.clear();
    for (int s = 0; s < shards; ++s) {
      pool.emplace_back([&, s] {
        httplib::Client cli("127.0.0.1", port);
        cli.set_keep_alive(true);
        uint64_t offset = 0;
        for (;;) {
          std::string target = "/logstores/bench/shards/" + std::to_string(s) +
                               "?type=log&count=1000&cursor=" + PercentEncode(emulator::EncodeCursor(offset));
          auto h = BaseHeaders();
          h.emplace("Accept-Encoding", "lz4");
          auto res = cli.Get(target.c_str(), h);
          if (!res || res->status != 200) {
            failed++;
            return;
          }
          uint64_t n = std::stoull(res->get_header_value("x-log-count"));
          if (n == 0) return;
          raw_bytes += std::stoull(res->get_header_value("x-log-bodyrawsize"));
          groups += n;
          emulator::DecodeCursor(res->get_header_value("x-log-cursor"), &offset);
        }
      });
    }
    for (auto& th : pool) th.join();
    double s = std::chrono::duration<double>(Clock::now() - p0).count();
    std::printf("PullLogs: %8.1f MB/s raw, %s (%s), %llu groups in %.2f s, %llu failed, %d shards in parallel\n",
                static_cast<double>(raw_bytes) / 1e6 / s, phase,
                std::string(phase) == "cold" ? "lz4 compressed on demand" : "served from the reply cache",
                static_cast<unsigned long long>(groups.load()), s, static_cast<unsigned long long>(failed.load()),
                shards);
  }
  return put_fail > 0 ? 1 : 0;
}
