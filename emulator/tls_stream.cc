#include "emulator/tls_stream.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <limits>

#include "core/base/env.h"

namespace slsflow::emulator {
namespace detail {

struct TlsSocketIo {
  int fd;
  uint64_t bytes_in = 0;
  uint64_t cap;             // raw bytes the client may still send before a read fails
  bool plain_http = false;  // the first byte was a letter, not a TLS record
};

}  // namespace detail
namespace {

using detail::TlsSocketIo;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The reason of the first queued OpenSSL error ("no start line", "key
// values mismatch"), and an empty queue afterwards.
std::string OpenSslReason() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  const char* reason = e ? ERR_reason_error_string(e) : nullptr;
  return reason ? reason : "not understood by OpenSSL";
}

int SocketWrite(BIO* b, const char* data, int len) {
  auto* io = static_cast<TlsSocketIo*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  ssize_t n;
  do {
    n = ::send(io->fd, data, static_cast<size_t>(len), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(b);
  return static_cast<int>(n);
}

int SocketRead(BIO* b, char* data, int len) {
  auto* io = static_cast<TlsSocketIo*>(BIO_get_data(b));
  BIO_clear_retry_flags(b);
  if (io->cap == 0) return -1;  // not retryable: the handshake fails
  size_t want = static_cast<size_t>(std::min<uint64_t>(static_cast<uint64_t>(len), io->cap));
  ssize_t n;
  do {
    n = ::recv(io->fd, data, want, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_read(b);
  if (n > 0 && io->bytes_in == 0) io->plain_http = data[0] >= 'A' && data[0] <= 'Z';
  if (n > 0) {
    io->bytes_in += static_cast<uint64_t>(n);
    io->cap -= static_cast<uint64_t>(n);
  }
  return static_cast<int>(n);
}

long SocketCtrl(BIO*, int cmd, long, void*) {
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int SocketCreate(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

BIO_METHOD* SocketBioMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "slsflow emulator socket");
    if (m == nullptr) return m;
    BIO_meth_set_write(m, SocketWrite);
    BIO_meth_set_read(m, SocketRead);
    BIO_meth_set_ctrl(m, SocketCtrl);
    BIO_meth_set_create(m, SocketCreate);
    return m;
  }();
  return method;
}

// A key file is a secret: wiped from memory once parsed.
struct WipedString {
  std::string s;
  ~WipedString() { OPENSSL_cleanse(s.data(), s.size()); }
};

// Refuses encrypted keys instead of letting OpenSSL prompt on the terminal.
int NoPassphrase(char*, int, int, void*) {
  return -1;
}

Status LoadCertChain(SSL_CTX* ctx, const std::string& file) {
  std::string pem;
  if (Status st = Env::Default()->ReadFile(file, &pem, 1u << 20); !st.ok()) {
    return Status::Config("--tls-cert " + file + ": " + st.message());
  }
  BIO* mem = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* leaf = mem ? PEM_read_bio_X509_AUX(mem, nullptr, NoPassphrase, nullptr) : nullptr;
  if (leaf == nullptr) {
    BIO_free(mem);
    return Status::Config("--tls-cert " + file + ": no PEM certificate in it (" + OpenSslReason() +
                          "); give the server certificate, then any intermediates, in PEM");
  }
  bool used = SSL_CTX_use_certificate(ctx, leaf) == 1;
  X509_free(leaf);
  // Intermediates after the leaf are sent along, as a web server does.
  while (used) {
    X509* ca = PEM_read_bio_X509(mem, nullptr, NoPassphrase, nullptr);
    if (ca == nullptr) break;
    if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
      X509_free(ca);
      used = false;
    }
  }
  BIO_free(mem);
  if (!used) return Status::Config("--tls-cert " + file + ": certificate refused (" + OpenSslReason() + ")");
  ERR_clear_error();  // the end-of-file "error" after the last certificate
  return Status::OK();
}

Status LoadKey(SSL_CTX* ctx, const std::string& file, const std::string& cert_file) {
  WipedString pem;
  if (Status st = Env::Default()->ReadFile(file, &pem.s, 1u << 20); !st.ok()) {
    return Status::Config("--tls-key " + file + ": " + st.message());
  }
  BIO* mem = BIO_new_mem_buf(pem.s.data(), static_cast<int>(pem.s.size()));
  EVP_PKEY* key = mem ? PEM_read_bio_PrivateKey(mem, nullptr, NoPassphrase, nullptr) : nullptr;
  BIO_free(mem);
  if (key == nullptr && pem.s.find("ENCRYPTED") != std::string::npos) {
    ERR_clear_error();
    return Status::Config("--tls-key " + file +
                          " is encrypted; give an unencrypted key (openssl pkey -in KEY -out plain.key)");
  }
  if (key == nullptr) {
    return Status::Config("--tls-key " + file + ": no unencrypted PEM private key in it (" + OpenSslReason() + ")");
  }
  bool used = SSL_CTX_use_PrivateKey(ctx, key) == 1;
  EVP_PKEY_free(key);
  if (!used || SSL_CTX_check_private_key(ctx) != 1) {
    return Status::Config("--tls-key " + file + " does not match the certificate in --tls-cert " + cert_file + " (" +
                          OpenSslReason() + ")");
  }
  return Status::OK();
}

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::Load(const std::string& cert_file, const std::string& key_file) {
  ERR_clear_error();
  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return Status::Internal("cannot create a TLS context: " + OpenSslReason());
  std::shared_ptr<TlsContext> ctx(new TlsContext(raw));
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  // A client that closes without close_notify (curl often does) is an end
  // of stream, not an error; no client-initiated renegotiation (a CPU DoS).
  SSL_CTX_set_options(raw, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  // Partial writes fit httplib's write loop; released buffers keep idle
  // keep-alive connections (hundreds in the soak tests) cheap.
  SSL_CTX_set_mode(raw, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  SLSFLOW_RETURN_IF_ERROR(LoadCertChain(raw, cert_file));
  SLSFLOW_RETURN_IF_ERROR(LoadKey(raw, key_file, cert_file));
  return ctx;
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

TlsSession::TlsSession(const TlsContext& ctx, int fd, const std::atomic<int>* stop)
    : io_(new TlsSocketIo{fd, 0, kHandshakeBudget}), stop_(stop) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  ssl_ = SSL_new(ctx.ctx());
  BIO* bio = ssl_ && SocketBioMethod() ? BIO_new(SocketBioMethod()) : nullptr;
  if (bio == nullptr) {
    broken_ = true;
    ERR_clear_error();
    return;
  }
  BIO_set_data(bio, io_.get());
  SSL_set_bio(ssl_, bio, bio);  // ssl_ owns it now
}

TlsSession::~TlsSession() {
  SSL_free(ssl_);
}

TlsSession::Wait TlsSession::WaitFor(int ret, int64_t deadline_ms) {
  int err = SSL_get_error(ssl_, ret);
  ERR_clear_error();
  short events;
  if (err == SSL_ERROR_WANT_READ) {
    events = POLLIN;
  } else if (err == SSL_ERROR_WANT_WRITE) {
    events = POLLOUT;
  } else {
    broken_ = err == SSL_ERROR_SYSCALL || err == SSL_ERROR_SSL;
    return Wait::kError;
  }
  for (;;) {
    int64_t now = NowMs();
    if (now >= deadline_ms || stop_->load() < 0) return Wait::kTimeout;
    pollfd p{io_->fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(deadline_ms - now, 100)));
    if (r < 0 && errno != EINTR) return Wait::kError;
    // POLLHUP/POLLERR count as ready: the next SSL call reports them.
    if (r > 0) return Wait::kReady;
  }
}

bool TlsSession::Accept(int64_t deadline_ms, int idle_ms) {
  if (broken_) return false;
  for (;;) {
    ERR_clear_error();
    int r = SSL_accept(ssl_);
    if (r == 1) {
      established_ = true;
      // Past the handshake, ConnStream's per-request budget takes over.
      io_->cap = std::numeric_limits<uint64_t>::max();
      return true;
    }
    if (WaitFor(r, std::min<int64_t>(deadline_ms, NowMs() + idle_ms)) != Wait::kReady) {
      broken_ = true;  // an unfinished handshake gets no close_notify
      return false;
    }
  }
}

ssize_t TlsSession::Read(char* buf, size_t size, int64_t deadline_ms) {
  if (!established_ || broken_) return -1;
  int want = static_cast<int>(std::min<size_t>(size, INT_MAX));
  for (;;) {
    ERR_clear_error();
    int r = SSL_read(ssl_, buf, want);
    if (r > 0) return r;
    if (SSL_get_error(ssl_, r) == SSL_ERROR_ZERO_RETURN) return 0;
    if (WaitFor(r, deadline_ms) != Wait::kReady) return -1;
  }
}

ssize_t TlsSession::Write(const char* data, size_t size, int64_t deadline_ms) {
  if (!established_ || broken_) return -1;
  if (size == 0) return 0;
  int want = static_cast<int>(std::min<size_t>(size, INT_MAX));
  for (;;) {
    ERR_clear_error();
    int r = SSL_write(ssl_, data, want);
    if (r > 0) return r;
    if (WaitFor(r, deadline_ms) != Wait::kReady) return -1;
  }
}

void TlsSession::RefusePlainHttp(int timeout_ms) {
  if (established_ || !io_->plain_http) return;
  static const std::string kReply = [] {
    std::string body =
        "{\"errorCode\":\"BadRequest\",\"errorMessage\":\"this port speaks HTTPS: use an https:// endpoint, "
        "not http://\"}";
    return "HTTP/1.1 400 Bad Request\r\nServer: slsflow-emulator\r\nContent-Type: application/json\r\n"
           "Connection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  // Fits the empty socket buffer; a client that does not read loses it.
  if (::send(io_->fd, kReply.data(), kReply.size(), MSG_NOSIGNAL) < 0) return;
  ::shutdown(io_->fd, SHUT_WR);
  // Unread request bytes would make close() send a reset that can destroy
  // the reply before the client reads it: drain a little first.
  int64_t deadline = NowMs() + timeout_ms;
  char sink[4096];
  for (int budget = 64 * 1024; budget > 0;) {
    int64_t now = NowMs();
    if (now >= deadline) return;
    pollfd p{io_->fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(deadline - now, 100))) < 0 && errno != EINTR) return;
    ssize_t n = ::recv(io_->fd, sink, sizeof(sink), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return;
    if (n > 0) budget -= static_cast<int>(n);
  }
}

bool TlsSession::HasPending() const {
  return established_ && !broken_ && SSL_pending(ssl_) > 0;
}

void TlsSession::Shutdown(int timeout_ms) {
  if (!established_ || broken_) return;
  int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    ERR_clear_error();
    int r = SSL_shutdown(ssl_);
    if (r >= 0) return;  // ours is sent; the client's reply is not awaited
    if (WaitFor(r, deadline) != Wait::kReady) return;
  }
}

uint64_t TlsSession::raw_bytes_in() const {
  return io_->bytes_in;
}

}  // namespace slsflow::emulator
