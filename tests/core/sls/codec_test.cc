#include "core/sls/codec.h"

#include <doctest/doctest.h>

#include <set>

#include "core/sls/auth.h"
#include "core/sls/crypto.h"
#include "sls.pb.h"
#include "tests/golden_capture.h"
#include "tests/test_util.h"

using namespace slsflow;

namespace {

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// The decoded LogGroup must equal the capture's own analysis of it.
void CheckLogGroupMatches(const sls::LogGroup& g, const nlohmann::json& expected) {
  auto& logs = expected["logs"];
  REQUIRE(g.logs_size() == static_cast<int>(logs.size()));
  for (int i = 0; i < g.logs_size(); ++i) {
    auto& want = logs[static_cast<size_t>(i)];
    CHECK(g.logs(i).time() == want["time"].get<uint32_t>());
    if (want["time_ns"].is_null()) {
      CHECK_FALSE(g.logs(i).has_timens());
    } else {
      CHECK(g.logs(i).timens() == want["time_ns"].get<uint32_t>());
    }
    auto& contents = want["contents"];
    REQUIRE(g.logs(i).contents_size() == static_cast<int>(contents.size()));
    for (int k = 0; k < g.logs(i).contents_size(); ++k) {
      CHECK(g.logs(i).contents(k).key() == contents[static_cast<size_t>(k)][0].get<std::string>());
      CHECK(g.logs(i).contents(k).value() == contents[static_cast<size_t>(k)][1].get<std::string>());
    }
  }
  CHECK(g.topic() == expected["topic"].get<std::string>());
  CHECK(g.source() == expected["source"].get<std::string>());
  auto& tags = expected["tags"];
  REQUIRE(g.logtags_size() == static_cast<int>(tags.size()));
  for (int t = 0; t < g.logtags_size(); ++t) {
    CHECK(g.logtags(t).key() == tags[static_cast<size_t>(t)][0].get<std::string>());
    CHECK(g.logtags(t).value() == tags[static_cast<size_t>(t)][1].get<std::string>());
  }
}

}  // namespace

TEST_CASE("every golden PutLogs body decodes to the logs, topic, source and tags of its capture") {
  int decoded = 0;
  std::set<std::string> codecs;
  for (auto& f : test::GoldenCaptureFiles()) {
    auto c = test::LoadGoldenCapture(f);
    auto& body = c.json["analysis"]["body"];
    if (!body.is_object() || !body.contains("log_group")) continue;
    CAPTURE(f);
    const std::string* ct = FindHeader(c.request.headers, "x-log-compresstype");
    const std::string* raw = FindHeader(c.request.headers, "x-log-bodyrawsize");
    auto type = ParseCompressType(ct ? *ct : "");
    REQUIRE(type.ok());
    codecs.insert(ct ? *ct : "none");
    std::string out;
    size_t raw_size = raw ? std::stoull(*raw) : c.body.size();
    Status st = Decompress(*type, c.body, raw_size, &out);
    REQUIRE_MESSAGE(st.ok(), st.ToString());
    // Uncompressed captures record no separate raw form: the body is it.
    std::string want_hex = body["raw_hex"].is_string() ? body["raw_hex"].get<std::string>() : HexLower(c.body);
    CHECK(HexLower(out) == want_hex);
    sls::LogGroup g;
    REQUIRE(g.ParseFromString(out));
    CheckLogGroupMatches(g, body["log_group"]);
    ++decoded;
  }
  CHECK(decoded >= 10);
  CHECK(codecs == std::set<std::string>{"deflate", "lz4", "none", "zstd"});
}

TEST_CASE("every golden PullLogs reply body decodes") {
  int decoded = 0;
  for (auto& f : test::GoldenCaptureFiles()) {
    auto c = test::LoadGoldenCapture(f);
    auto& resp = c.json["response"];
    if (c.request.path.find("/shards/") == std::string::npos || !resp.contains("body_b64")) continue;
    std::string type_token;
    bool is_pull = false;
    for (auto& [k, v] : c.request.query)
      if (k == "type" && (v == "log" || v == "logs")) is_pull = true;
    if (!is_pull || resp["status"] != 200) continue;
    CAPTURE(f);
    std::string body;
    Base64Decode(resp["body_b64"].get<std::string>(), &body);
    auto& h = resp["headers"];
    std::string ct = h.contains("x-log-compresstype") ? h["x-log-compresstype"].get<std::string>() : "";
    size_t raw = std::stoull(h["x-log-bodyrawsize"].get<std::string>());
    std::string out;
    REQUIRE(Decompress(*ParseCompressType(ct), body, raw, &out).ok());
    sls::LogGroupList list;
    REQUIRE(list.ParseFromString(out));
    CHECK(list.loggroups_size() == std::stoi(h["x-log-count"].get<std::string>()));
    ++decoded;
  }
  CHECK(decoded >= 5);
}

TEST_CASE("our encoder produces the 171-byte golden LogGroup byte for byte") {
  auto c = test::LoadGoldenCapture(test::GoldenDir() + "/python-sdk/put_logs_uncompressed.json");
  REQUIRE(c.body.size() == 171);
  sls::LogGroup g;
  const char* levels[] = {"info", "warn", "error"};
  const char* msgs[] = {"hello 0", "hello 1", "hello 2 \xc3\xa9\xe4\xb8\xad"};
  for (int i = 0; i < 3; ++i) {
    auto* log = g.add_logs();
    log->set_time(1700000000 + i);
    auto* a = log->add_contents();
    a->set_key("level");
    a->set_value(levels[i]);
    auto* b = log->add_contents();
    b->set_key("msg");
    b->set_value(msgs[i]);
    log->set_timens(111 * (i + 1));
  }
  g.set_topic("topic-a");
  g.set_source("10.0.0.1");
  auto* tag = g.add_logtags();
  tag->set_key("env");
  tag->set_value("test");
  CHECK(g.SerializeAsString() == c.body);
}

TEST_CASE("every codec round-trips, and the raw size is enforced") {
  std::string raw;
  for (int i = 0; i < 5000; ++i) raw += "line " + std::to_string(i) + " some repeated text\n";
  for (auto type : {CompressType::kNone, CompressType::kLz4, CompressType::kZstd, CompressType::kDeflate}) {
    CAPTURE(CompressTypeToken(type));
    std::string packed, out;
    REQUIRE(Compress(type, raw, &packed).ok());
    REQUIRE(Decompress(type, packed, raw.size(), &out).ok());
    CHECK(out == raw);
    // A wrong x-log-bodyrawsize is a clear error, both ways.
    Status small = Decompress(type, packed, raw.size() - 1, &out);
    CHECK_FALSE(small.ok());
    CHECK(small.message().find("bodyrawsize") != std::string::npos);
    Status big = Decompress(type, packed, raw.size() + 10, &out);
    CHECK_FALSE(big.ok());
  }
}

TEST_CASE("CompressInto reuses one buffer: a smaller body after a larger one is still exact") {
  std::string big, small = "short body, compressed after a long one";
  for (int i = 0; i < 20000; ++i) big += "key=" + std::to_string(i % 97) + " value " + std::to_string(i) + "\n";
  for (auto type : {CompressType::kLz4, CompressType::kZstd, CompressType::kDeflate}) {
    CAPTURE(CompressTypeToken(type));
    CompressBuffer buffer;
    for (const std::string* raw : {&big, &small, &big}) {
      auto packed = CompressInto(type, *raw, &buffer);
      REQUIRE(packed.ok());
      CHECK(packed->data() == buffer.data.get());
      std::string out;
      REQUIRE(Decompress(type, *packed, raw->size(), &out).ok());
      CHECK(out == *raw);
      // The same bytes as the one-shot API.
      std::string once;
      REQUIRE(Compress(type, *raw, &once).ok());
      CHECK(once == std::string(*packed));
    }
    // It only grows: the big body's room is kept for the next one.
    CHECK(buffer.capacity >= big.size() / 4);
  }
  CompressBuffer buffer;
  auto none = CompressInto(CompressType::kNone, small, &buffer);
  REQUIRE(none.ok());
  CHECK(none->data() == small.data());
  CHECK(buffer.capacity == 0);
}

TEST_CASE("a lying raw size is refused before allocating") {
  std::string out;
  Status st = Decompress(CompressType::kLz4, "abc", size_t{8} << 30, &out);
  CHECK(st.kind() == ErrorKind::kCorruption);
  CHECK(st.message().find("refusing to allocate") != std::string::npos);
  CHECK(out.capacity() < 1024);
}

TEST_CASE("garbage bodies are clear errors, never crashes") {
  std::string garbage = "\xff\x00\x13garbage that is not compressed at all";
  for (auto type : {CompressType::kLz4, CompressType::kZstd, CompressType::kDeflate}) {
    CAPTURE(CompressTypeToken(type));
    std::string out;
    Status st = Decompress(type, garbage, 100, &out);
    CHECK_FALSE(st.ok());
    CHECK(st.kind() == ErrorKind::kCorruption);
  }
  // A zip bomb: 10 MB of zeros claims to be 100 bytes.
  std::string zeros(10 << 20, '\0'), bomb, out;
  REQUIRE(Compress(CompressType::kDeflate, zeros, &bomb).ok());
  CHECK_FALSE(Decompress(CompressType::kDeflate, bomb, 100, &out).ok());
  REQUIRE(Compress(CompressType::kZstd, zeros, &bomb).ok());
  CHECK_FALSE(Decompress(CompressType::kZstd, bomb, 100, &out).ok());
  REQUIRE(Compress(CompressType::kLz4, zeros, &bomb).ok());
  CHECK_FALSE(Decompress(CompressType::kLz4, bomb, 100, &out).ok());
}

TEST_CASE("unknown compress type") {
  auto r = ParseCompressType("snappy");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().sls_code() == "InvalidCompressType");
  CHECK(*ParseCompressType("") == CompressType::kNone);
  CHECK(*ParseCompressType("gzip") == CompressType::kDeflate);
}

TEST_CASE("a truncated protobuf does not parse") {
  auto c = test::LoadGoldenCapture(test::GoldenDir() + "/python-sdk/put_logs_uncompressed.json");
  for (size_t cut : {1u, 10u, 50u, 170u}) {
    sls::LogGroup g;
    CHECK_FALSE(g.ParseFromString(c.body.substr(0, cut)));
  }
  sls::LogGroupList list;
  CHECK_FALSE(list.ParseFromString(Unhex("0aff01")));
}
