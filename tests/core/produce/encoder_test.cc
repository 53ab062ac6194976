#include "core/produce/encoder.h"

#include <doctest/doctest.h>

#include <random>

#include "sls.pb.h"
#include "tests/produce_reference.h"
#include "tests/test_util.h"

using namespace slsflow;

namespace {

std::string EncodeDirect(const std::vector<ReferenceLog>& logs, const GroupMeta& meta) {
  std::string out;
  for (const auto& l : logs) {
    std::vector<KeyValue> kvs;
    for (const auto& kv : l.contents) kvs.emplace_back(kv.first, kv.second);
    size_t before = out.size();
    AppendEncodedLog(&out, l.time, l.time_ns, l.with_time_ns, kvs);
    CHECK(out.size() - before == EncodedLogSize(l.time, l.with_time_ns, kvs));
  }
  size_t before = out.size();
  AppendEncodedMeta(&out, meta);
  CHECK(out.size() - before == EncodedMetaSize(meta));
  return out;
}

}  // namespace

TEST_CASE("the direct encoder rebuilds the golden SDK body byte for byte") {
  // golden/alicloud-log/put_logs.json: three logs, topic, source, one tag (doc/protocol.md §5.3).
  auto capture = test::LoadJsonFile(test::GoldenDir() + "/alicloud-log/put_logs.json");
  std::string hex = capture["body_hex"].get<std::string>();
  std::string body;
  for (size_t i = 0; i < hex.size(); i += 2)
    body.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  sls::LogGroup golden;
  REQUIRE(golden.ParseFromString(body));
  std::vector<ReferenceLog> logs;
  for (const auto& l : golden.logs()) {
    ReferenceLog r{l.time(), l.timens(), l.has_timens(), {}};
    for (const auto& c : l.contents()) r.contents.emplace_back(c.key(), c.value());
    logs.push_back(r);
  }
  GroupMeta meta{golden.topic(), golden.source(), {}};
  for (const auto& t : golden.logtags()) meta.tags.emplace_back(t.key(), t.value());
  std::string direct = EncodeDirect(logs, meta);
  CHECK(direct.size() == 171);
  CHECK(direct == body);
  CHECK(direct == EncodeWithProtobuf(logs, meta));
}

TEST_CASE("byte-identical on random logs: sizes across varint boundaries, empty values, no TimeNs") {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<ReferenceLog> logs;
    int n = static_cast<int>(rng() % 20) + 1;
    for (int i = 0; i < n; ++i) {
      ReferenceLog l;
      l.time = static_cast<uint32_t>(rng());
      l.with_time_ns = rng() % 2;
      l.time_ns = static_cast<uint32_t>(rng() % 1000000000);
      int k = static_cast<int>(rng() % 5) + 1;
      for (int j = 0; j < k; ++j) {
        size_t lens[] = {0, 1, 127, 128, 16383, 16384, static_cast<size_t>(rng() % 3000)};
        size_t len = lens[rng() % 7];
        std::string v(len, 'x');
        for (auto& c : v) c = static_cast<char>(rng());
        l.contents.emplace_back("k" + std::to_string(j), v);
      }
      logs.push_back(std::move(l));
    }
    GroupMeta meta;
    if (rng() % 2) meta.topic = "t";
    if (rng() % 2) meta.source = std::string(200, 's');
    if (rng() % 2) meta.tags = {{"a", "b"}, {"__pack_id__", ""}};
    REQUIRE(EncodeDirect(logs, meta) == EncodeWithProtobuf(logs, meta));
  }
}

TEST_CASE("protobuf decodes what the direct encoder wrote") {
  std::string out;
  std::vector<KeyValue> kvs = {{"a", "1"}, {"", ""}};
  AppendEncodedLog(&out, 5, 0, false, kvs);
  AppendEncodedMeta(&out, GroupMeta{"", "", {{"x", "y"}}});
  sls::LogGroup g;
  REQUIRE(g.ParseFromString(out));
  REQUIRE(g.logs_size() == 1);
  CHECK(g.logs(0).time() == 5u);
  CHECK_FALSE(g.logs(0).has_timens());
  CHECK(g.logs(0).contents(1).key().empty());
  CHECK_FALSE(g.has_topic());
  CHECK(g.logtags(0).value() == "y");
}

TEST_CASE("every short key and value length copies exactly (the inline small-copy paths)") {
  for (size_t klen = 0; klen <= 40; ++klen) {
    for (size_t vlen = 0; vlen <= 40; ++vlen) {
      ReferenceLog l;
      l.time = 1700000000;
      std::string k, v;
      for (size_t i = 0; i < klen; ++i) k.push_back(static_cast<char>('a' + i % 26));
      for (size_t i = 0; i < vlen; ++i) v.push_back(static_cast<char>('0' + i % 75));
      l.contents = {{k, v}, {v, k}};
      std::string direct = EncodeDirect({l}, {});
      CHECK(direct == EncodeWithProtobuf({l}, {}));
      // WriteLogField into a buffer full of other bytes: exactly its size, nothing past it.
      std::vector<KeyValue> kvs = {{k, v}, {v, k}};
      size_t body = LogBodySize(l.time, false, kvs);
      std::string room(LogFieldSize(body) + 8, '\x7f');
      char* end = WriteLogField(room.data(), body, l.time, 0, false, kvs);
      CHECK(static_cast<size_t>(end - room.data()) == LogFieldSize(body));
      CHECK(room.substr(0, LogFieldSize(body)) == direct);
      CHECK(room.substr(LogFieldSize(body)) == std::string(8, '\x7f'));
    }
  }
}

TEST_CASE("a LogGroup splits after any log, each part keeping the group fields") {
  std::vector<ReferenceLog> logs;
  for (uint32_t i = 0; i < 5; ++i) logs.push_back({1700000000 + i, i, i % 2 == 0, {{"k", std::to_string(i)}}});
  GroupMeta meta{"topic", "src", {{"t1", "a"}, {"t2", "b"}}};
  std::string whole = EncodeWithProtobuf(logs, meta);
  for (uint32_t cut = 0; cut <= 5; ++cut) {
    std::string a, b;
    REQUIRE(SplitLogGroup(whole, cut, &a, &b).ok());
    std::vector<ReferenceLog> first(logs.begin(), logs.begin() + cut), second(logs.begin() + cut, logs.end());
    CHECK(a == EncodeWithProtobuf(first, meta));
    CHECK(b == EncodeWithProtobuf(second, meta));
  }
  std::string a, b;
  CHECK_FALSE(SplitLogGroup(whole.substr(0, whole.size() - 1), 1, &a, &b).ok());
  CHECK_FALSE(SplitLogGroup("\x0a\xff", 1, &a, &b).ok());
  CHECK_FALSE(SplitLogGroup("\x0f", 1, &a, &b).ok());
}
