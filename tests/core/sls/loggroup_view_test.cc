#include "core/sls/loggroup_view.h"

#include <doctest/doctest.h>

#include <random>
#include <string>

#include "core/sls/codec.h"
#include "core/sls/crypto.h"
#include "sls.pb.h"
#include "tests/golden_capture.h"
#include "tests/loggroup_view_util.h"
#include "tests/test_util.h"

using namespace slsflow;

namespace {

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Key(uint32_t field, uint32_t wire_type) {
  return Varint(field << 3 | wire_type);
}
std::string Len(uint32_t field, const std::string& body) {
  return Key(field, 2) + Varint(body.size()) + body;
}

// Both decoders must accept or refuse `bytes` alike, and agree on every value.
// The view points into `bytes`: callers that read it afterwards keep the
// bytes alive; the last input is kept here for them.
void CheckAgrees(const std::string& input, LogGroupListView* view) {
  static std::string kept;
  kept = input;
  const std::string& bytes = kept;
  sls::LogGroupList want;
  const bool pb_ok = want.ParsePartialFromString(bytes);
  const Status st = view->Parse(bytes);
  REQUIRE(st.ok() == pb_ok);
  if (pb_ok) CHECK(test::DiffLogGroupList(want, *view) == "");
  if (!pb_ok) CHECK(view->loggroups_size() == 0);
}

sls::LogGroupList RandomList(std::mt19937* rng) {
  sls::LogGroupList list;
  auto pick = [&](int n) { return static_cast<int>((*rng)() % static_cast<unsigned>(n)); };
  auto text = [&](int max) {
    std::string s(static_cast<size_t>(pick(max)), '\0');
    for (char& c : s) c = static_cast<char>(pick(256));
    return s;
  };
  for (int g = pick(4); g >= 0; --g) {
    auto* group = list.add_loggroups();
    if (pick(2)) group->set_topic(text(12));
    if (pick(2)) group->set_source(text(12));
    if (pick(3) == 0) group->set_machineuuid(text(8));
    for (int t = pick(3); t > 0; --t) {
      auto* tag = group->add_logtags();
      tag->set_key("__tag__" + text(4));
      tag->set_value(text(300));
    }
    for (int l = pick(20); l > 0; --l) {
      auto* log = group->add_logs();
      log->set_time(static_cast<uint32_t>((*rng)()));
      if (pick(2)) log->set_timens(static_cast<uint32_t>((*rng)()));
      for (int k = pick(6); k > 0; --k) {
        auto* kv = log->add_contents();
        kv->set_key(text(10));
        kv->set_value(text(pick(10) == 0 ? 3000 : 40));
      }
    }
  }
  return list;
}

}  // namespace

TEST_CASE("random LogGroupLists read the same through the view as through protobuf") {
  std::mt19937 rng(7);
  LogGroupListView view;
  for (int i = 0; i < 200; ++i) {
    CAPTURE(i);
    CheckAgrees(RandomList(&rng).SerializeAsString(), &view);
  }
}

TEST_CASE("a LogGroupList cut at any byte is refused or read exactly as protobuf reads it") {
  std::mt19937 rng(11);
  LogGroupListView view;
  for (int i = 0; i < 5; ++i) {
    const std::string bytes = RandomList(&rng).SerializeAsString();
    for (size_t cut = 0; cut <= bytes.size(); cut += 1 + bytes.size() / 400) {
      CAPTURE(cut);
      CheckAgrees(bytes.substr(0, cut), &view);
    }
  }
}

TEST_CASE("every golden PullLogs and PutLogs body reads the same through the view") {
  int lists = 0, groups = 0;
  LogGroupListView view;
  for (auto& f : test::GoldenCaptureFiles()) {
    auto c = test::LoadGoldenCapture(f);
    CAPTURE(f);
    auto& resp = c.json["response"];
    if (resp.contains("body_b64") && resp["status"] == 200 && resp["headers"].contains("x-log-bodyrawsize") &&
        resp["headers"].contains("x-log-count")) {
      std::string body, raw;
      Base64Decode(resp["body_b64"].get<std::string>(), &body);
      auto& h = resp["headers"];
      std::string ct = h.contains("x-log-compresstype") ? h["x-log-compresstype"].get<std::string>() : "";
      REQUIRE(
          Decompress(*ParseCompressType(ct), body, std::stoull(h["x-log-bodyrawsize"].get<std::string>()), &raw).ok());
      CheckAgrees(raw, &view);
      CHECK(view.loggroups_size() == std::stoi(h["x-log-count"].get<std::string>()));
      ++lists;
    }
    auto& analysis = c.json["analysis"]["body"];
    if (analysis.is_object() && analysis.contains("log_group")) {
      std::string raw;
      std::string type;
      for (auto& [k, v] : c.request.headers)
        if (k == "x-log-compresstype") type = v;
      size_t raw_size = c.body.size();
      for (auto& [k, v] : c.request.headers)
        if (k == "x-log-bodyrawsize") raw_size = std::stoull(v);
      REQUIRE(Decompress(*ParseCompressType(type), c.body, raw_size, &raw).ok());
      sls::LogGroupList want;
      REQUIRE(want.add_loggroups()->ParsePartialFromString(raw));
      REQUIRE(view.ParseGroup(raw).ok());
      CHECK(test::DiffLogGroupList(want, view) == "");
      CHECK(view.loggroups(0).logs_size() == static_cast<int>(analysis["log_group"]["logs"].size()));
      ++groups;
    }
  }
  CHECK(lists >= 5);
  CHECK(groups >= 10);
}

TEST_CASE("unknown fields of every wire type are skipped at every level, as protobuf does") {
  const std::string unknown = Key(9, 0) + Varint(1ull << 60) + Key(10, 1) + std::string(8, 'x') + Key(11, 5) +
                              std::string(4, 'y') + Len(12, "zz") + Key(13, 3) + Key(14, 0) + Varint(3) + Key(15, 3) +
                              Key(15, 4) + Key(13, 4);
  const std::string content = Len(1, "k") + unknown + Len(2, "v");
  const std::string log = Key(1, 0) + Varint(1700000000) + unknown + Len(2, content) + Key(4, 5) + "\x01\x02\x03\x04";
  const std::string group = Len(1, log) + unknown + Len(3, "topic") + Len(6, content) + Len(4, "src");
  LogGroupListView view;
  CheckAgrees(unknown + Len(1, group) + unknown, &view);
  REQUIRE(view.loggroups_size() == 1);
  const LogGroupView& g = view.loggroups(0);
  CHECK(g.topic() == "topic");
  CHECK(g.source() == "src");
  REQUIRE(g.logtags_size() == 1);
  REQUIRE(g.logs_size() == 1);
  CHECK(g.logs(0).time() == 1700000000u);
  CHECK(g.logs(0).timens() == 0x04030201u);
  REQUIRE(g.logs(0).contents_size() == 1);
  CHECK(g.logs(0).contents(0).key() == "k");
  CHECK(g.logs(0).contents(0).value() == "v");
}

TEST_CASE("odd but valid encodings read as protobuf reads them") {
  LogGroupListView view;
  // A known field with another wire type is an unknown field: Time as fixed32.
  CheckAgrees(Len(1, Len(1, Key(1, 5) + "abcd")), &view);
  // The last of a repeated scalar wins; a 10-byte varint time is truncated.
  CheckAgrees(Len(1, Len(1, Key(1, 0) + Varint(5) + Key(1, 0) + Varint(0xFFFFFFFFFFFFFFFFull))), &view);
  CHECK(view.loggroups(0).logs(0).time() == 0xFFFFFFFFu);
  // Topic twice: the last one.
  CheckAgrees(Len(1, Len(3, "a") + Len(3, "b")), &view);
  CHECK(view.loggroups(0).topic() == "b");
  // Required fields missing (a partial parse shows them as empty).
  CheckAgrees(Len(1, Len(1, Len(2, ""))), &view);
  // A tag padded to 5 bytes, and a length padded to 5 bytes.
  CheckAgrees(std::string("\x8a\x80\x80\x80\x00", 5) + std::string("\x80\x80\x80\x80\x00", 5), &view);
  CHECK(view.loggroups_size() == 1);
  // Empty input: no groups.
  CheckAgrees("", &view);
}

TEST_CASE("malformed bytes are refused like protobuf refuses them, and the view is left empty") {
  LogGroupListView view;
  REQUIRE(view.Parse(Len(1, Len(3, "t"))).ok());
  const std::string cases[] = {
      std::string("\x00", 1),                               // tag 0
      Key(1, 4),                                            // end-group outside a group
      Key(5, 6) + "x",                                      // wire type 6
      Key(5, 7) + "x",                                      // wire type 7
      Key(5, 3) + Key(6, 4),                                // end-group of another field
      Key(5, 3),                                            // group never ends
      std::string("\x8a\x80\x80\x80\x80\x00", 6),           // a 6-byte tag
      Key(1, 2) + std::string("\x80\x80\x80\x80\x08", 5),   // a length of 2 GB
      Key(1, 2) + Varint(3) + "ab",                         // a length past the end
      Key(9, 0) + std::string(10, '\xff') + "\x01",         // an 11-byte varint
      Len(1, Len(1, Key(4, 5) + "ab")),                     // a cut fixed32
      Len(1, Len(1, Len(2, Key(1, 2) + Varint(9) + "k"))),  // a cut key inside a content
      Key(10, 1) + "1234567",                               // a cut fixed64
  };
  for (const std::string& bytes : cases) {
    CAPTURE(bytes);
    CheckAgrees(bytes, &view);
    CHECK_FALSE(view.Parse(bytes).ok());
    CHECK(view.Parse(bytes).kind() == ErrorKind::kCorruption);
  }
}

TEST_CASE("group nesting is limited at protobuf's recursion limit, no deeper and no shallower") {
  LogGroupListView view;
  for (int depth : {1, 50, 99, 100, 101, 150}) {
    CAPTURE(depth);
    std::string nested;
    for (int i = 0; i < depth; ++i) nested += Key(7, 3);
    for (int i = 0; i < depth; ++i) nested += Key(7, 4);
    CheckAgrees(nested, &view);
    CheckAgrees(Len(1, Len(1, Len(2, nested))), &view);
  }
}

TEST_CASE("a reused view forgets the previous list entirely") {
  std::mt19937 rng(3);
  LogGroupListView view;
  CheckAgrees(RandomList(&rng).SerializeAsString(), &view);
  sls::LogGroupList small;
  small.add_loggroups()->add_logs()->set_time(42);
  CheckAgrees(small.SerializeAsString(), &view);
  REQUIRE(view.loggroups_size() == 1);
  CHECK(view.loggroups(0).logs(0).contents_size() == 0);
  CHECK(view.log_count() == 1);
}

TEST_CASE("a list of more elements than the view allows is refused, not allocated") {
  // One group of N empty logs: 1 + N elements.
  auto group_of_empty_logs = [](size_t n) {
    std::string logs;
    for (size_t i = 0; i < n; ++i) logs += Len(1, "");
    return Len(1, logs);
  };
  LogGroupListView small(11);
  const std::string ten = group_of_empty_logs(10);
  CHECK(small.Parse(ten).ok());
  CHECK(small.log_count() == 10);
  const std::string eleven = group_of_empty_logs(11);
  Status st = small.Parse(eleven);
  CHECK(st.kind() == ErrorKind::kCorruption);
  CHECK(st.message().find("more than 11") != std::string::npos);
  CHECK(small.loggroups_size() == 0);

  // The default lets through a pull at the raw-size cap made of real logs
  // (8+ bytes per element), and nothing near 2 bytes per element.
  CHECK(LogGroupListView::kDefaultMaxElements * 8 >= kMaxRawBodySize);
  CHECK(LogGroupListView::kDefaultMaxElements * 2 < kMaxRawBodySize);
  LogGroupListView defaults;
  CHECK(defaults.Parse(ten).ok());
}
