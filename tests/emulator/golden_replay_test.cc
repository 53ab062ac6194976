// Acceptance 1: every golden capture, replayed byte for byte (headers as
// captured, body with its framing, server clock at the capture's date),
// passes the signature check and gets the status and body shape the
// capture's `response` shows; with another secret it gets 401
// SignatureNotMatch. Captures are replayed per SDK directory in the order
// they were taken (the capture server's request-id counter), against a
// fresh emulator with logstore app:2, as when they were recorded.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/sls/crypto.h"
#include "emulator/server.h"
#include "tests/emulator/emu_test_util.h"
#include "tests/test_util.h"

namespace slsflow::emulator {
namespace {

using nlohmann::json;

struct Capture {
  uint64_t seq = 0;
  std::string name;
  json j;
};

std::map<std::string, std::vector<Capture>> CapturesBySdk() {
  std::map<std::string, std::vector<Capture>> out;
  for (const auto& path : slsflow::test::GoldenCaptureFiles()) {
    std::filesystem::path p(path);
    if (p.filename().string().find("results") != std::string::npos) continue;
    json j = slsflow::test::LoadJsonFile(path);
    if (!j.contains("response")) continue;
    std::string rid = j["response"]["headers"]["x-log-requestid"].get<std::string>();
    Capture c{std::stoull(rid.substr(rid.size() - 8), nullptr, 16),
              p.parent_path().filename().string() + "/" + p.filename().string(), j};
    out[p.parent_path().filename().string()].push_back(std::move(c));
  }
  for (auto& [sdk, caps] : out) {
    std::sort(caps.begin(), caps.end(), [](const Capture& a, const Capture& b) { return a.seq < b.seq; });
  }
  return out;
}

int64_t CaptureTime(const json& cap) {
  std::string date;
  for (auto& h : cap["headers"]) {
    std::string k = h[0].get<std::string>();
    std::transform(k.begin(), k.end(), k.begin(), ::tolower);
    if (k == "x-log-date" || (k == "date" && date.empty())) date = h[1].get<std::string>();
  }
  int64_t t = 0;
  REQUIRE_MESSAGE(ParseRequestTime(date, &t), "no usable date in capture");
  return t;
}

std::string WireBytes(const json& cap) {
  std::string body;
  if (cap.contains("body_b64") && !cap["body_b64"].get<std::string>().empty()) {
    REQUIRE(Base64Decode(cap["body_b64"].get<std::string>(), &body));
  }
  std::string s = cap["request_line"].get<std::string>() + "\r\n";
  for (auto& h : cap["headers"]) s += h[0].get<std::string>() + ": " + h[1].get<std::string>() + "\r\n";
  s += "\r\n";
  if (cap.value("body_framing", "") == "chunked") {
    if (!body.empty()) {
      char size[32];
      std::snprintf(size, sizeof(size), "%zx", body.size());
      s += std::string(size) + "\r\n" + body + "\r\n";
    }
    s += "0\r\n\r\n";
  } else {
    s += body;
  }
  return s;
}

// Same keys and value types; arrays compared by their first element.
json Shape(const json& j) {
  if (j.is_object()) {
    json o = json::object();
    for (auto& [k, v] : j.items()) o[k] = Shape(v);
    return o;
  }
  if (j.is_array()) return j.empty() ? json::array() : json::array({Shape(j[0])});
  if (j.is_number()) return "number";
  return j.type_name();
}

// `got` answers at least what `want` shows: every key of an object with
// the same shape. The capture server's replies left out fields real SLS
// sends (GetProject's owner, which the Python SDK reads), and ours has them.
bool Covers(const json& got, const json& want) {
  if (!want.is_object()) return got == want;
  if (!got.is_object()) return false;
  for (auto& [k, v] : want.items()) {
    if (!got.contains(k) || !Covers(got[k], v)) return false;
  }
  return true;
}

// SDK consumers join with an empty list before they beat with shards; the
// captures caught only the later beat, which SLS refuses from a consumer it
// does not know (400 NotExistConsumerWithBody). Join it first, as its SDK
// did, without going through HTTP.
void JoinIfHeartbeatWithShards(Service& svc, const json& cap, int64_t now_us) {
  std::string type, consumer;
  for (auto& q : cap["query"]) {
    if (q[0] == "type") type = q[1].get<std::string>();
    if (q[0] == "consumer") consumer = q[1].get<std::string>();
  }
  if (type != "heartbeat" || cap.value("body_len", 0) <= 2) return;
  std::string path = cap["path"].get<std::string>();
  std::string group = path.substr(path.rfind('/') + 1);
  auto ls = svc.FindProject("demo")->Find("app");
  REQUIRE(ls);
  std::shared_lock ls_lock(ls->mu);
  std::vector<ShardView> views = Service::ShardViews(*ls);
  std::lock_guard lock(ls->groups_mu);
  auto it = ls->groups.find(group);
  REQUIRE(it != ls->groups.end());
  REQUIRE(it->second->Heartbeat(consumer, {}, views, now_us).ok());
}

struct Emu {
  explicit Emu(const std::string& secret, std::atomic<int64_t>* clock) {
    EmulatorOptions o;
    o.service.logstores = {{"app", 2}};
    o.service.auth = true;
    o.service.credentials = Credentials{"testid", secret, ""};
    o.service.clock_us = [clock] { return clock->load(); };
    // The captured SDKs wrote logs dated 2023 in requests dated 2026.
    test::AcceptAnyLogTime(&o.service.limits);
    server = std::make_unique<EmulatorServer>(o);
    Status st = server->Start();
    REQUIRE_MESSAGE(st.ok(), st.ToString());
  }
  std::unique_ptr<EmulatorServer> server;
};

}  // namespace

TEST_CASE("golden captures replay with the captured status and body shape") {
  auto sdks = CapturesBySdk();
  REQUIRE(sdks.size() >= 5);
  size_t replayed = 0;
  for (auto& [sdk, caps] : sdks) {
    std::atomic<int64_t> clock{0};
    Emu emu("testsecret", &clock);
    for (auto& cap : caps) {
      CAPTURE(cap.name);
      clock = CaptureTime(cap.j) * 1000000;
      JoinIfHeartbeatWithShards(emu.server->service(), cap.j, clock);
      test::RawResponse r = test::RawRequest(emu.server->port(), WireBytes(cap.j));
      const json& want = cap.j["response"];
      CHECK_MESSAGE(r.status == want["status"].get<int>(), r.body);
      CHECK(r.Header("x-log-requestid").size() == 24);
      if (want.contains("body_json")) {
        json got = json::parse(r.body, nullptr, false);
        REQUIRE_FALSE(got.is_discarded());
        CHECK_MESSAGE(Covers(Shape(got), Shape(want["body_json"])), Shape(got).dump());
        if (want["body_json"].is_object() && want["body_json"].contains("cursor")) {
          CHECK(got["cursor"] == want["body_json"]["cursor"]);
        }
      } else {
        CHECK(r.body.size() == want["body_len"].get<size_t>());
      }
      for (const char* h : {"x-log-cursor", "x-log-count", "x-log-bodyrawsize", "x-log-compresstype"}) {
        if (want["headers"].contains(h)) CHECK(r.Header(h) == want["headers"][h].get<std::string>());
      }
      ++replayed;
    }
  }
  CHECK(replayed == 68);
}

TEST_CASE("golden captures replayed against another secret get 401 SignatureNotMatch") {
  for (auto& [sdk, caps] : CapturesBySdk()) {
    std::atomic<int64_t> clock{0};
    Emu emu("not-the-secret", &clock);
    for (auto& cap : caps) {
      CAPTURE(cap.name);
      clock = CaptureTime(cap.j) * 1000000;
      test::RawResponse r = test::RawRequest(emu.server->port(), WireBytes(cap.j));
      CHECK(r.status == 401);
      CHECK(json::parse(r.body)["errorCode"] == "SignatureNotMatch");
    }
  }
}

TEST_CASE("a capture replayed long after its date is refused as expired") {
  auto sdks = CapturesBySdk();
  std::atomic<int64_t> clock{0};
  Emu emu("testsecret", &clock);
  const auto& cap = sdks.at("python-sdk").front();
  clock = (CaptureTime(cap.j) + 3600) * 1000000;
  test::RawResponse r = test::RawRequest(emu.server->port(), WireBytes(cap.j));
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["errorCode"] == "RequestTimeExpired");
}

}  // namespace slsflow::emulator
