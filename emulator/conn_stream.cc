#include "emulator/conn_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

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

bool ConnStream::WaitReadable(int ms) const { return has_buffered() || PollFd(fd_, POLLIN, ms); }

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
    if (!is_readable()) return -1;
    ssize_t n;
    do {
      n = ::recv(fd_, buf_.data(), buf_.size(), 0);
    } while (n < 0 && errno == EINTR);
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

ElasticPool::~ElasticPool() { shutdown(); }

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

void EmuHttpServer::CloseAfterReply() { current_close = true; }

ConnStream* EmuHttpServer::CurrentStream() { return current_stream; }

void EmuHttpServer::ResetCurrentConnection() {
  if (current_fd < 0) return;
  current_reset = true;
  linger l{1, 0};  // close() then sends RST
  setsockopt(current_fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  ::shutdown(current_fd, SHUT_RDWR);
}

bool EmuHttpServer::process_and_close_socket(socket_t sock) {
  ConnStream strm(sock, limits_.read_timeout_ms, limits_.write_timeout_ms, &svr_sock_);
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
  if (!current_reset) ::shutdown(sock, SHUT_RDWR);
  current_reset = false;
  ::close(sock);
  return ok;
}

}  // namespace slsflow::emulator
