#include "core/sls/crypto.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace slsflow;

TEST_CASE("digests and HMACs match their published test vectors") {
  CHECK(HexLower(Md5("")) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(HexLower(Sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 2202 and RFC 4231, test case 2.
  CHECK(HexLower(HmacSha1("Jefe", "what do ya want for nothing?")) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  CHECK(HexLower(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("an HMAC is keyed afresh on every call, in any thread") {
  // Each thread keeps its HMAC contexts and only re-keys them: a key must
  // never carry over from one call to the next, nor across threads.
  const std::string key20(20, '\x0b');
  auto check_all = [&] {
    bool ok = true;
    for (int i = 0; i < 200; ++i) {
      ok &= HexLower(HmacSha1(key20, "Hi There")) == "b617318655057264e28bc0b6fb378c8ef146be00";
      ok &= HexLower(HmacSha1("Jefe", "what do ya want for nothing?")) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79";
      ok &=
          HexLower(HmacSha256(key20, "Hi There")) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
      ok &= HexLower(HmacSha256("Jefe", "what do ya want for nothing?")) ==
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
      ok &= HexLower(HmacSha256(std::string_view(), "")) ==
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
    }
    return ok;
  };
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { failed += check_all() ? 0 : 1; });
  for (auto& t : threads) t.join();
  CHECK(failed.load() == 0);
  CHECK(check_all());
}

TEST_CASE("hex encodes both cases and decodes either, refusing what is not hex") {
  const std::string raw("\x00\x7f\x80\xff", 4);
  CHECK(HexLower(raw) == "007f80ff");
  CHECK(HexUpper(raw) == "007F80FF");
  std::string out;
  REQUIRE(HexDecode("007F80ff", &out));
  CHECK(out == raw);
  REQUIRE(HexDecode("", &out));
  CHECK(out.empty());
  for (const char* bad : {"0", "0g", "00:7f", " 007f", "007f "}) {
    CAPTURE(bad);
    CHECK_FALSE(HexDecode(bad, &out));
  }
  CHECK_FALSE(HexDecode(std::string_view("00\0f", 4), &out));
}

TEST_CASE("base64 round-trips and refuses a foreign alphabet") {
  std::string out;
  CHECK(Base64Encode("slsflow") == "c2xzZmxvdw==");
  REQUIRE(Base64Decode("c2xzZmxvdw==", &out));
  CHECK(out == "slsflow");
  CHECK_FALSE(Base64Decode("c2xz*mxvdw==", &out));
}
