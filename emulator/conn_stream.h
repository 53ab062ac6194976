// cpp-httplib (0.11.4) plumbing the emulator needs and the library lacks:
// - a connection Stream with a per-request byte budget and deadline, so a
//   hostile client cannot make the server buffer an endless header line or
//   body, nor hold a thread by trickling bytes (slowloris);
// - an elastic thread pool, so idle keep-alive connections (one thread
//   each in httplib) never starve new ones;
// - a Server whose connection loop uses both, and lets a handler drop the
//   connection with a TCP reset (fault injection);
// - optionally TLS under the stream (tls_stream.h), below all of the above.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace slsflow::emulator {

class TlsContext;
class TlsSession;

class ConnStream final : public httplib::Stream {
 public:
  // `listening` goes INVALID_SOCKET when the server stops: reads give up
  // then instead of waiting out a slow client.
  ConnStream(int fd, int read_timeout_ms, int write_timeout_ms, const std::atomic<socket_t>* listening)
      : fd_(fd),
        read_timeout_ms_(read_timeout_ms),
        write_timeout_ms_(write_timeout_ms),
        listening_(listening),
        buf_(64 * 1024) {}

  // Starts a request: at most `budget` bytes and `deadline_ms` (monotonic)
  // until the next call.
  void StartRequest(size_t budget, int64_t deadline_ms) {
    budget_left_ = budget;
    deadline_ms_ = deadline_ms;
    exhausted_ = false;
  }
  // Reads and writes go through `tls` (owned by the caller) from now on.
  void set_tls(TlsSession* tls) { tls_ = tls; }
  bool exhausted() const { return exhausted_; }
  bool has_buffered() const;
  // Waits up to `ms` for input; true when readable (or buffered).
  bool WaitReadable(int ms) const;

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  // One connection, one thread at a time: no lock; listening_ is the
  // server's atomic, read to notice a shutdown.
  int fd_;
  int read_timeout_ms_;
  int write_timeout_ms_;
  const std::atomic<socket_t>* listening_;
  TlsSession* tls_ = nullptr;
  std::vector<char> buf_;
  size_t off_ = 0;
  size_t len_ = 0;
  size_t budget_left_ = 0;
  int64_t deadline_ms_ = 0;
  bool exhausted_ = false;
};

// Grows a thread per waiting task up to `max_threads`; idle threads beyond
// `min_threads` exit after a while.
class ElasticPool final : public httplib::TaskQueue {
 public:
  ElasticPool(size_t min_threads, size_t max_threads) : min_(min_threads), max_(max_threads) {}
  ~ElasticPool() override;
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void Work();
  // mu_ guards every member below it but min_ and max_ (fixed at
  // construction), between enqueue(), shutdown() and the worker threads.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::condition_variable done_cv_;
  size_t idle_ = 0;
  size_t live_ = 0;
  size_t min_;
  size_t max_;
  bool shutdown_ = false;
};

struct ConnLimits {
  int read_timeout_ms = 5000;
  int write_timeout_ms = 5000;
  int keep_alive_idle_ms = 30000;
  int request_deadline_ms = 60000;  // headers + body of one request
  size_t request_budget = 0;        // bytes of one request (headers + body)
};

class EmuHttpServer final : public httplib::Server {
 public:
  explicit EmuHttpServer(ConnLimits limits) : limits_(limits) {}
  // Serve HTTPS with this certificate: set before listening.
  void set_tls(std::shared_ptr<const TlsContext> tls) { tls_ = std::move(tls); }
  // Called from a handler: the connection is reset (RST) instead of
  // answered.
  static void ResetCurrentConnection();
  // Called from a handler: close the connection after this reply (the
  // request body was not consumed, or the client misbehaved).
  static void CloseAfterReply();
  // The connection of the request being handled on this thread.
  static ConnStream* CurrentStream();

 private:
  bool process_and_close_socket(socket_t sock) override;
  ConnLimits limits_;
  std::shared_ptr<const TlsContext> tls_;
};

int64_t MonotonicMillis();

}  // namespace slsflow::emulator
