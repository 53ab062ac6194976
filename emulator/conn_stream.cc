#include "emulator/conn_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "emulator/tls_stream.h"

namespace slsflow::emulator {
namespace {

thread_local int current_fd = -1;
thread_local bool current_reset = false;
thread_local bool current_close = false;
thread_local ConnStream* current_stream = nullptr;

bool PollFd(int fd, short events, int ms) {
  pollfd p{fd, events, 0};
  int r;
  do {
    r = ::poll(&p, 1, ms);
  } while (r < 0 && errno == EINTR);
  return r > 0 && (p.revents & (events | POLLHUP | POLLERR));
}

void AddrToString(const sockaddr_storage& ss, std::string& ip, int& port) {
  char host[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
  }
  ip = host;
}

}  // namespace

int64_t MonotonicMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool ConnStream::has_buffered() const {
  return off_ < len_ || (tls_ != nullptr && tls_->HasPending());
}

bool ConnStream::WaitReadable(int ms) const {
  return has_buffered() || PollFd(fd_, POLLIN, ms);
}

bool ConnStream::is_readable() const {
  if (has_buffered()) return true;
  int64_t now = MonotonicMillis();
  int64_t until = std::min<int64_t>(deadline_ms_, now + read_timeout_ms_);
  // In slices, so that Stop() does not wait for a slow client.
  while (now < until && listening_->load() != INVALID_SOCKET) {
    if (PollFd(fd_, POLLIN, static_cast<int>(std::min<int64_t>(until - now, 100)))) return true;
    now = MonotonicMillis();
  }
  return false;
}

bool ConnStream::is_writable() const {
  if (current_reset) return false;
  return PollFd(fd_, POLLOUT, write_timeout_ms_);
}

ssize_t ConnStream::read(char* ptr, size_t size) {
  if (budget_left_ == 0) {
    exhausted_ = true;
    return -1;
  }
  size = std::min(size, budget_left_);
  if (off_ == len_) {
    ssize_t n;
    if (tls_ != nullptr) {
      // Polls itself: fd readability says nothing about whole TLS records.
      n = tls_->Read(buf_.data(), buf_.size(), std::min<int64_t>(deadline_ms_, MonotonicMillis() + read_timeout_ms_));
    } else {
      if (!is_readable()) return -1;
      do {
        n = ::recv(fd_, buf_.data(), buf_.size(), 0);
      } while (n < 0 && errno == EINTR);
    }
    if (n <= 0) return n;
    off_ = 0;
    len_ = static_cast<size_t>(n);
  }
  size_t n = std::min(size, len_ - off_);
  std::memcpy(ptr, buf_.data() + off_, n);
  off_ += n;
  budget_left_ -= n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnStream::write(const char* ptr, size_t size) {
  if (current_reset) return -1;
  if (tls_ != nullptr) return tls_->Write(ptr, size, MonotonicMillis() + write_timeout_ms_);
  if (!is_writable()) return -1;
  ssize_t n;
  do {
    n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

void ConnStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) AddrToString(ss, ip, port);
}

void ConnStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) AddrToString(ss, ip, port);
}

ElasticPool::~ElasticPool() {
  shutdown();
}

void ElasticPool::enqueue(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (shutdown_) return;
  jobs_.push_back(std::move(fn));
  if (idle_ < jobs_.size() && live_ < max_) {
    ++live_;
    std::thread([this] { Work(); }).detach();
  }
  cv_.notify_one();
}

void ElasticPool::shutdown() {
  std::unique_lock lock(mu_);
  shutdown_ = true;
  cv_.notify_all();
  // Workers are detached (finished ones must not pile up as unjoined
  // threads); wait for every one of them to leave Work().
  done_cv_.wait(lock, [&] { return live_ == 0; });
}

void ElasticPool::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    bool woke = cv_.wait_for(lock, std::chrono::seconds(30), [&] { return shutdown_ || !jobs_.empty(); });
    --idle_;
    if (jobs_.empty()) {
      if (shutdown_ || (!woke && live_ > min_)) {
        --live_;
        done_cv_.notify_all();
        return;
      }
      continue;
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

void EmuHttpServer::CloseAfterReply() {
  current_close = true;
}

ConnStream* EmuHttpServer::CurrentStream() {
  return current_stream;
}

void EmuHttpServer::ResetCurrentConnection() {
  if (current_fd < 0) return;
  current_reset = true;
  // close() at the end of the connection loop then sends RST. No
  // shutdown() here: its FIN would reach the client first, which then sees
  // a clean EOF instead of a reset (Linux reports a later RST as EOF).
  linger l{1, 0};
  setsockopt(current_fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

bool EmuHttpServer::process_and_close_socket(socket_t sock) {
  ConnStream strm(sock, limits_.read_timeout_ms, limits_.write_timeout_ms, &svr_sock_);
  std::unique_ptr<TlsSession> tls;
  if (tls_) {
    // A failed handshake (a client that refuses our certificate, plain
    // HTTP on this port, a stalled or oversized hello) costs this
    // connection only. Same deadlines as a request.
    tls = std::make_unique<TlsSession>(*tls_, sock, &svr_sock_);
    if (!tls->Accept(MonotonicMillis() + limits_.request_deadline_ms, limits_.read_timeout_ms)) {
      tls->RefusePlainHttp(std::min(limits_.write_timeout_ms, 1000));
      tls.reset();
      ::close(sock);
      return false;
    }
    strm.set_tls(tls.get());
  }
  current_fd = sock;
  current_reset = false;
  current_close = false;
  current_stream = &strm;
  bool ok = true;
  for (size_t served = 0; svr_sock_ != INVALID_SOCKET; ++served) {
    // Idle keep-alive wait, in slices so Stop() is not held up.
    int64_t idle_until = MonotonicMillis() + limits_.keep_alive_idle_ms;
    bool readable = false;
    while (svr_sock_ != INVALID_SOCKET && MonotonicMillis() < idle_until) {
      if (strm.WaitReadable(100)) {
        readable = true;
        break;
      }
    }
    if (!readable) break;
    strm.StartRequest(limits_.request_budget, MonotonicMillis() + limits_.request_deadline_ms);
    bool closed = false;
    ok = process_request(strm, false, closed, nullptr);
    if (!ok || closed || strm.exhausted() || current_reset || current_close) break;
  }
  current_fd = -1;
  current_stream = nullptr;
  current_close = false;
  if (!current_reset) {
    if (tls) tls->Shutdown(std::min(limits_.write_timeout_ms, 1000));
    ::shutdown(sock, SHUT_RDWR);
  }
  current_reset = false;
  ::close(sock);
  return ok;
}

}  // namespace slsflow::emulator
