// Micro-benchmark of the produce hot path on one core, without the network:
// parse (line / jsonl) -> encode into a LogGroup -> lz4, in MB/s of input.
// Also the encoder on its own, direct vs the generated protobuf code, which
// is what justifies the hand-written encoder (produce_encoder_test.cc
// proves the bytes identical).
//
//   produce_perftest [seconds-per-case, default 1]
//   produce_perftest --ceiling FILE jsonl|line [seconds, default 2]
//     the one-core ceiling of `slsflow produce` on FILE's first 32 MB: the
//     work every byte needs, on one thread with nothing between the steps
//     (parse, encode, lz4, Content-MD5 per 512 KB / 4096-log batch), in MB of
//     input per CPU-second. No HTTP, no syscalls, no handing over between
//     threads: what the real binary spends above it is their cost.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/produce/encoder.h"
#include "core/produce/parser.h"
#include "core/sls/codec.h"
#include "core/sls/crypto.h"
#include "sls.pb.h"

using namespace slsflow;
using Clock = std::chrono::steady_clock;

namespace {

const char* kWords[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"};

std::string Sentence(std::mt19937& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += kWords[rng() % 9];
  }
  return s;
}

// The corpora of scripts/bench_produce.sh, made the same way.
std::string Corpus(const std::string& name, size_t bytes) {
  std::mt19937 rng(1);
  std::string out;
  char buf[1024];
  while (out.size() < bytes) {
    if (name == "p550") {
      std::snprintf(buf, sizeof buf,
                    "{\"level\": \"info\", \"host\": \"web-%02u\", \"service\": \"checkout-api\", \"trace_id\": "
                    "\"%08x%08x%08x%08x\", \"latency_ms\": \"%u\", \"path\": \"/api/v1/orders/%u\", \"user_agent\": "
                    "\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120\", "
                    "\"message\": \"%s\"}\n",
                    static_cast<unsigned>(rng() % 40), static_cast<unsigned>(rng()), static_cast<unsigned>(rng()),
                    static_cast<unsigned>(rng()), static_cast<unsigned>(rng()), static_cast<unsigned>(rng() % 5000),
                    static_cast<unsigned>(rng() % 1000000), Sentence(rng, 38).c_str());
    } else if (name == "kv200") {
      std::snprintf(buf, sizeof buf,
                    "{\"level\": \"warn\", \"host\": \"web-%02u\", \"latency_ms\": \"%u\", \"msg\": \"%s\"}\n",
                    static_cast<unsigned>(rng() % 40), static_cast<unsigned>(rng() % 5000), Sentence(rng, 12).c_str());
    } else {
      std::snprintf(buf, sizeof buf,
                    "%u.%u.%u.%u - - [25/Nov/2026:10:00:00 +0000] \"GET /api/v1/items/%u?page=%u&sort=price "
                    "HTTP/1.1\" 200 %u \"https://shop.example.com/catalog/%u\" \"Mozilla/5.0 (Windows NT 10.0; "
                    "Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\" 0.%03u\n",
                    static_cast<unsigned>(rng() % 256), static_cast<unsigned>(rng() % 256),
                    static_cast<unsigned>(rng() % 256), static_cast<unsigned>(rng() % 256),
                    static_cast<unsigned>(rng() % 1000000), static_cast<unsigned>(rng() % 100),
                    static_cast<unsigned>(rng() % 90000), static_cast<unsigned>(rng() % 1000),
                    static_cast<unsigned>(rng() % 1000));
    }
    out += buf;
  }
  return out;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

enum class Stage { kParse, kParseEncode, kParseEncodeLz4, kParseProtobuf };

// Runs the pipeline over `input` repeatedly for `secs`; returns MB/s of input.
double Run(Parser* parser, const std::string& input, Stage stage, double secs, size_t* logs_per_pass) {
  ParsedLog log;
  std::string batch, compressed;
  batch.reserve(600 * 1024);
  size_t passes = 0, logs = 0;
  auto t0 = Clock::now();
  do {
    size_t pos = 0;
    logs = 0;
    while (pos < input.size()) {
      size_t nl = input.find('\n', pos);
      std::string_view line(input.data() + pos, nl - pos);
      pos = nl + 1;
      log.Clear();
      std::string err;
      if (parser->Parse(line, &log, &err) != ParseOutcome::kLog) std::abort();
      ++logs;
      if (stage == Stage::kParse) continue;
      if (stage == Stage::kParseProtobuf) {
        // What the encoder replaces: a message per log, a copy per string.
        static sls::LogGroup group;
        static size_t group_bytes = 0;
        sls::Log* l = group.add_logs();
        l->set_time(1700000000);
        l->set_timens(123);
        for (auto& kv : log.contents) {
          auto* c = l->add_contents();
          c->set_key(kv.first.data(), kv.first.size());
          c->set_value(kv.second.data(), kv.second.size());
          group_bytes += kv.first.size() + kv.second.size() + 6;
        }
        if (group.logs_size() == 4096 || group_bytes >= 512 * 1024) {
          group.SerializeToString(&batch);
          group.Clear();
          group_bytes = 0;
        }
        continue;
      }
      AppendEncodedLog(&batch, 1700000000, 123, true, log.contents);
      if (batch.size() >= 512 * 1024) {
        if (stage == Stage::kParseEncodeLz4) (void)Compress(CompressType::kLz4, batch, &compressed);
        batch.clear();
      }
    }
    ++passes;
  } while (Seconds(t0, Clock::now()) < secs);
  *logs_per_pass = logs;
  return static_cast<double>(input.size()) * static_cast<double>(passes) / 1e6 / Seconds(t0, Clock::now());
}

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int Ceiling(const char* path, const char* input, double secs) {
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) {
    std::perror(path);
    return 1;
  }
  std::string text(32u << 20, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  text.resize(text.rfind('\n') + 1);  // whole lines only
  ParserOptions po;
  po.input = input;
  auto parser = MakeParser(po);
  if (!parser.ok()) {
    std::fprintf(stderr, "%s\n", parser.status().ToString().c_str());
    return 2;
  }
  ParsedLog log;
  std::string batch, compressed, err;
  batch.reserve(600 * 1024);
  size_t bytes = 0, batch_logs = 0;
  const double start = CpuSeconds();
  double elapsed = 0;
  auto seal = [&] {
    if (batch.empty()) return;
    if (!Compress(CompressType::kLz4, batch, &compressed).ok()) std::abort();
    if (Md5(compressed).size() != 16) std::abort();
    batch.clear();
    batch_logs = 0;
  };
  while (elapsed < secs) {
    for (size_t pos = 0; pos < text.size();) {
      size_t nl = text.find('\n', pos);
      log.Clear();
      if ((*parser)->Parse(std::string_view(text).substr(pos, nl - pos), &log, &err) != ParseOutcome::kLog)
        std::abort();
      pos = nl + 1;
      AppendEncodedLog(&batch, 1700000000, 123, true, log.contents);
      if (batch.size() >= 512 * 1024 || ++batch_logs >= 4096) seal();
    }
    seal();
    bytes += text.size();
    elapsed = CpuSeconds() - start;
  }
  std::printf("ceiling %.1f MB/CPU-s (parse+encode+lz4+md5, one thread, %zu MB of %s)\n", bytes / 1e6 / elapsed,
              text.size() >> 20, path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--ceiling") {
    if (argc < 4) {
      std::fprintf(stderr, "usage: produce_perftest --ceiling FILE jsonl|line [seconds]\n");
      return 2;
    }
    return Ceiling(argv[2], argv[3], argc > 4 ? std::atof(argv[4]) : 2.0);
  }
  double secs = argc > 1 ? std::atof(argv[1]) : 1.0;
  std::printf("%-8s %-22s %9s %12s\n", "corpus", "stage", "MB/s", "logs/s");
  for (const char* corpus : {"p550", "nginx", "kv200"}) {
    std::string input = Corpus(corpus, 32u << 20);
    ParserOptions po;
    po.input = std::string(corpus) == "nginx" ? "line" : "jsonl";
    auto parser = MakeParser(po);
    if (!parser.ok()) return 1;
    struct {
      const char* name;
      Stage stage;
    } stages[] = {{"parse", Stage::kParse},
                  {"parse+protobuf", Stage::kParseProtobuf},
                  {"parse+encode", Stage::kParseEncode},
                  {"parse+encode+lz4", Stage::kParseEncodeLz4}};
    for (auto& s : stages) {
      size_t logs = 0;
      double mbs = Run(parser->get(), input, s.stage, secs, &logs);
      double lines_per_mb = static_cast<double>(logs) / (static_cast<double>(input.size()) / 1e6);
      std::printf("%-8s %-22s %9.1f %12.0f\n", corpus, s.name, mbs, mbs * lines_per_mb);
    }
  }
  return 0;
}
