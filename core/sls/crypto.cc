#include "core/sls/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <memory>
#include <string>

namespace slsflow {

namespace {
std::string Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

struct MacContextFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// OpenSSL 3's one-shot HMAC() fetches the MAC and then its digest by name
// on every call: most of a v4 signature (five HMACs) went there. A context
// per thread and digest, set up once, is only keyed again for each use.
// Null if OpenSSL cannot make one; Hmac() above then does the work.
EVP_MAC_CTX* ThreadHmacContext(const char* digest, int slot) {
  static EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  thread_local std::unique_ptr<EVP_MAC_CTX, MacContextFree> contexts[2];
  auto& ctx = contexts[slot];
  if (!ctx && hmac) {
    ctx.reset(EVP_MAC_CTX_new(hmac));
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
                           OSSL_PARAM_construct_end()};
    if (ctx && !EVP_MAC_CTX_set_params(ctx.get(), params)) ctx.reset();
  }
  return ctx.get();
}

std::string ThreadHmac(const char* digest, int slot, const EVP_MD* md, std::string_view key, std::string_view data) {
  EVP_MAC_CTX* ctx = ThreadHmacContext(digest, slot);
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  // A null key means "the previous one" to EVP_MAC_init: an empty key must
  // still be a pointer.
  static const unsigned char kEmptyKey = 0;
  const auto* key_bytes = key.empty() ? &kEmptyKey : reinterpret_cast<const unsigned char*>(key.data());
  if (ctx == nullptr || !EVP_MAC_init(ctx, key_bytes, key.size(), nullptr) ||
      !EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ||
      !EVP_MAC_final(ctx, out, &len, sizeof out))
    return Hmac(md, key, data);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Hex(std::string_view raw, const char* digits) {
  std::string out;
  out.resize(raw.size() * 2);
  for (size_t i = 0; i < raw.size(); ++i) {
    auto c = static_cast<unsigned char>(raw[i]);
    out[2 * i] = digits[c >> 4];
    out[2 * i + 1] = digits[c & 15];
  }
  return out;
}

// OpenSSL 3 looks the provider's implementation up on every digest given
// EVP_md5() and friends; fetched once, it is not. (Routing by hash field
// digests every log, produce every request body.) Kept for the process.
const EVP_MD* Fetched(const char* name, const EVP_MD* fallback) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  return md ? md : fallback;
}

}  // namespace

std::string HmacSha1(std::string_view key, std::string_view data) {
  static const EVP_MD* md = Fetched("SHA1", EVP_sha1());
  return ThreadHmac("SHA1", 0, md, key, data);
}
std::string HmacSha256(std::string_view key, std::string_view data) {
  static const EVP_MD* md = Fetched("SHA256", EVP_sha256());
  return ThreadHmac("SHA256", 1, md, key, data);
}
std::string Sha256(std::string_view data) {
  static const EVP_MD* md = Fetched("SHA256", EVP_sha256());
  return Digest(md, data);
}
std::string Md5(std::string_view data) {
  static const EVP_MD* md = Fetched("MD5", EVP_md5());
  return Digest(md, data);
}
std::string HexLower(std::string_view raw) {
  return Hex(raw, "0123456789abcdef");
}
std::string HexUpper(std::string_view raw) {
  return Hex(raw, "0123456789ABCDEF");
}

bool HexDecode(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  // OpenSSL reads a C string: a NUL inside would end it early.
  if (hex.find('\0') != std::string_view::npos) return false;
  out->resize(hex.size() / 2);
  size_t written = 0;
  const std::string text(hex);
  return OPENSSL_hexstr2buf_ex(reinterpret_cast<unsigned char*>(out->data()), out->size(), &written, text.c_str(),
                               '\0') == 1 &&
         written == out->size();
}

std::string Base64Encode(std::string_view raw) {
  std::string out;
  out.resize(4 * ((raw.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool Base64Decode(std::string_view text, std::string* out) {
  if (text.size() % 4 != 0) return false;
  for (char c : text) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  out->resize(3 * text.size() / 4);
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock keeps the padding bytes as zeros; drop them.
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad++;
  if (text.size() > 1 && text[text.size() - 2] == '=') pad++;
  out->resize(static_cast<size_t>(n) - pad);
  return true;
}

}  // namespace slsflow
