// Server-side TLS for the emulator (`--tls-cert/--tls-key`), on OpenSSL 3
// directly rather than httplib's SSLServer.
//
// Why not httplib::SSLServer: it is a separate subclass of httplib::Server
// with its own connection loop and its own SSLSocketStream, so using it would
// drop EmuHttpServer's connection loop and ConnStream, and with them the
// per-request byte budget and deadline (slowloris), the bounded body reader
// and the TCP-reset fault. Instead, TLS here is only a transport under
// ConnStream: the same loop, budget, deadlines and faults apply to the
// decrypted bytes, and the reset fault still resets the TCP connection.
//
// The socket is made non-blocking for a TLS session, so that a partial
// record can never block a thread in SSL_read: every wait is a poll() bounded
// by the caller's deadline, in slices so that a stopping server is not held
// up. Socket I/O goes through a small BIO that uses send(MSG_NOSIGNAL) (no
// SIGPIPE from a vanished client) and caps the raw bytes a client may send
// during the handshake.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/base/status.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace slsflow::emulator {
namespace detail {
struct TlsSocketIo;
}

// A server certificate (with its chain) and private key, loaded once at
// start-up and shared read-only by every connection.
class TlsContext {
 public:
  // Errors are kConfig (exit 3) and name the file and the flag:
  // unreadable, not PEM, encrypted key, or a key that does not match.
  static Result<std::shared_ptr<TlsContext>> Load(const std::string& cert_file, const std::string& key_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  SSL_CTX* ctx() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

// One server-side TLS session on an accepted socket. Not thread-safe: one
// connection thread owns it.
class TlsSession {
 public:
  // Raw bytes a client may send before the handshake completes. OpenSSL
  // lets a ClientHello alone reach ~128 KiB; real ones are a few KiB.
  static constexpr size_t kHandshakeBudget = 64 * 1024;

  // `stop` going negative (the listening socket closed) makes every wait
  // give up early.
  TlsSession(const TlsContext& ctx, int fd, const std::atomic<int>* stop);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Completes the handshake by `deadline_ms` (monotonic), with no silence
  // longer than `idle_ms`. False on any failure: a client that rejects our
  // certificate, speaks plain HTTP, stalls, or sends too much. The caller
  // then just closes the socket.
  bool Accept(int64_t deadline_ms, int idle_ms);
  // Up to `size` decrypted bytes: >0, 0 at the client's close_notify or
  // EOF, -1 on error or when `deadline_ms` passes.
  ssize_t Read(char* buf, size_t size, int64_t deadline_ms);
  // Writes some of `data` (at least one byte) or -1 on error/deadline.
  ssize_t Write(const char* data, size_t size, int64_t deadline_ms);
  // After a failed Accept(): when the client spoke plain HTTP, answers 400
  // with an SLS error saying to use https://, so that the user sees why
  // instead of a bare reset. Bounded by `timeout_ms`.
  void RefusePlainHttp(int timeout_ms);
  // Decrypted bytes already held by OpenSSL (poll() cannot see them).
  bool HasPending() const;
  // Sends close_notify, waiting at most `timeout_ms`; no reply awaited.
  void Shutdown(int timeout_ms);
  uint64_t raw_bytes_in() const;

 private:
  enum class Wait { kReady, kTimeout, kError };
  // After an SSL_* call returned `ret`: waits for what OpenSSL asked for.
  Wait WaitFor(int ret, int64_t deadline_ms);

  std::unique_ptr<detail::TlsSocketIo> io_;
  SSL* ssl_ = nullptr;
  const std::atomic<int>* stop_;
  bool established_ = false;
  bool broken_ = false;  // a fatal error: no close_notify may follow
};

}  // namespace slsflow::emulator
