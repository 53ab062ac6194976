// Helpers for the emulator's TLS tests: a self-signed certificate made
// in-process (no openssl binary needed), and a blocking OpenSSL client
// that speaks HTTP/1.1 over it.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>

#include <string>
#include <string_view>

#include "tests/emulator/emu_test_util.h"
#include "tests/test_util.h"

namespace slsflow::emulator::test {

struct TestCert {
  std::string cert_file;
  std::string key_file;
};

// An EC P-256 key and a self-signed certificate for DNS:`name`, as PEM
// files in `dir` named `stem`.pem and `stem`.key.
inline TestCert MakeSelfSignedCert(const std::string& dir, const std::string& stem = "srv",
                                   const std::string& name = "localhost") {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(x, subject);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, ("DNS:" + name).c_str());
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, key, EVP_sha256());

  auto to_pem = [](auto write) {
    BIO* mem = BIO_new(BIO_s_mem());
    write(mem);
    char* data = nullptr;
    long n = BIO_get_mem_data(mem, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(mem);
    return out;
  };
  TestCert c{dir + "/" + stem + ".pem", dir + "/" + stem + ".key"};
  slsflow::test::WriteFileOrDie(c.cert_file, to_pem([&](BIO* b) { PEM_write_bio_X509(b, x); }));
  slsflow::test::WriteFileOrDie(
      c.key_file, to_pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); }));
  X509_free(x);
  EVP_PKEY_free(key);
  return c;
}

// A blocking TLS client on a connected socket; it does not verify the
// server (the integration test covers verification).
class TlsClient {
 public:
  explicit TlsClient(int fd) : fd_(fd) {
    signal(SIGPIPE, SIG_IGN);  // OpenSSL writes with write(2)
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd);
    SSL_set_tlsext_host_name(ssl_, "localhost");
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool Handshake() { return SSL_connect(ssl_) == 1; }
  bool Send(std::string_view data) {
    while (!data.empty()) {
      int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Decrypted bytes, "" at EOF; -1 style failures and timeouts also give "".
  std::string ReadSome(int timeout_ms = 10000) {
    char buf[16384];
    if (SSL_pending(ssl_) == 0) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return "";
    }
    int n = SSL_read(ssl_, buf, sizeof(buf));
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  // One Content-Length framed response; status 0 when none came.
  RawResponse ReadResponse(int timeout_ms = 10000) {
    return ReadResponseFrom([this](int ms) { return ReadSome(ms); }, timeout_ms);
  }
  SSL* ssl() { return ssl_; }
  int fd() const { return fd_; }

 private:
  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

}  // namespace slsflow::emulator::test
